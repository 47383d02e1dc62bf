import { backAdjust, cumulativeFactors } from './splits';

const f64 = (xs: number[]) => Float64Array.from(xs);
const arr = (xs: Float64Array) => Array.from(xs);
const N = NaN;

/** A series whose open/high/low are the close shifted by fixed offsets, so one expectation covers all four. */
function series(close: number[], volume: number[], factor: number[]) {
  return {
    open: f64(close.map((c) => c - 1)), high: f64(close.map((c) => c + 2)), low: f64(close.map((c) => c - 2)),
    close: f64(close), volume: f64(volume), factor: f64(factor),
  };
}

describe('cumulativeFactors', () => {
  it.each([
    ['no actions', [1, 1, 1], [1, 1, 1]],
    ['1:2 split on the third row', [1, 1, 0.5, 1], [1, 1, 0.5, 0.5]],
    ['5:1 reverse split', [1, 5, 1], [1, 5, 5]],
    ['two splits', [1, 0.5, 1, 0.25], [1, 0.5, 0.5, 0.125]],
    ['starts at the first factor', [0.5, 1], [0.5, 0.5]],
    ['a missing factor counts as 1', [1, N, 0.5], [1, 1, 0.5]],
    ['empty', [], []],
  ])('%s', (_name, factors, expected) => {
    expect(arr(cumulativeFactors(f64(factors)))).toEqual(expected);
  });

  it('continues a stored partition from its carried value', () => {
    const whole = cumulativeFactors(f64([1, 0.5, 1, 5, 0.2, 1]));
    const first = cumulativeFactors(f64([1, 0.5, 1]));
    const second = cumulativeFactors(f64([5, 0.2, 1]), first[2]);
    expect([...arr(first), ...arr(second)]).toEqual(arr(whole));
  });

  it.each([[0], [-0.5], [Infinity]])('rejects a corrupt factor %p', (bad) => {
    expect(() => cumulativeFactors(f64([1, bad]))).toThrow(/row 1/);
  });
});

describe('backAdjust golden cases', () => {
  it.each([
    {
      name: '1:2 split: earlier prices halve, earlier volumes double, the ex-date row is already in new shares',
      close: [100, 102, 51, 52], volume: [1000, 1200, 2600, 2000], factor: [1, 1, 0.5, 1], asOf: undefined,
      adjClose: [50, 51, 51, 52], adjVolume: [2000, 2400, 2600, 2000],
    },
    {
      name: '5:1 reverse split',
      close: [20, 21, 105, 106], volume: [5000, 6000, 1100, 1000], factor: [1, 1, 5, 1], asOf: undefined,
      adjClose: [100, 105, 105, 106], adjVolume: [1000, 1200, 1100, 1000],
    },
    {
      name: 'two splits compound',
      close: [400, 200, 100, 101], volume: [100, 200, 400, 400], factor: [1, 0.5, 0.5, 1], asOf: undefined,
      adjClose: [100, 100, 100, 101], adjVolume: [400, 400, 400, 400],
    },
    {
      name: 'as of a row between two splits: later rows come out in that row\'s share units',
      close: [400, 200, 100], volume: [100, 200, 400], factor: [1, 0.5, 0.5], asOf: 1,
      adjClose: [200, 200, 200], adjVolume: [200, 200, 200],
    },
    {
      name: 'split on a no-trade day: the factor still applies, the row stays missing',
      close: [100, N, 50, 51], volume: [1000, N, 2000, 1800], factor: [1, 0.5, 1, 1], asOf: undefined,
      adjClose: [50, N, 50, 51], adjVolume: [2000, N, 2000, 1800],
    },
    {
      name: 'as of the first row: nothing after it changes earlier rows',
      close: [100, 51], volume: [10, 20], factor: [1, 0.5], asOf: 0,
      adjClose: [100, 102], adjVolume: [10, 10],
    },
  ])('$name', ({ close, volume, factor, asOf, adjClose, adjVolume }) => {
    const out = backAdjust(series(close, volume, factor), asOf);
    expect(arr(out.close)).toEqual(adjClose);
    expect(arr(out.volume)).toEqual(adjVolume);
    const ratio = adjClose.map((a, t) => a / close[t]);
    expect(arr(out.open)).toEqual(close.map((c, t) => (c - 1) * ratio[t]));
    expect(arr(out.high)).toEqual(close.map((c, t) => (c + 2) * ratio[t]));
    expect(arr(out.low)).toEqual(close.map((c, t) => (c - 2) * ratio[t]));
  });

  it('uses a stored cumulative factor column when given', () => {
    const s = series([400, 200, 100], [1, 1, 1], [1, 1, 1]);
    const out = backAdjust({ ...s, cumFactor: f64([1, 0.5, 0.25]) });
    expect(arr(out.close)).toEqual([100, 100, 100]);
  });

  it('returns empty columns for an empty series', () => {
    const out = backAdjust(series([], [], []));
    expect(out.close.length).toBe(0);
  });

  it.each([[-1], [4], [1.5]])('rejects asOfIndex %p', (asOf) => {
    expect(() => backAdjust(series([1, 2, 3, 4], [1, 1, 1, 1], [1, 1, 1, 1]), asOf)).toThrow(RangeError);
  });

  it('rejects columns of different lengths', () => {
    const s = series([1, 2], [1, 1], [1, 1]);
    expect(() => backAdjust({ ...s, volume: f64([1]) })).toThrow(/volume/);
  });
});
