import fc from 'fast-check';
import { totalReturnFactors, totalReturnSeries } from './dividends';
import { adjustRows, type PriceRow } from './rows';
import { backAdjust, cumulativeFactors, type SplitSeries } from './splits';

const { abs, max } = Math;

/** Relative closeness for values that went through a few multiplications and divisions. */
const close = (a: number, b: number) => (a !== a ? b !== b : abs(a - b) <= 1e-12 * max(abs(a), abs(b)));

const FACTORS = [1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.25, 0.2, 0.1, 5, 10, NaN];

const bar = fc.record({
  traded: fc.double({ min: 0, max: 1, noNaN: true }).map((u) => u > 0.15),
  price: fc.double({ min: 1, max: 1e6, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.2, noNaN: true }),
  volume: fc.integer({ min: 0, max: 1e8 }),
  factor: fc.constantFrom(...FACTORS),
  dividend: fc.constantFrom(0, 0, 0, 0, 2.5, 30),
});

const seriesArb = fc.array(bar, { minLength: 1, maxLength: 60 }).map((bars) => {
  const col = (f: (b: (typeof bars)[number]) => number) => Float64Array.from(bars, f);
  const series: SplitSeries = {
    open: col((b) => (b.traded ? b.price * (1 - b.spread / 2) : NaN)),
    high: col((b) => (b.traded ? b.price * (1 + b.spread) : NaN)),
    low: col((b) => (b.traded ? b.price * (1 - b.spread) : NaN)),
    close: col((b) => (b.traded ? b.price : NaN)),
    volume: col((b) => (b.traded ? b.volume : NaN)),
    factor: col((b) => b.factor),
  };
  return { series, dividend: col((b) => b.dividend) };
});

/** A series with two as-of indices a <= b. */
const withAsOfs = seriesArb.chain((s) => {
  const n = s.series.close.length;
  return fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }))
    .map(([x, y]) => ({ ...s, a: Math.min(x, y), b: Math.max(x, y) }));
});

const COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

describe('split adjustment properties', () => {
  it('daily returns from adjusted closes do not depend on the as-of point (only the scale does)', () => {
    fc.assert(fc.property(withAsOfs, ({ series, a, b }) => {
      const x = backAdjust(series, a);
      const y = backAdjust(series, b);
      for (let t = 1; t < x.close.length; t++) {
        if (!close(x.close[t] / x.close[t - 1], y.close[t] / y.close[t - 1])) return false;
      }
      // The whole series is rescaled by one constant, the factors between the two as-of rows.
      const k = x.cumFactor[b] / x.cumFactor[a];
      return Array.from(x.close).every((v, t) => close(v * k, y.close[t]));
    }));
  });

  it('adjusting as of T, then as of a later T\' with only the new factors, equals adjusting as of T\' directly', () => {
    fc.assert(fc.property(withAsOfs, ({ series, a: T, b: T2 }) => {
      const first = backAdjust(series, T);
      // Stored as of T: rows up to T already adjusted (their factors used up), later rows raw with their factors.
      const stitched: SplitSeries = {
        ...Object.fromEntries(COLUMNS.map((c) => [c, series[c].map((v, t) => (t <= T ? first[c][t] : v))])) as Pick<SplitSeries, (typeof COLUMNS)[number]>,
        factor: series.factor.map((f, t) => (t <= T ? 1 : f)),
      };
      const twice = backAdjust(stitched, T2);
      const direct = backAdjust(series, T2);
      return COLUMNS.every((c) => Array.from(direct[c]).every((v, t) => t > T2 || close(v, twice[c][t])));
    }));
  });

  it('NaN never becomes a number and a number never becomes NaN, whatever the as-of row', () => {
    fc.assert(fc.property(withAsOfs, ({ series, a }) => {
      const out = backAdjust(series, a);
      return COLUMNS.every((c) => Array.from(out[c]).every((v, t) => (v !== v) === (series[c][t] !== series[c][t])))
        && Array.from(out.cumFactor).every((c) => c > 0 && Number.isFinite(c));
    }));
  });

  it('rows: null stays null, numbers stay numbers, and the as-of row keeps its raw values', () => {
    fc.assert(fc.property(seriesArb, ({ series }) => {
      const n = series.close.length;
      const num = (v: number) => (v === v ? v : null);
      const rows: PriceRow[] = Array.from({ length: n }, (_, t) => ({
        ticker: '7203', date: new Date(Date.UTC(2023, 0, 1 + t)).toISOString().slice(0, 10),
        open: num(series.open[t]), high: num(series.high[t]), low: num(series.low[t]), close: num(series.close[t]),
        volume: num(series.volume[t]), adjustment_factor: num(series.factor[t]),
      }));
      const out = adjustRows(rows, { dividends: [] });
      const last = out[n - 1];
      return out.every((r, t) => (r.adj_close === null) === (rows[t].close === null) && (r.adj_volume === null) === (rows[t].volume === null)
        && (r.tr_close === null) === (rows[t].close === null))
        && last.adj_close === rows[n - 1].close && last.adj_volume === rows[n - 1].volume;
    }));
  });
});

describe('total return properties', () => {
  it('total-return daily returns are as-of invariant and never below the price returns', () => {
    fc.assert(fc.property(withAsOfs, ({ series, dividend, a, b }) => {
      const cum = cumulativeFactors(series.factor);
      const g = totalReturnFactors({ close: series.close, cumFactor: cum }, dividend);
      const x = totalReturnSeries(backAdjust(series, a).close, g, a).close;
      const yAdj = backAdjust(series, b).close;
      const y = totalReturnSeries(yAdj, g, b).close;
      for (let t = 1; t < x.length; t++) {
        const r = x[t] / x[t - 1];
        if (!close(r, y[t] / y[t - 1])) return false;
        if (r === r && r < (yAdj[t] / yAdj[t - 1]) * (1 - 1e-12)) return false;
      }
      return true;
    }));
  });

  it('without dividends tr_close is the adjusted close', () => {
    fc.assert(fc.property(seriesArb, ({ series }) => {
      const adj = backAdjust(series);
      const g = totalReturnFactors({ close: series.close, cumFactor: adj.cumFactor }, new Float64Array(series.close.length));
      const tr = totalReturnSeries(adj.close, g);
      return Array.from(tr.close).every((v, t) => Object.is(v, adj.close[t]));
    }));
  });
});
