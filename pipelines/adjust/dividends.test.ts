import { dividendsPerRow, tickerOfCode, totalReturnFactors, totalReturnSeries, type DividendRow } from './dividends';
import { backAdjust } from './splits';

const f64 = (xs: number[]) => Float64Array.from(xs);
const arr = (xs: Float64Array) => Array.from(xs);
const N = NaN;

describe('totalReturnFactors: hand-computed cases', () => {
  it.each([
    {
      name: 'a 2 yen dividend on a 100 yen stock multiplies by 1.02 from its ex-date',
      close: [100, 100, 98, 99], factor: [1, 1, 1, 1], dividend: [0, 0, 2, 0], expected: [1, 1, 1.02, 1.02],
    },
    {
      // Record-date shares are pre-split: 20 yen per old share against the old share's 1,000 yen close.
      name: 'a dividend on a 1:2 split ex-date is per pre-split share, priced at the pre-split close',
      close: [1000, 1000, 490, 495], factor: [1, 1, 0.5, 1], dividend: [0, 0, 20, 0], expected: [1, 1, 1.02, 1.02],
    },
    {
      name: 'no trade the session before: the last close is rescaled to that session\'s shares (split in between)',
      close: [1000, N, 490], factor: [1, 0.5, 1], dividend: [0, 0, 10], expected: [1, 1, 1 + 10 / 500],
    },
    {
      name: 'two dividends compound',
      close: [100, 100, 200, 200], factor: [1, 1, 1, 1], dividend: [0, 5, 0, 4], expected: [1, 1.05, 1.05, 1.05 * 1.02],
    },
    {
      name: 'a dividend on the first row, or before any trade, cannot be priced',
      close: [N, 100, 100], factor: [1, 1, 1], dividend: [3, 3, 0], expected: [1, 1, 1],
    },
    {
      name: 'a dividend on a no-trade ex-date still counts (priced at the previous close)',
      close: [100, N, 97], factor: [1, 1, 1], dividend: [0, 3, 0], expected: [1, 1.03, 1.03],
    },
  ])('$name', ({ close, factor, dividend, expected }) => {
    const g = totalReturnFactors({ close: f64(close), factor: f64(factor) }, f64(dividend));
    arr(g).forEach((x, t) => expect(x).toBeCloseTo(expected[t], 12));
  });

  it('accepts stored cumulative factors instead of raw ones', () => {
    const g = totalReturnFactors({ close: f64([1000, 490]), cumFactor: f64([1, 0.5]) }, f64([0, 20]));
    expect(arr(g)).toEqual([1, 1.02]);
  });

  it('rejects a dividend column of another length', () => {
    expect(() => totalReturnFactors({ close: f64([1, 2]), factor: f64([1, 1]) }, f64([0]))).toThrow(RangeError);
  });
});

describe('totalReturnSeries', () => {
  it('normalises to 1 on the as-of row and includes the dividend in the ex-date return', () => {
    const close = f64([1000, 1000, 490, 495]);
    const factor = f64([1, 1, 0.5, 1]);
    const adj = backAdjust({ open: close, high: close, low: close, close, volume: close, factor });
    expect(arr(adj.close)).toEqual([500, 500, 490, 495]);
    const g = totalReturnFactors({ close, cumFactor: adj.cumFactor }, f64([0, 0, 20, 0]));
    const tr = totalReturnSeries(adj.close, g);
    expect(arr(tr.factor)).toEqual([1 / 1.02, 1 / 1.02, 1, 1]);
    expect(tr.close[2]).toBe(490);
    expect(tr.close[0]).toBeCloseTo(500 / 1.02, 10);
    // The convention's ex-date return: (P_t / P_prev) × (1 + D / P_prev) in consistent units = 0.98 × 1.02.
    expect(tr.close[2] / tr.close[1]).toBeCloseTo(0.98 * 1.02, 12);
    const mid = totalReturnSeries(adj.close, g, 1);
    expect(arr(mid.factor)).toEqual([1, 1, 1.02, 1.02]);
  });

  it('keeps a missing close missing', () => {
    const tr = totalReturnSeries(f64([100, N]), f64([1, 1.1]));
    expect(arr(tr.close)).toEqual([100 / 1.1, N]);
  });
});

describe('dividendsPerRow: which announcement, which row', () => {
  const dates = ['2023-03-28', '2023-03-29', '2023-03-31', '2023-04-03'];
  const forecast: DividendRow = {
    code: '86970', ex_date: '2023-03-29', gross_dividend_rate: 20, announcement_date: '2023-01-10',
    reference_number: '1', status_code: '1', interim_final_code: '2',
  };
  const decided: DividendRow = { ...forecast, gross_dividend_rate: 25, announcement_date: '2023-04-03', reference_number: '2', status_code: '2' };

  it.each([
    { name: 'the forecast, while the decision is not yet announced', rows: [forecast, decided], knownBy: '2023-03-31', expected: [0, 20, 0, 0] },
    { name: 'the decision once announced (any input order)', rows: [decided, forecast], knownBy: undefined, expected: [0, 25, 0, 0] },
    { name: 'a deletion removes the payment', rows: [forecast, { ...decided, status_code: '3' }], knownBy: undefined, expected: [0, 0, 0, 0] },
    { name: 'an undetermined amount ("-" read as null) is no payment', rows: [{ ...forecast, gross_dividend_rate: null }], knownBy: undefined, expected: [0, 0, 0, 0] },
    { name: 'an ex-date without a row lands on the next row', rows: [{ ...forecast, ex_date: '2023-03-30' }], knownBy: undefined, expected: [0, 0, 20, 0] },
    {
      name: 'ex-dates outside the series are dropped',
      rows: [{ ...forecast, ex_date: '2023-03-27' }, { ...forecast, ex_date: '2023-04-04', interim_final_code: '1' }],
      knownBy: undefined, expected: [0, 0, 0, 0],
    },
    {
      name: 'interim and final on the same ex-date add up',
      rows: [forecast, { ...forecast, interim_final_code: '1', gross_dividend_rate: 5 }], knownBy: undefined, expected: [0, 25, 0, 0],
    },
    {
      name: 'a later reference number wins on the same announcement day (10 after 9, as numbers)',
      rows: [{ ...forecast, reference_number: '10', gross_dividend_rate: 30 }, { ...forecast, reference_number: '9' }],
      knownBy: undefined, expected: [0, 30, 0, 0],
    },
  ])('$name', ({ rows, knownBy, expected }) => {
    expect(arr(dividendsPerRow(dates, rows, knownBy))).toEqual(expected);
  });

  it('rejects a negative amount', () => {
    expect(() => dividendsPerRow(dates, [{ ...forecast, gross_dividend_rate: -1 }])).toThrow(RangeError);
  });
});

it.each([
  ['86970', '8697'], ['130A0', '130A'], ['7203', '7203'], ['13010 ', '1301'], ['86971', '86971'],
])('tickerOfCode(%p) = %p', (code, ticker) => {
  expect(tickerOfCode(code)).toBe(ticker);
});
