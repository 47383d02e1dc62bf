import { predict, seededUniform } from '../forward';
import type { ModelSpec } from '../types';
import type { DesignMatrix } from './dataset';
import { DEFAULT_MLP, fitMlp, liveTensors, MlpError, predictLayers, type MlpOptions } from './mlp';
import { DEFAULT_WATCHDOG, varianceRatio } from './watchdog';

const F = 5;

/** y = 0.02·(z0 − 0.5·z1 + max(0, z2)) + 0.01·noise: a return-sized target with a nonlinear part. */
function synthetic(rows: number, seed: number): { z: Float64Array; design: DesignMatrix } {
  const rand = seededUniform(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const z = new Float64Array(rows * F);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < F; j++) z[r * F + j] = gauss();
    y[r] = 0.02 * (z[r * F] - 0.5 * z[r * F + 1] + Math.max(0, z[r * F + 2])) + 0.01 * gauss();
  }
  return {
    z,
    design: {
      rows, features: F, y,
      fill(r, out, offset = 0) {
        for (let j = 0; j < F; j++) out[offset + j] = z[r * F + j];
      },
    },
  };
}

const fit = synthetic(1500, 1);
const validation = synthetic(400, 2);
const options: MlpOptions = { ...DEFAULT_MLP, hidden: [8], batchSize: 128, maxEpochs: 6, patience: 3, seed: 7, watchdog: DEFAULT_WATCHDOG };

const specOf = (layers: ModelSpec['layers']): ModelSpec => ({
  kind: 'mlp', features: ['a', 'b', 'c', 'd', 'e'], inputMean: new Float64Array(F), inputScale: new Float64Array(F).fill(1), layers,
});

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i] / n; mb += b[i] / n; }
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

describe('fitMlp', () => {
  it('is reproducible: the same data, options and seed give the same weights and predictions', () => {
    const a = fitMlp(fit.design, validation.design, options);
    const b = fitMlp(fit.design, validation.design, options);
    expect(b.layers).toEqual(a.layers);
    expect(b.history).toEqual(a.history);
    const pa = predictLayers(a.layers, validation.design);
    const pb = predictLayers(b.layers, validation.design);
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThanOrEqual(1e-9);
    const c = fitMlp(fit.design, validation.design, { ...options, seed: 8 });
    expect(c.layers[0].weights).not.toEqual(a.layers[0].weights);
  });

  it('learns the planted function (validation loss well under the target variance) in raw target units', () => {
    const result = fitMlp(fit.design, validation.design, { ...options, maxEpochs: 15, learningRate: 5e-3 });
    const best = result.history[result.bestEpoch - 1];
    expect(best.validationLoss).toBeLessThan(0.5);
    const p = predictLayers(result.layers, validation.design);
    expect(correlation(p, validation.design.y)).toBeGreaterThan(0.7);
    // Raw units: the predictions' spread is the target's, not the standardised one.
    expect(varianceRatio(p, validation.design.y)).toBeGreaterThan(0.5);
    expect(varianceRatio(p, validation.design.y)).toBeLessThan(1.2);
  });

  it('extracts weights the reference forward pass reproduces (row-major [inputs][outputs], ReLU then linear)', () => {
    const result = fitMlp(fit.design, validation.design, options);
    expect(result.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([[F, 8, 'relu'], [8, 1, 'linear']]);
    const framework = predictLayers(result.layers, validation.design);
    const reference = predict(specOf(result.layers), validation.z, validation.design.rows);
    for (let i = 0; i < framework.length; i++) expect(Math.abs(framework[i] - reference[i])).toBeLessThan(1e-6);
  });

  it('keeps the best epoch\'s weights and reports why it stopped', () => {
    const result = fitMlp(fit.design, validation.design, { ...options, maxEpochs: 3 });
    expect(result.epochs).toBe(3);
    expect(result.earlyStopReason === 'max_epochs' || result.earlyStopReason === 'patience').toBe(true);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const losses = result.history.map((h) => h.validationLoss);
    expect(result.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
  });

  it('leaves no tensors behind', () => {
    const before = liveTensors();
    const result = fitMlp(fit.design, validation.design, { ...options, maxEpochs: 2 });
    predictLayers(result.layers, validation.design);
    expect(liveTensors()).toBe(before);
  });

  it('the variance watchdog stops a net whose predictions collapse under a huge L2 penalty', () => {
    const collapsing = { ...options, l2: 10, learningRate: 0.05, maxEpochs: 30, patience: 30 };
    const result = fitMlp(fit.design, validation.design, collapsing);
    expect(result.earlyStopReason).toBe('variance_collapse');
    expect(result.epochs).toBeGreaterThanOrEqual(DEFAULT_WATCHDOG.minEpochs);
    expect(result.epochs).toBeLessThan(30);
    expect(result.history[result.history.length - 1].ema!).toBeLessThan(DEFAULT_WATCHDOG.threshold);
    // The same run without the penalty keeps its spread: the watchdog fires on the collapse, not on the settings.
    const healthy = fitMlp(fit.design, validation.design, { ...collapsing, l2: 0, maxEpochs: 8 });
    expect(healthy.earlyStopReason).not.toBe('variance_collapse');
    expect(Math.min(...healthy.history.map((h) => h.ema!))).toBeGreaterThan(DEFAULT_WATCHDOG.threshold);
  });

  it('bounds an epoch with stepsPerEpoch', () => {
    const full = fitMlp(fit.design, validation.design, { ...options, maxEpochs: 1 });
    const short = fitMlp(fit.design, validation.design, { ...options, maxEpochs: 1, stepsPerEpoch: 1 });
    // One mini-batch of Adam at lr 1e-3 barely moves the initial weights.
    expect(short.history[0].validationLoss).toBeGreaterThan(full.history[0].validationLoss);
  });

  it.each<[Partial<MlpOptions>, string]>([
    [{ hidden: [] }, 'hidden: expected widths >= 1, got []'],
    [{ hidden: [4, 0] }, 'hidden: expected widths >= 1, got [4,0]'],
    [{ learningRate: 0 }, 'learningRate must be > 0, got 0'],
    [{ batchSize: 0 }, 'batchSize must be a whole number >= 1, got 0'],
    [{ l2: -1 }, 'l2 must be a finite number >= 0, got -1'],
    [{ stepsPerEpoch: 0 }, 'stepsPerEpoch must be a whole number >= 1, got 0'],
    [{ patience: 0 }, 'patience must be a whole number >= 1, got 0'],
  ])('rejects %j', (patch, message) => {
    expect(() => fitMlp(fit.design, validation.design, { ...options, ...patch })).toThrow(new MlpError(message));
  });

  it('needs a validation slice', () => {
    const one = { ...validation.design, rows: 1 };
    expect(() => fitMlp(fit.design, one, options)).toThrow('the validation slice has 1 rows; early stopping needs at least 2');
  });
});
