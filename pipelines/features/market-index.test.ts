import fc from 'fast-check';
import { dateIndexOf } from './cross-section';
import { frameFromRows, type PriceRow } from './frame';
import { marketReturns, perRow } from './market-index';

const bar = (ticker: string, date: string, close: number | null): PriceRow =>
  ({ ticker, date, open: close, high: close, low: close, close, volume: 1000 });
const D = ['2024-01-04', '2024-01-05', '2024-01-09', '2024-01-10', '2024-01-11'];

/**
 * A: every date.            100, 110,  99,  99, 108.9 → +10 %, −10 %, 0 %, +10 %
 * B: misses D2 (suspended).  50,  55,   –,  66,  66   → +10 % on D1; D3 is a two-session move, left out; 0 % on D4
 * C: lists on D2.             –,   –,  20,  21,  18.9 → first row has no return; +5 % on D3, −10 % on D4
 */
const frame = frameFromRows([
  ...[100, 110, 99, 99, 108.9].map((c, i) => bar('A', D[i], c)),
  bar('B', D[0], 50), bar('B', D[1], 55), bar('B', D[3], 66), bar('B', D[4], 66),
  bar('C', D[2], 20), bar('C', D[3], 21), bar('C', D[4], 18.9),
]);
const { index, dates } = dateIndexOf(frame.date);

function expectClose(actual: Float64Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Number.isNaN(expected[i])) expect(a).toBeNaN();
    else expect(a).toBeCloseTo(expected[i], 12);
  });
}

describe('marketReturns', () => {
  it('equal-weighted mean of one-session returns: gap and new listing on a hand-built frame', () => {
    expect(dates).toEqual(D);
    const { perDate, constituents } = marketReturns(frame.close, frame.tickerStart, index, dates.length);
    expect(Array.from(constituents)).toEqual([0, 2, 1, 2, 3]);
    expectClose(perDate, [NaN, 0.1, -0.1, (0 + 0.05) / 2, (0.1 + 0 - 0.1) / 3]);
  });

  it('minConstituents turns thin dates into NaN', () => {
    const { perDate } = marketReturns(frame.close, frame.tickerStart, index, dates.length, { minConstituents: 2 });
    expectClose(perDate, [NaN, 0.1, NaN, 0.025, 0]);
    expect(() => marketReturns(frame.close, frame.tickerStart, index, dates.length, { minConstituents: 0 })).toThrow(RangeError);
  });

  it('a missing or non-positive close removes that day and the next day for its ticker', () => {
    const f = frameFromRows([
      bar('A', D[0], 10), bar('A', D[1], null), bar('A', D[2], 12), bar('A', D[3], 0), bar('A', D[4], 13),
      ...[20, 22, 22, 11, 11].map((c, i) => bar('B', D[i], c)),
    ]);
    const di = dateIndexOf(f.date);
    const { perDate, constituents } = marketReturns(f.close, f.tickerStart, di.index, di.dates.length);
    expect(Array.from(constituents)).toEqual([0, 1, 1, 1, 1]);
    expectClose(perDate, [NaN, 0.1, 0, -0.5, 0]);
  });

  it('perRow broadcasts to rows, NaN for date −1', () => {
    const { perDate } = marketReturns(frame.close, frame.tickerStart, index, dates.length);
    const rows = perRow(perDate, index);
    expect(rows.length).toBe(frame.date.length);
    frame.date.forEach((d, i) => {
      const expected = perDate[D.indexOf(d)];
      if (Number.isNaN(expected)) expect(rows[i]).toBeNaN();
      else expect(rows[i]).toBe(expected);
    });
    expect(Array.from(perRow(Float64Array.from([1, 2]), Int32Array.from([1, -1, 0])))).toEqual([2, NaN, 1]);
  });

  it('an empty frame and bad shapes', () => {
    const empty = frameFromRows([]);
    const r = marketReturns(empty.close, empty.tickerStart, new Int32Array(0), 0);
    expect(r.perDate.length).toBe(0);
    expect(() => marketReturns(frame.close, frame.tickerStart, index.subarray(1), dates.length)).toThrow(RangeError);
    expect(() => marketReturns(frame.close, Int32Array.from([0, 3]), index, dates.length)).toThrow(RangeError);
  });

  it('matches a naive per-date computation on random frames', () => {
    const price = fc.option(fc.double({ min: 1, max: 1000, noNaN: true }), { nil: null, freq: 6 });
    const tickerArb = fc.array(fc.tuple(fc.boolean(), price), { minLength: 8, maxLength: 8 });
    fc.assert(fc.property(fc.array(tickerArb, { maxLength: 5 }), (tickers) => {
      const days = Array.from({ length: 8 }, (_, i) => `2024-02-${String(10 + i)}`);
      const rows = tickers.flatMap((t, k) => t.flatMap(([present, c], i) => (present ? [bar(`T${k}`, days[i], c)] : [])));
      const f = frameFromRows(rows);
      const di = dateIndexOf(f.date);
      const { perDate, constituents } = marketReturns(f.close, f.tickerStart, di.index, di.dates.length);
      di.dates.forEach((d, j) => {
        const returns: number[] = [];
        if (j > 0) {
          for (const t of tickers) {
            const today = t[days.indexOf(d)];
            const before = t[days.indexOf(di.dates[j - 1])];
            if (today[0] && before[0] && today[1] !== null && before[1] !== null) returns.push(today[1] / before[1] - 1);
          }
        }
        expect(constituents[j]).toBe(returns.length);
        if (returns.length === 0) expect(perDate[j]).toBeNaN();
        else expect(perDate[j]).toBeCloseTo(returns.reduce((a, b) => a + b, 0) / returns.length, 12);
      });
    }));
  });
});
