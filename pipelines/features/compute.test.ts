import fc from 'fast-check';
import { computeFeatures, FeatureError, type FlowAccessor } from './compute';
import { frameFromColumns, frameFromRows, FrameError, rowsFromFrame, tickerIndexOfRows, type PriceRow } from './frame';
import { pctChange } from './kernels/returns';
import { rsi } from './kernels/rsi';
import { volumeRatio } from './kernels/sma';

const bar = (ticker: string, date: string, close: number | null, volume: number | null = 1000): PriceRow =>
  ({ ticker, date, open: close, high: close, low: close, close, volume });
const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);

describe('frameFromRows / rowsFromFrame', () => {
  it('sorts by ticker (code-unit order) then date, with CSR offsets', () => {
    const frame = frameFromRows([
      bar('7203', '2024-01-05', 3), bar('130A', '2024-01-04', 9), bar('1301', '2024-01-05', 2), bar('1301', '2024-01-04', 1),
    ]);
    expect(frame.tickers).toEqual(['1301', '130A', '7203']);
    expect(Array.from(frame.tickerStart)).toEqual([0, 2, 3, 4]);
    expect(frame.date).toEqual(['2024-01-04', '2024-01-05', '2024-01-04', '2024-01-05']);
    expect(Array.from(frame.close)).toEqual([1, 2, 9, 3]);
    expect(Array.from(tickerIndexOfRows(frame))).toEqual([0, 0, 1, 2]);
  });

  it('null is NaN in the frame and null again in rows; sorted rows round-trip', () => {
    const rows = [bar('1301', '2024-01-04', 1), bar('1301', '2024-01-05', null, null), bar('7203', '2024-01-04', 5)];
    const frame = frameFromRows(rows);
    expect(frame.close[1]).toBeNaN();
    expect(rowsFromFrame(frame)).toEqual(rows);
  });

  it('an empty frame', () => {
    const frame = frameFromRows([]);
    expect(frame.tickers).toEqual([]);
    expect(Array.from(frame.tickerStart)).toEqual([0]);
    expect(computeFeatures(frame, ['rsi_14']).columns.rsi_14.length).toBe(0);
  });

  it('a repeated (ticker, date) is an error naming both', () => {
    expect(() => frameFromRows([bar('1301', '2024-01-04', 1), bar('1301', '2024-01-04', 2)]))
      .toThrow(new FrameError('ticker 1301 has two rows for 2024-01-04'));
  });

  it('frameFromColumns reports where each row came from', () => {
    const f64 = (xs: number[]) => Float64Array.from(xs);
    const { frame, order } = frameFromColumns({
      ticker: ['B', 'A', 'A'], date: ['2024-01-04', '2024-01-05', '2024-01-04'],
      open: f64([1, 2, 3]), high: f64([1, 2, 3]), low: f64([1, 2, 3]), close: f64([1, 2, 3]), volume: f64([1, 2, 3]),
    });
    expect(Array.from(order)).toEqual([2, 1, 0]);
    expect(Array.from(frame.close)).toEqual([3, 2, 1]);
  });

  it('property: any row order gives the same frame', () => {
    const rows = Array.from({ length: 12 }, (_, i) => bar(['1301', '7203', '130A'][i % 3], day(i >> 1), i));
    const reference = frameFromRows(rows);
    fc.assert(fc.property(fc.shuffledSubarray(rows, { minLength: rows.length }), (shuffled) => {
      expect(frameFromRows(shuffled)).toEqual(reference);
    }));
  });
});

describe('computeFeatures', () => {
  const closesA = Array.from({ length: 30 }, (_, i) => 100 + ((i * 7) % 11) - i / 3);
  const closesB = Array.from({ length: 25 }, (_, i) => 50 + ((i * 5) % 7));
  const rows = [
    ...closesA.map((c, i) => bar('1301', day(i), c, 1000 + i * 10)),
    ...closesB.map((c, i) => bar('7203', day(i), c, i % 4 === 0 ? 0 : 500)),
  ];
  const frame = frameFromRows(rows);

  it('each ticker is computed on its own slice: no value leaks across the boundary', () => {
    const { columns } = computeFeatures(frame, ['returns_1d', 'rsi_14', 'vol_ratio_20']);
    const a = Float64Array.from(closesA);
    const b = Float64Array.from(closesB);
    expect(Array.from(columns.returns_1d)).toEqual([...pctChange(a, 1), ...pctChange(b, 1)]);
    expect(Array.from(columns.rsi_14)).toEqual([...rsi(a, 14), ...rsi(b, 14)]);
    expect(Array.from(columns.vol_ratio_20)).toEqual([...volumeRatio(frame.volume.subarray(0, 30), 20), ...volumeRatio(frame.volume.subarray(30), 20)]);
    expect(columns.returns_1d[30]).toBeNaN();
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown name suggests the nearest', ['rsi_14', 'rsi_99'], /^unknown feature rsi_99 \(did you mean rsi_14, rsi_24, rsi_6\?\); \d+ are registered \(gogooku3 features list\)$/],
    ['a repeated name', ['rsi_14', 'rsi_14'], /rsi_14 is requested twice/],
    ['flow features need the accessor', ['returns_1d', 'foreign_z_5', 'flow_persist_10'], /^foreign_z_5, flow_persist_10 need weekly investor-type data/],
  ])('%s', (_name, names, message) => {
    expect(() => computeFeatures(frame, names)).toThrow(FeatureError);
    expect(() => computeFeatures(frame, names)).toThrow(message);
  });

  describe('flow features', () => {
    // Ticker 1301's section publishes a new week on its rows 3 and 6; 7203's section is unknown.
    const weeks = [Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2, 3, 4, 5), Float64Array.of(-1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)];
    const calls: Array<[string, number, number]> = [];
    const accessor: FlowAccessor = (series, k, i) => {
      calls.push([series, k, i]);
      if (k === 1) return null;
      return weeks[i < 3 ? 0 : i < 6 ? 1 : 2];
    };

    it('each row gets the value of the weeks visible on it; unknown sections are NaN', () => {
      calls.length = 0;
      const { columns } = computeFeatures(frame, ['foreign_z_5', 'flow_persist_10'], { investorFlows: accessor });
      const z = Array.from(columns.foreign_z_5);
      expect(z.slice(0, 3)).toEqual([NaN, NaN, NaN]);
      expect(z[3]).toBeCloseTo(2 / Math.SQRT2, 12);
      // 11 weeks visible: only the last 5 (6…10) count.
      expect(z[6]).toBeCloseTo((10 - 8) / Math.SQRT2, 12);
      expect(z.slice(30).every(Number.isNaN)).toBe(true);
      const persist = Array.from(columns.flow_persist_10);
      expect(persist.slice(0, 6).every(Number.isNaN)).toBe(true);
      expect(persist.slice(6, 30)).toEqual(Array(24).fill(10));
      // Called once per row and feature, with the series, the ticker index and the absolute row index.
      expect(calls).toHaveLength(2 * rows.length);
      expect(calls.filter((c) => c[0] === 'foreigners_balance')).toHaveLength(2 * rows.length);
      expect(calls).toContainEqual(['foreigners_balance', 0, 0]);
      expect(calls).toContainEqual(['foreigners_balance', 1, 30]);
    });
  });
});
