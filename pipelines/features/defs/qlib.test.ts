import { loadManifest } from '../manifest';
import type { SeriesInput } from '../define';
import { QLIB_FEATURES } from './qlib';

/** A clean random walk of consistent bars with trades every day, a market return, and rare limit days. */
function cleanInputs(n: number): Record<SeriesInput, Float64Array> {
  let s = 12345;
  const rand = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const col = () => new Float64Array(n);
  const x = { open: col(), high: col(), low: col(), close: col(), volume: col(), turnover: col(), upper_limit: col(), lower_limit: col(), market_return: col() };
  let prev = 1000;
  for (let t = 0; t < n; t++) {
    const o = prev * (1 + 0.01 * (rand() - 0.5));
    const c = o * (1 + 0.04 * (rand() - 0.5));
    x.open[t] = o;
    x.close[t] = c;
    x.high[t] = Math.max(o, c) * (1 + 0.01 * rand());
    x.low[t] = Math.min(o, c) * (1 - 0.01 * rand());
    x.volume[t] = 1000 + Math.floor(rand() * 1e5);
    x.turnover[t] = x.volume[t] * c;
    x.upper_limit[t] = rand() < 0.05 ? 1 : 0;
    x.lower_limit[t] = rand() < 0.05 ? 1 : 0;
    x.market_return[t] = 0.02 * (rand() - 0.5);
    prev = c;
  }
  return x;
}

describe('QLIB_FEATURES', () => {
  const n = 400;
  const inputs = cleanInputs(n);

  it.each(QLIB_FEATURES.map((d) => [d.name, d] as const))('%s: first value at its warmup on a clean run, every row written', (_name, d) => {
    const outs = d.group.outputs.map(() => new Float64Array(n).fill(12345.678));
    d.group.compute(d.inputs.map((c) => inputs[c]), outs);
    const out = outs[d.output];
    expect(out.includes(12345.678)).toBe(false);
    const first = out.findIndex((v) => !Number.isNaN(v));
    expect(first).toBe(d.warmup);
    // After the warmup a clean run has a value on every row.
    expect(Array.from(out.subarray(d.warmup)).every(Number.isFinite)).toBe(true);
    if (d.dtype !== 'float64') expect(Array.from(out.subarray(d.warmup)).every(Number.isInteger)).toBe(true);
    if (d.dtype === 'bool') expect(Array.from(out).every((v) => v === 0 || v === 1)).toBe(true);
    expect(d.unit).toBeUndefined();
  });

  it('names are unique', () => {
    const names = QLIB_FEATURES.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the manifest lists every one as active (loadManifest checks dtype, source, warmup and params)', () => {
    const manifest = loadManifest();
    for (const d of QLIB_FEATURES) expect([d.name, manifest.features.find((f) => f.name === d.name)?.status]).toEqual([d.name, 'active']);
  });
});
