/**
 * A multilayer perceptron on @tensorflow/tfjs (pure-JS cpu backend): dense ReLU layers and a linear output, MSE
 * plus an L2 penalty on the weight matrices, Adam, shuffled mini-batches, early stopping on a validation slice
 * (the caller takes it from the end of the training sessions) and the variance watchdog. Gradients are tfjs's own
 * (optimizer.minimize).
 *
 * The target is standardised for training (returns have a std near 0.02: Adam's steps and the initial weights
 * suit unit scale) and the scaling is folded back into the output layer, so the extracted layers predict raw
 * target units. Same data, options and seed give the same weights: seeded initialisers, a seeded shuffle, and
 * the cpu backend's deterministic arithmetic.
 */
import * as tf from '@tensorflow/tfjs';
import { seededUniform } from '../forward';
import type { DenseLayer } from '../types';
import type { DesignMatrix } from './dataset';
import { MlpError } from './errors';
import { checkStoppingOptions, initialStopping, observeEpoch, varianceRatio, type EarlyStopReason, type WatchdogOptions } from './watchdog';

// Production mode skips tfjs's debug checks and its warnings, among them the banner suggesting the native
// backend (which this project does not ship), written to stderr on the first tensor.
tf.enableProdMode();

export interface MlpOptions {
  hidden: number[];
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
  /** Penalty l2 × Σ w² over the weight matrices (not biases), added to the standardised-target MSE. */
  l2: number;
  seed: number;
  /** Mini-batches per epoch (a random subset of the rows each epoch); default a full pass. */
  stepsPerEpoch?: number;
  watchdog: WatchdogOptions;
}

export const DEFAULT_MLP: Omit<MlpOptions, 'seed' | 'watchdog'> = {
  hidden: [64, 32], learningRate: 1e-3, batchSize: 1024, maxEpochs: 30, patience: 4, l2: 0,
};

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
  varianceRatio: number;
  ema: number | null;
}

export interface MlpFit {
  /** The layers of the epoch with the best validation loss, in raw target units. */
  layers: DenseLayer[];
  epochs: number;
  bestEpoch: number;
  earlyStopReason: EarlyStopReason;
  history: EpochRecord[];
}

export { MlpError };

