/**
 * The reference forward pass of a ModelSpec: what the exported ONNX graph must reproduce. Float64 is the
 * trainer's arithmetic; the float32 emulation rounds after every operation the graph performs, so it predicts
 * what a float32 runtime computes up to summation order.
 */
import type { DenseLayer, ModelSpec } from './types';
import { mulberry32 } from '../util/random';

/** A spec that cannot describe a model (shapes that do not chain, non-finite numbers, zero scales). */
export class ModelSpecError extends Error {
  constructor(message: string) {
    super(`model spec: ${message}`);
    this.name = 'ModelSpecError';
  }
}

const ACTIVATIONS: ReadonlyArray<DenseLayer['activation']> = ['linear', 'relu', 'tanh'];

function checkFinite(field: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ModelSpecError(`${field}[${i}] is ${values[i]}, expected a finite number`);
  }
}

/** Throws ModelSpecError naming the first field that breaks the ModelSpec contract. */
export function validateSpec(spec: ModelSpec): void {
  if (spec.kind !== 'ridge' && spec.kind !== 'mlp') throw new ModelSpecError(`kind is ${JSON.stringify(spec.kind)}, expected one of ridge, mlp`);
  const F = spec.features.length;
  if (F === 0) throw new ModelSpecError('features is empty');
  const seen = new Set<string>();
  for (const f of spec.features) {
    if (typeof f !== 'string' || f === '') throw new ModelSpecError(`features holds ${JSON.stringify(f)}, expected non-empty names`);
    if (seen.has(f)) throw new ModelSpecError(`features names ${JSON.stringify(f)} twice`);
    seen.add(f);
  }
  if (spec.inputMean.length !== F) throw new ModelSpecError(`inputMean has ${spec.inputMean.length} values, expected ${F} (one per feature)`);
  if (spec.inputScale.length !== F) throw new ModelSpecError(`inputScale has ${spec.inputScale.length} values, expected ${F} (one per feature)`);
  checkFinite('inputMean', spec.inputMean);
  checkFinite('inputScale', spec.inputScale);
  const zero = spec.inputScale.findIndex((s) => s === 0);
  if (zero >= 0) throw new ModelSpecError(`inputScale[${zero}] is 0 (feature ${spec.features[zero]}); a constant feature needs scale 1`);
  if (spec.layers.length === 0) throw new ModelSpecError('layers is empty');
  if (spec.kind === 'ridge' && (spec.layers.length !== 1 || spec.layers[0].activation !== 'linear')) {
    throw new ModelSpecError('a ridge model is one linear layer [F → 1]');
  }
  let width = F;
  spec.layers.forEach((layer, k) => {
    const at = `layers[${k}]`;
    if (layer.inputs !== width) throw new ModelSpecError(`${at}.inputs is ${layer.inputs}, expected ${width} (the previous width)`);
    if (!Number.isInteger(layer.outputs) || layer.outputs < 1) throw new ModelSpecError(`${at}.outputs is ${layer.outputs}, expected a whole number >= 1`);
    if (layer.weights.length !== layer.inputs * layer.outputs) throw new ModelSpecError(`${at}.weights has ${layer.weights.length} values, expected ${layer.inputs}×${layer.outputs}`);
    if (layer.bias.length !== layer.outputs) throw new ModelSpecError(`${at}.bias has ${layer.bias.length} values, expected ${layer.outputs}`);
    if (!ACTIVATIONS.includes(layer.activation)) throw new ModelSpecError(`${at}.activation is ${JSON.stringify(layer.activation)}, expected one of ${ACTIVATIONS.join(', ')}`);
    checkFinite(`${at}.weights`, layer.weights);
    checkFinite(`${at}.bias`, layer.bias);
    width = layer.outputs;
  });
  if (width !== 1) throw new ModelSpecError(`the last layer has ${width} outputs, expected 1 (one prediction per row)`);
}

function checkInput(spec: ModelSpec, x: Float64Array, rows: number): void {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`rows is ${rows}, expected a whole number >= 0`);
  const F = spec.features.length;
  if (x.length !== rows * F) throw new RangeError(`x has ${x.length} values, expected rows × features = ${rows} × ${F}`);
}

