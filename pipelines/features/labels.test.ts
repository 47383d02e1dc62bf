import fc from 'fast-check';
import { frameFromRows, type PriceRow } from './frame';
import { computeLabels, labelAvailableDate, type LabelHorizon } from './labels';

const bar = (ticker: string, date: string, close: number | null): PriceRow =>
  ({ ticker, date, open: close, high: close, low: close, close, volume: 1 });
const N = NaN;
const SESSIONS = ['2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10'];

describe('computeLabels', () => {
  const frame = frameFromRows([
    ...[100, 110, 121, 133.1, 146.41].map((c, i) => bar('1301', SESSIONS[i], c)),
    // 7203 has no row on 2024-01-08 (halted) and a missing close on 2024-01-10.
    bar('7203', '2024-01-04', 10), bar('7203', '2024-01-05', 20), bar('7203', '2024-01-09', 40), bar('7203', '2024-01-10', null),
  ]);

  it('defaults: target_1_2 = close[t+2]/close[t+1] − 1 and fwd_return_1 = close[t+1]/close[t] − 1', () => {
    const { columns, availableDate } = computeLabels(frame);
    expect(Object.keys(columns)).toEqual(['target_1_2', 'fwd_return_1']);
    const t12 = Array.from(columns.target_1_2.subarray(0, 5));
    expect(t12.slice(0, 3).map((v) => Number(v.toFixed(12)))).toEqual([0.1, 0.1, 0.1]);
    expect(t12.slice(3)).toEqual([N, N]);
    expect(Array.from(columns.fwd_return_1.subarray(0, 5)).map((v) => (Number.isNaN(v) ? v : Number(v.toFixed(12))))).toEqual([0.1, 0.1, 0.1, 0.1, N]);
    // Known only after the close of session t+to.
    expect(availableDate.target_1_2.slice(0, 5)).toEqual(['2024-01-08', '2024-01-09', '2024-01-10', null, null]);
    expect(availableDate.fwd_return_1.slice(0, 5)).toEqual(['2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10', null]);
  });

  it('a missing session or close makes the label missing, never stretched or 0', () => {
    const { columns, availableDate } = computeLabels(frame);
    // 7203 rows: 01-04, 01-05, 01-09, 01-10(null). 01-05 → 01-09 spans two sessions, not one.
    expect(Array.from(columns.fwd_return_1.subarray(5))).toEqual([1, N, N, N]);
    expect(Array.from(columns.target_1_2.subarray(5))).toEqual([N, N, N, N]);
    expect(availableDate.fwd_return_1.slice(5)).toEqual(['2024-01-05', null, null, null]);
  });

  it('an explicit session list (the TSE calendar) catches gaps the frame cannot see', () => {
    const lone = frameFromRows([bar('1301', '2024-01-04', 1), bar('1301', '2024-01-08', 2)]);
    expect(computeLabels(lone, { horizons: [{ name: 'r', from: 0, to: 1 }] }).columns.r[0]).toBe(1);
    expect(computeLabels(lone, { horizons: [{ name: 'r', from: 0, to: 1 }], sessions: SESSIONS }).columns.r[0]).toBeNaN();
    expect(() => computeLabels(lone, { sessions: ['2024-01-04'] })).toThrow(/row 1 \(2024-01-08\) is not in the session list/);
  });

  it.each<[string, LabelHorizon[], RegExp]>([
    ['to must exceed from', [{ name: 'x', from: 2, to: 2 }], /need integers 0 <= from < to/],
    ['from must not be negative (a label never looks back)', [{ name: 'x', from: -1, to: 1 }], /need integers 0 <= from < to/],
    ['names are snake_case', [{ name: 'Target', from: 0, to: 1 }], /snake_case/],
    ['names are unique', [{ name: 'x', from: 0, to: 1 }, { name: 'x', from: 1, to: 2 }], /defined twice/],
  ])('horizon check: %s', (_name, horizons, message) => {
    expect(() => computeLabels(frame, { horizons })).toThrow(message);
  });

  it('property: a label at t reads closes t+from … t+to only, never an earlier or later one', () => {
    const series = fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 3, maxLength: 20 });
    const horizon = fc.record({ from: fc.integer({ min: 0, max: 3 }), span: fc.integer({ min: 1, max: 3 }) })
      .map(({ from, span }): LabelHorizon => ({ name: 'h', from, to: from + span }));
    fc.assert(fc.property(series, horizon, fc.nat(), fc.integer({ min: 1, max: 10_000 }), (closes, h, pick, newValue) => {
      const make = (cs: number[]) => frameFromRows(cs.map((c, i) => bar('1301', SESSIONS[0].slice(0, 8) + String(10 + i), c)));
      const before = computeLabels(make(closes), { horizons: [h] }).columns.h;
      const j = pick % closes.length;
      const changed = closes.slice();
      changed[j] = newValue;
      const after = computeLabels(make(changed), { horizons: [h] }).columns.h;
      for (let t = 0; t < closes.length; t++) {
        const reads = j === t + h.from || j === t + h.to;
        if (!reads) expect(Object.is(after[t], before[t])).toBe(true);
        if (t + h.to >= closes.length) expect(after[t]).toBeNaN();
      }
    }));
  });
});

describe('labelAvailableDate', () => {
  it.each<[string, LabelHorizon, string | null]>([
    ['2024-01-04', { name: 'target_1_2', from: 1, to: 2 }, '2024-01-08'],
    ['2024-01-05', { name: 'fwd_return_1', from: 0, to: 1 }, '2024-01-08'],
    ['2024-01-09', { name: 'target_1_2', from: 1, to: 2 }, null],
  ])('%s + %o → %s', (date, horizon, expected) => {
    expect(labelAvailableDate(date, horizon, SESSIONS)).toBe(expected);
  });

  it('a date outside the session list is an error', () => {
    expect(() => labelAvailableDate('2024-01-06', { name: 'x', from: 0, to: 1 }, SESSIONS)).toThrow(/not in the session list/);
  });
});