function checkOptions(o: MlpOptions): void {
  if (o.hidden.length === 0 || !o.hidden.every((h) => Number.isInteger(h) && h >= 1)) throw new MlpError(`hidden: expected widths >= 1, got ${JSON.stringify(o.hidden)}`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) throw new MlpError(`learningRate must be > 0, got ${o.learningRate}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new MlpError(`batchSize must be a whole number >= 1, got ${o.batchSize}`);
  if (!(o.l2 >= 0) || !Number.isFinite(o.l2)) throw new MlpError(`l2 must be a finite number >= 0, got ${o.l2}`);
  if (o.stepsPerEpoch !== undefined && (!Number.isInteger(o.stepsPerEpoch) || o.stepsPerEpoch < 1)) throw new MlpError(`stepsPerEpoch must be a whole number >= 1, got ${o.stepsPerEpoch}`);
  try {
    checkStoppingOptions(o);
  } catch (error) {
    throw new MlpError((error as Error).message);
  }
}

/** Mean and std (population; 1 when 0) of the fit's targets. */
function targetScaling(y: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (const v of y) s += v;
  const mean = s / y.length;
  let ss = 0;
  for (const v of y) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / y.length);
  return { mean, std: std > 0 ? std : 1 };
}

/** Standardised rows [from, to) of a design as one float32 block. */
function block(design: DesignMatrix, rows: ArrayLike<number>, from: number, to: number): Float32Array {
  const F = design.features;
  const out = new Float32Array((to - from) * F);
  for (let k = from; k < to; k++) design.fill(rows[k], out, (k - from) * F);
  return out;
}

interface Net {
  weights: tf.Variable[];
  biases: tf.Variable[];
}

function forward(net: Net, x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  const last = net.weights.length - 1;
  net.weights.forEach((w, k) => {
    const z = tf.add(tf.matMul(h, w), net.biases[k]) as tf.Tensor2D;
    h = k < last ? tf.relu(z) : z;
  });
  return h;
}

const PREDICT_CHUNK = 8192;

/** Predictions of the net for every row of a design (chunked, so memory does not grow with the rows). */
function predictNet(net: Net, design: DesignMatrix): Float64Array {
  const out = new Float64Array(design.rows);
  const all = { length: design.rows } as ArrayLike<number>;
  const rows = Int32Array.from(all, (_, k) => k);
  for (let from = 0; from < design.rows; from += PREDICT_CHUNK) {
    const to = Math.min(design.rows, from + PREDICT_CHUNK);
    const values = tf.tidy(() => forward(net, tf.tensor2d(block(design, rows, from, to), [to - from, design.features])).dataSync());
    out.set(values, from);
  }
  return out;
}

function snapshot(net: Net): Float32Array[] {
  return [...net.weights, ...net.biases].map((v) => Float32Array.from(v.dataSync()));
}

/** Layers from a snapshot, the output layer rescaled from standardised to raw target units. */
function toLayers(snap: Float32Array[], widths: number[], scaling: { mean: number; std: number }): DenseLayer[] {
  const L = widths.length - 1;
  return Array.from({ length: L }, (_, k): DenseLayer => {
    const weights = Float64Array.from(snap[k]);
    const bias = Float64Array.from(snap[L + k]);
    if (k === L - 1) {
      for (let i = 0; i < weights.length; i++) weights[i] *= scaling.std;
      bias[0] = bias[0] * scaling.std + scaling.mean;
    }
    return { inputs: widths[k], outputs: widths[k + 1], weights, bias, activation: k < L - 1 ? 'relu' : 'linear' };
  });
}

function shuffle(perm: Int32Array, rand: () => number): void {
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

export function fitMlp(fit: DesignMatrix, validation: DesignMatrix, options: MlpOptions, onEpoch?: (record: EpochRecord) => void): MlpFit {
  checkOptions(options);
  if (fit.rows === 0) throw new MlpError('no rows to fit');
  if (validation.rows < 2) throw new MlpError(`the validation slice has ${validation.rows} rows; early stopping needs at least 2`);
  const F = fit.features;
  const widths = [F, ...options.hidden, 1];
  const scaling = targetScaling(fit.y);
  const yStd = Float32Array.from(fit.y, (v) => (v - scaling.mean) / scaling.std);
  const valY = Float64Array.from(validation.y, (v) => (v - scaling.mean) / scaling.std);
  // Variables share their initial tensor's data; tidy releases the initial tensor's own reference.
  const net: Net = tf.tidy(() => ({
    weights: widths.slice(1).map((out, k) => tf.variable(tf.initializers.glorotUniform({ seed: options.seed * 101 + k }).apply([widths[k], out]))),
    biases: widths.slice(1).map((out) => tf.variable(tf.zeros([out]))),
  }));
  const optimizer = tf.train.adam(options.learningRate);
  const rand = seededUniform((options.seed ^ 0x5f3759df) >>> 0);
  const perm = Int32Array.from({ length: fit.rows }, (_, k) => k);
  const batch = options.batchSize;
  const perEpoch = Math.min(fit.rows, options.stepsPerEpoch === undefined ? Infinity : options.stepsPerEpoch * batch);
  const l2 = options.l2;
  const history: EpochRecord[] = [];
  let state = initialStopping();
  let best = snapshot(net);
  let reason: EarlyStopReason = 'max_epochs';
  try {
    for (;;) {
      shuffle(perm, rand);
      let lossSum = 0;
      for (let from = 0; from < perEpoch; from += batch) {
        const to = Math.min(perEpoch, from + batch);
        const xb = block(fit, perm, from, to);
        const yb = Float32Array.from({ length: to - from }, (_, k) => yStd[perm[from + k]]);
        const cost = tf.tidy(() => {
          const x = tf.tensor2d(xb, [to - from, F]);
          const y = tf.tensor2d(yb, [to - from, 1]);
          const value = optimizer.minimize(() => {
            const mse = tf.mean(tf.square(tf.sub(forward(net, x), y)));
            return (l2 > 0 ? tf.add(mse, tf.mul(l2, tf.addN(net.weights.map((w) => tf.sum(tf.square(w)))))) : mse) as tf.Scalar;
          }, true, [...net.weights, ...net.biases]);
          return value!.dataSync()[0];
        });
        lossSum += cost * (to - from);
      }
      const prediction = predictNet(net, validation);
      let se = 0;
      for (let i = 0; i < prediction.length; i++) se += (prediction[i] - valY[i]) ** 2;
      const validationLoss = se / prediction.length;
      const ratio = varianceRatio(prediction, valY);
      const observed = observeEpoch(state, Number.isFinite(validationLoss) ? validationLoss : Infinity, ratio, options);
      state = observed.state;
      if (observed.improved) best = snapshot(net);
      const record = { epoch: state.epochs, trainLoss: lossSum / perEpoch, validationLoss, varianceRatio: ratio, ema: state.ema };
      history.push(record);
      onEpoch?.(record);
      if (observed.stop) {
        reason = observed.stop;
        break;
      }
    }
  } finally {
    optimizer.dispose();
    for (const v of [...net.weights, ...net.biases]) v.dispose();
  }
  return { layers: toLayers(best, widths, scaling), epochs: state.epochs, bestEpoch: state.bestEpoch, earlyStopReason: reason, history };
}

/**
 * The trained net's own predictions (tfjs, float32) for every row of a design, from extracted layers: what the
 * exported graph is checked against. Extraction copies the variables' float32 values exactly, so this is the
 * training framework's output.
 */
export function predictLayers(layers: readonly DenseLayer[], design: DesignMatrix): Float64Array {
  const net: Net = tf.tidy(() => ({
    weights: layers.map((l) => tf.variable(tf.tensor2d(Float32Array.from(l.weights), [l.inputs, l.outputs]), false)),
    biases: layers.map((l) => tf.variable(tf.tensor1d(Float32Array.from(l.bias)), false)),
  }));
  try {
    return predictNet(net, design);
  } finally {
    for (const v of [...net.weights, ...net.biases]) v.dispose();
  }
}

/** Live tfjs tensors (tests check that training leaves none behind). */
export const liveTensors = (): number => tf.memory().numTensors;