/** Rounding applied after every operation: identity for float64, Math.fround for float32. */
type Round = (v: number) => number;
const identity: Round = (v) => v;

function forward(spec: ModelSpec, x: Float64Array, rows: number, round: Round): Float64Array {
  validateSpec(spec);
  checkInput(spec, x, rows);
  const F = spec.features.length;
  const mean = spec.inputMean.map(round);
  const scale = spec.inputScale.map(round);
  const layers = spec.layers.map((l) => ({ ...l, weights: l.weights.map(round), bias: l.bias.map(round) }));
  const maxWidth = Math.max(F, ...layers.map((l) => l.outputs));
  let h = new Float64Array(maxWidth);
  let next = new Float64Array(maxWidth);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < F; j++) h[j] = round(round(round(x[r * F + j]) - mean[j]) / scale[j]);
    for (const { inputs, outputs, weights, bias, activation } of layers) {
      next.fill(0, 0, outputs);
      for (let i = 0; i < inputs; i++) {
        const hi = h[i];
        const row = i * outputs;
        for (let o = 0; o < outputs; o++) next[o] = round(next[o] + round(hi * weights[row + o]));
      }
      for (let o = 0; o < outputs; o++) {
        const v = round(next[o] + bias[o]);
        next[o] = activation === 'relu' ? Math.max(0, v) : activation === 'tanh' ? round(Math.tanh(v)) : v;
      }
      [h, next] = [next, h];
    }
    out[r] = h[0];
  }
  return out;
}

/** Predictions in float64: z = (x − mean) / scale, then each layer's activation(z · W + b). x is rows × F row-major. */
export function predict(spec: ModelSpec, x: Float64Array, rows: number): Float64Array {
  return forward(spec, x, rows, identity);
}

/** The same pass rounded to float32 after every operation, as the exported graph computes it. */
export function predictFloat32(spec: ModelSpec, x: Float64Array, rows: number): Float64Array {
  return forward(spec, x, rows, Math.fround);
}

/** A seeded uniform [0, 1) generator (mulberry32), stable across runs and machines. */
export const seededUniform = mulberry32;

export interface RandomSpecOptions {
  kind: ModelSpec['kind'];
  features: number;
  /** Hidden widths of an MLP (ignored for ridge). */
  hidden?: number[];
  activation?: 'relu' | 'tanh';
  seed: number;
}

/**
 * A spec with seeded random weights (Glorot-scaled), means and scales: export, registry and serving checks need
 * models of a given shape without training one.
 */
export function randomModelSpec(options: RandomSpecOptions): ModelSpec {
  const rand = seededUniform(options.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const F = options.features;
  const widths = [F, ...(options.kind === 'mlp' ? options.hidden ?? [16] : []), 1];
  const layers: DenseLayer[] = [];
  for (let k = 0; k + 1 < widths.length; k++) {
    const [inputs, outputs] = [widths[k], widths[k + 1]];
    const limit = Math.sqrt(6 / (inputs + outputs));
    layers.push({
      inputs,
      outputs,
      weights: Float64Array.from({ length: inputs * outputs }, () => between(-limit, limit)),
      bias: Float64Array.from({ length: outputs }, () => between(-0.1, 0.1)),
      activation: k + 2 < widths.length ? options.activation ?? 'relu' : 'linear',
    });
  }
  return {
    kind: options.kind,
    features: Array.from({ length: F }, (_, j) => `f${String(j).padStart(3, '0')}`),
    inputMean: Float64Array.from({ length: F }, () => between(-5, 5)),
    inputScale: Float64Array.from({ length: F }, () => between(0.5, 3)),
    layers,
  };
}

/** rows × F inputs drawn around each feature's mean (± 3 scales), for verification samples. */
export function randomInputs(spec: ModelSpec, rows: number, seed: number): Float64Array {
  const rand = seededUniform(seed);
  const F = spec.features.length;
  const x = new Float64Array(rows * F);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < F; j++) x[r * F + j] = spec.inputMean[j] + spec.inputScale[j] * (6 * rand() - 3);
  }
  return x;
}
