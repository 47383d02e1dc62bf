import fc from 'fast-check';
import { ModelSpecError, predict, predictFloat32, randomInputs, randomModelSpec, validateSpec } from './forward';
import type { DenseLayer, ModelSpec } from './types';

const layer = (inputs: number, outputs: number, weights: number[], bias: number[], activation: DenseLayer['activation'] = 'linear'): DenseLayer =>
  ({ inputs, outputs, weights: Float64Array.from(weights), bias: Float64Array.from(bias), activation });

/** Two features, mean [1, 2], scale [2, 4]: x = [3, 10] standardises to z = [1, 2]. */
const spec = (kind: ModelSpec['kind'], layers: DenseLayer[]): ModelSpec =>
  ({ kind, features: ['a', 'b'], inputMean: Float64Array.of(1, 2), inputScale: Float64Array.of(2, 4), layers });

describe('predict', () => {
  it.each<[string, ModelSpec, number[], number[]]>([
    ['ridge: z · w + b', spec('ridge', [layer(2, 1, [1, 2], [0.5])]), [3, 10, 1, 2], [5.5, 0.5]],
    // hidden = relu([z1 − z2, z1 + z2]) = relu([−1, 3]) = [0, 3] for row 1; [0, 0] for row 2 (z = 0).
    ['relu MLP clips negative pre-activations', spec('mlp', [layer(2, 2, [1, 1, -1, 1], [0, 0], 'relu'), layer(2, 1, [10, 1], [0.25])]), [3, 10, 1, 2], [3.25, 0.25]],
    ['tanh MLP', spec('mlp', [layer(2, 1, [1, 0], [0], 'tanh'), layer(1, 1, [2], [0])]), [3, 10, -1, 2], [2 * Math.tanh(1), 2 * Math.tanh(-1)]],
  ])('%s', (_name, s, x, expected) => {
    const out = predict(s, Float64Array.from(x), 2);
    expected.forEach((v, r) => expect(out[r]).toBeCloseTo(v, 12));
  });

  it('refuses x whose length is not rows × features', () => {
    const s = spec('ridge', [layer(2, 1, [1, 2], [0])]);
    expect(() => predict(s, new Float64Array(5), 2)).toThrow(/x has 5 values, expected rows × features = 2 × 2/);
    expect(predict(s, new Float64Array(0), 0)).toHaveLength(0);
  });

  it('float32 emulation stays within float32 rounding of the float64 pass, and does round', () => {
    const s = randomModelSpec({ kind: 'mlp', features: 12, hidden: [8, 4], seed: 3 });
    const x = randomInputs(s, 200, 4);
    const exact = predict(s, x, 200);
    const f32 = predictFloat32(s, x, 200);
    let differing = 0;
    for (let r = 0; r < 200; r++) {
      expect(Math.abs(f32[r] - exact[r])).toBeLessThan(1e-5 * Math.max(1, Math.abs(exact[r])));
      expect(Math.fround(f32[r])).toBe(f32[r]);
      if (f32[r] !== exact[r]) differing++;
    }
    expect(differing).toBeGreaterThan(190);
  });

  it('rows are independent: predicting a row alone gives its value in the batch', () => {
    const s = randomModelSpec({ kind: 'mlp', features: 5, hidden: [6], activation: 'tanh', seed: 9 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1e6 }), (rows, seed) => {
      const x = randomInputs(s, rows, seed);
      const all = predict(s, x, rows);
      const r = rows - 1;
      expect(predict(s, x.slice(r * 5, (r + 1) * 5), 1)[0]).toBe(all[r]);
    }), { numRuns: 25 });
  });
});

describe('validateSpec', () => {
  const ok = () => spec('mlp', [layer(2, 2, [1, 1, -1, 1], [0, 0], 'relu'), layer(2, 1, [10, 1], [0.25])]);
  it.each<[string, (s: ModelSpec) => void, RegExp]>([
    ['unknown kind', (s) => { (s as { kind: string }).kind = 'forest'; }, /kind is "forest", expected one of ridge, mlp/],
    ['no features', (s) => { s.features = []; }, /features is empty/],
    ['duplicate feature', (s) => { s.features = ['a', 'a']; }, /names "a" twice/],
    ['short inputMean', (s) => { s.inputMean = Float64Array.of(1); }, /inputMean has 1 values, expected 2/],
    ['zero scale', (s) => { s.inputScale = Float64Array.of(2, 0); }, /inputScale\[1\] is 0 \(feature b\)/],
    ['NaN mean', (s) => { s.inputMean[0] = NaN; }, /inputMean\[0\] is NaN/],
    ['layers that do not chain', (s) => { s.layers[1] = layer(3, 1, [1, 1, 1], [0]); }, /layers\[1\]\.inputs is 3, expected 2/],
    ['weights of the wrong size', (s) => { s.layers[0].weights = new Float64Array(3); }, /layers\[0\]\.weights has 3 values, expected 2×2/],
    ['infinite bias', (s) => { s.layers[1].bias[0] = Infinity; }, /layers\[1\]\.bias\[0\] is Infinity/],
    ['unknown activation', (s) => { (s.layers[0] as { activation: string }).activation = 'gelu'; }, /activation is "gelu", expected one of linear, relu, tanh/],
    ['two outputs', (s) => { s.layers[1] = layer(2, 2, [1, 1, 1, 1], [0, 0]); }, /last layer has 2 outputs, expected 1/],
    ['ridge with a hidden layer', (s) => { s.kind = 'ridge'; }, /ridge model is one linear layer/],
  ])('%s', (_name, breakIt, message) => {
    const s = ok();
    expect(() => validateSpec(s)).not.toThrow();
    breakIt(s);
    expect(() => validateSpec(s)).toThrow(ModelSpecError);
    expect(() => validateSpec(s)).toThrow(message);
  });
});

describe('randomModelSpec', () => {
  it('is valid, shaped as asked and determined by the seed', () => {
    const a = randomModelSpec({ kind: 'mlp', features: 7, hidden: [5, 3], seed: 1 });
    validateSpec(a);
    expect(a.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([[7, 5, 'relu'], [5, 3, 'relu'], [3, 1, 'linear']]);
    expect(randomModelSpec({ kind: 'mlp', features: 7, hidden: [5, 3], seed: 1 })).toEqual(a);
    expect(randomModelSpec({ kind: 'mlp', features: 7, hidden: [5, 3], seed: 2 }).layers[0].weights).not.toEqual(a.layers[0].weights);
    expect(randomModelSpec({ kind: 'ridge', features: 4, hidden: [9], seed: 1 }).layers.map((l) => [l.inputs, l.outputs])).toEqual([[4, 1]]);
  });
});
