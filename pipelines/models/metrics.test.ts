import fc from 'fast-check';
import { averageRanks, evaluate, EvalInputError, linspace, pearson, PredictionsCsvError, readPredictionsCsv } from './metrics';
import type { EvalMetrics } from './types';

interface Row { date: string; p: number; t: number }

const KEYS = ['ic', 'rank_ic', 'icir', 'rmse', 'sharpe', 'jpx_sharpe'] as const;

function evalRows(rows: readonly Row[]): EvalMetrics {
  return evaluate(rows.map((r) => r.date), rows.map((r) => r.p), rows.map((r) => r.t));
}

// ------------------------------------------------------------------ naive reference, written independently

const sum = (x: number[]) => x.reduce((s, v) => s + v, 0);

function naivePearson(x: number[], y: number[]): number | null {
  if (x.length < 2 || x.every((v) => v === x[0]) || y.every((v) => v === y[0])) return null;
  // cov / (sd · sd), centred (the one-pass n·Σxy − ΣxΣy form cancels catastrophically on close targets)
  const mx = sum(x) / x.length;
  const my = sum(y) / y.length;
  const cov = sum(x.map((v, i) => (v - mx) * (y[i] - my))) / (x.length - 1);
  const sd = (z: number[], m: number) => Math.sqrt(sum(z.map((v) => (v - m) ** 2)) / (z.length - 1));
  return cov / (sd(x, mx) * sd(y, my));
}

/** Rank by counting: (# smaller) + (# equal + 1) / 2. */
const naiveRanks = (x: number[]) => x.map((v) => x.filter((u) => u < v).length + (x.filter((u) => u === v).length + 1) / 2);

function naiveRatio(x: number[]): number | null {
  if (x.length < 2) return null;
  const m = sum(x) / x.length;
  const sd = Math.sqrt(sum(x.map((v) => (v - m) ** 2)) / (x.length - 1));
  // rounding-noise dispersion (e.g. every daily IC is 1 up to the last bit) has no meaningful ratio
  return sd <= 1e-12 * Math.max(...x.map(Math.abs)) || sd === 0 ? null : m / sd;
}

/** The competition's per-day code: rows in rank order (best first); buy the first k, sell the last k (worst first). */
function pandasSpread(ranked: Row[], k: number, weights: number[]): number {
  const meanW = sum(weights) / weights.length;
  const purchase = sum(ranked.slice(0, k).map((r, i) => r.t * weights[i])) / meanW;
  const short = sum([...ranked].reverse().slice(0, k).map((r, i) => r.t * weights[i])) / meanW;
  return purchase - short;
}

function* permutations<T>(items: T[]): Generator<T[]> {
  if (items.length <= 1) { yield items; return; }
  for (let i = 0; i < items.length; i++) {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [items[i], ...rest];
  }
}

/** A day's spread: unique predictions have one rank order; with ties, the mean over every order of the rows (small days only). */
function naiveDaySpread(day: Row[], k: number, weights: number[]): number {
  const byPrediction = (rows: Row[]) => [...rows].sort((a, b) => b.p - a.p); // stable: ties keep the permutation's order
  if (new Set(day.map((r) => r.p)).size === day.length) return pandasSpread(byPrediction(day), k, weights);
  if (day.length > 7) throw new Error('naive tie handling enumerates orders: keep tied days small');
  const spreads = [...permutations(day)].map((order) => pandasSpread(byPrediction(order), k, weights));
  return sum(spreads) / spreads.length;
}

function naiveEvaluate(rows: readonly Row[]): EvalMetrics {
  const ok = rows.filter((r) => Number.isFinite(r.p) && Number.isFinite(r.t));
  const days = [...new Set(ok.map((r) => r.date))].map((d) => ok.filter((r) => r.date === d));
  const ics: number[] = [];
  const rankIcs: number[] = [];
  const quintile: number[] = [];
  const jpx: number[] = [];
  for (const day of days) {
    const p = day.map((r) => r.p);
    const t = day.map((r) => r.t);
    const ic = naivePearson(p, t);
    if (ic !== null) { ics.push(ic); rankIcs.push(naivePearson(naiveRanks(p), naiveRanks(t))!); }
    const q = Math.floor(day.length / 5);
    if (q > 0) quintile.push(naiveDaySpread(day, q, Array(q).fill(1)) / q);
    const k = Math.min(200, Math.floor(day.length / 2));
    if (k > 0) jpx.push(naiveDaySpread(day, k, Array.from({ length: k }, (_, i) => (k === 1 ? 2 : 2 - i / (k - 1)))));
  }
  const mean = (x: number[]) => (x.length === 0 ? null : sum(x) / x.length);
  const sharpe = naiveRatio(quintile);
  return {
    ic: mean(ics),
    rank_ic: mean(rankIcs),
    icir: naiveRatio(ics),
    rmse: ok.length === 0 ? null : Math.sqrt(sum(ok.map((r) => (r.p - r.t) ** 2)) / ok.length),
    sharpe: sharpe === null ? null : sharpe * Math.sqrt(245),
    jpx_sharpe: naiveRatio(jpx),
  };
}

function expectClose(actual: EvalMetrics, expected: EvalMetrics, tolerance = 1e-9): void {
  for (const key of KEYS) {
    const a = actual[key];
    const e = expected[key];
    if (e === null || a === null) expect([key, a]).toEqual([key, e]);
    else expect([key, Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e))]).toEqual([key, true]);
  }
}

// ------------------------------------------------------------------ hand-computed cases

describe('evaluate: hand-computed', () => {
  /*
   * A  p = 1, 2, 3   t = 1, 10, 2
   *    Pearson: p − 2 = (−1, 0, 1); t − 13/3 = (−10/3, 17/3, −7/3); Σxy = 10/3 − 7/3 = 1; Σxx = 2; Σyy = 438/9
   *             IC_A = 1 / sqrt(2 · 438/9) ≈ 0.10136
   *    Spearman: rank(t) = 1, 3, 2 → centred (−1, 1, 0); Σxy = 1, Σxx = Σyy = 2 → 0.5
   *    JPX: n = 3 → 1 per leg, weights [2] (mean 2): long t(p=3) = 2, short t(p=1) = 1 → spread 1
   * B  p = 1, 2, 3   t = 0, 0, 3   (plus a row with prediction NaN, dropped)
   *    Pearson: t − 1 = (−1, −1, 2); Σxy = 1 + 2 = 3; Σyy = 6 → 3 / sqrt(12) = √3/2
   *    Spearman: rank(t) = 1.5, 1.5, 3 → centred (−.5, −.5, 1); Σxy = 1.5, Σyy = 1.5 → 1.5 / sqrt(3) = √3/2
   *    JPX: long 3, short 0 → spread 3
   * C  p = 5, 5      t = 1, 2  — constant prediction: no IC, no rank IC.
   *    JPX: 1 per leg, but both rows tie, so each carries (2 − 2)/2 = 0 net weight → spread 0
   * ic = (IC_A + √3/2)/2; rank_ic = (0.5 + √3/2)/2; icir = mean / (|IC_B − IC_A| / √2)
   * rmse: squared errors 0, 64, 1 | 1, 4, 0 | 16, 9 → sqrt(95 / 8)
   * jpx_sharpe: spreads 1, 3, 0 → mean 4/3, var ((1/3)² + (5/3)² + (4/3)²)/2 = 7/3 → (4/3)/sqrt(7/3) = 4/√21
   * sharpe: no date has 5 rows → null
   */
  const rows: Row[] = [
    { date: '2024-01-05', p: 5, t: 2 },
    { date: '2024-01-04', p: 3, t: 3 },
    { date: '2024-01-04', p: Number.NaN, t: 100 },
    { date: '2024-01-04', p: 2, t: 0 },
    { date: '2024-01-03', p: 2, t: 10 },
    { date: '2024-01-03', p: 1, t: 1 },
    { date: '2024-01-04', p: 1, t: 0 },
    { date: '2024-01-03', p: 3, t: 2 },
    { date: '2024-01-05', p: 5, t: 1 },
  ];
  const icA = 1 / Math.sqrt((2 * 438) / 9);
  const icB = Math.sqrt(3) / 2;

  it('matches the worked example', () => {
    expectClose(evalRows(rows), {
      ic: (icA + icB) / 2,
      rank_ic: (0.5 + icB) / 2,
      icir: (icA + icB) / 2 / (Math.abs(icB - icA) / Math.SQRT2),
      rmse: Math.sqrt(95 / 8),
      sharpe: null,
      jpx_sharpe: 4 / Math.sqrt(21),
    }, 1e-12);
  });

  it('agrees with the naive reference on the same rows', () => {
    expectClose(evalRows(rows), naiveEvaluate(rows));
  });

  /*
   * Two dates of 5 rows, one per quintile: X spread = t(best) − t(worst) = 4 − 0 = 4; Y = 1 − 2 = −1.
   * mean 1.5, sample std |4 − (−1)| / √2 → sharpe = 1.5 / (5/√2) · √245
   */
  it('quintile sharpe: top minus bottom quintile, annualised with √245', () => {
    const x = [0, 1, 2, 3, 4].map((t, i) => ({ date: '2024-02-01', p: i + 1, t }));
    const y = [2, 0, 0, 0, 1].map((t, i) => ({ date: '2024-02-02', p: i + 1, t }));
    expect(evalRows([...x, ...y]).sharpe).toBeCloseTo((1.5 / (5 / Math.SQRT2)) * Math.sqrt(245), 12);
  });

  it('quintile legs are floor(n/5) rows: with 12 rows the 2 best and 2 worst', () => {
    // Day 1: p = 1..12, t = p²: top two t = 121, 144 and bottom 1, 4 → (265 − 5)/2 = 130. Day 2: t = −p² → −130.
    const day = (date: string, sign: number) => Array.from({ length: 12 }, (_, i) => ({ date, p: i + 1, t: sign * (i + 1) ** 2 }));
    // spreads 130, −130: mean 0 → sharpe 0 (std is non-zero)
    expect(evalRows([...day('2024-03-01', 1), ...day('2024-03-04', -1)]).sharpe).toBe(0);
    const twice = evalRows([...day('2024-03-01', 1), ...day('2024-03-04', 1)]);
    expect(twice.sharpe).toBeNull(); // identical spreads: std 0
  });
});

describe('evaluate: edge cases', () => {
  it.each<[string, Row[], Partial<EvalMetrics>]>([
    ['no rows', [], { ic: null, rank_ic: null, icir: null, rmse: null, sharpe: null, jpx_sharpe: null }],
    ['only non-finite rows', [{ date: 'd', p: Number.NaN, t: 1 }, { date: 'd', p: 1, t: Number.POSITIVE_INFINITY }], { rmse: null, ic: null, jpx_sharpe: null }],
    ['single-row dates: rmse only', [{ date: 'a', p: 1, t: 3 }, { date: 'b', p: 2, t: 2 }], { ic: null, rank_ic: null, icir: null, rmse: Math.sqrt(2), sharpe: null, jpx_sharpe: null }],
    ['constant target on every day: no IC', [{ date: 'a', p: 1, t: 3 }, { date: 'a', p: 2, t: 3 }, { date: 'b', p: 1, t: 0 }, { date: 'b', p: 5, t: 0 }], { ic: null, rank_ic: null, icir: null, jpx_sharpe: null }],
    ['one IC day: ic but no icir', [{ date: 'a', p: 1, t: 1 }, { date: 'a', p: 2, t: 3 }], { ic: 1, rank_ic: 1, icir: null }],
    ['two identical IC days: icir null (std 0)', [{ date: 'a', p: 1, t: 1 }, { date: 'a', p: 2, t: 3 }, { date: 'b', p: 1, t: 1 }, { date: 'b', p: 2, t: 3 }], { ic: 1, icir: null, jpx_sharpe: null }],
    // every daily IC is 1 up to rounding (0.9999999999999998 vs 1): a std of ~1e-16 is noise, not a 1e16 ICIR
    ['perfect IC days that differ only by rounding: icir null', [
      { date: 'a', p: 0, t: 0 }, { date: 'a', p: -0.1, t: -0.000001 },
      { date: 'b', p: -85.43, t: -0.110608 }, { date: 'b', p: 31.7, t: 0.068569 },
    ], { icir: null }],
  ])('%s', (_name, rows, expected) => {
    expect(evalRows(rows)).toMatchObject(expected);
  });

  it('ties: rank IC uses average ranks', () => {
    // p ranks 1.5, 1.5, 3, 4; t ranks 1, 2, 3.5, 3.5 → Pearson of those
    const rows = [[1, 10], [1, 20], [2, 30], [3, 30]].map(([p, t]) => ({ date: 'd', p, t }));
    const expected = pearson([1.5, 1.5, 3, 4], [1, 2, 3.5, 3.5])!;
    // hand: centred x (−1, −1, .5, 1.5), y (−1.5, −.5, 1, 1); Σxy = 1.5 + .5 + .5 + 1.5 = 4; Σxx = 4.5; Σyy = 4.5 → 8/9
    expect(expected).toBeCloseTo(8 / 9, 12);
    expect(evalRows(rows).rank_ic).toBeCloseTo(8 / 9, 12);
  });

  it('ties at a portfolio edge share the weight: equals the mean over every tie-break order', () => {
    const rows: Row[] = [
      ...[[3, 0.5], [2, -1], [2, 2], [2, 0.25], [1, 4]].map(([p, t]) => ({ date: '2024-01-04', p, t })),
      ...[[7, 1], [7, -2], [0, 3], [0, 1], [5, 0], [5, -1]].map(([p, t]) => ({ date: '2024-01-05', p, t })),
      ...[[1, 1], [2, 2], [3, -3], [4, 5], [5, 0]].map(([p, t]) => ({ date: '2024-01-09', p, t })),
    ];
    expectClose(evalRows(rows), naiveEvaluate(rows));
  });

  it('caps each JPX leg at 200 rows from 400 rows a day (naive pandas-style reference)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows: Row[] = [];
    for (const [date, n] of [['2024-01-04', 450], ['2024-01-05', 401], ['2024-01-09', 399]] as const) {
      for (let i = 0; i < n; i++) {
        const signal = rand() - 0.5;
        rows.push({ date, p: signal + 1e-9 * i, t: 0.2 * signal + (rand() - 0.5) });
      }
    }
    expectClose(evalRows(rows), naiveEvaluate(rows));
  });

  it('rejects arrays of different lengths', () => {
    expect(() => evaluate(['a'], [1, 2], [1])).toThrow(EvalInputError);
  });
});

describe('helpers', () => {
  it('linspace follows numpy, last element exact', () => {
    expect([...linspace(2, 1, 1)]).toEqual([2]);
    expect([...linspace(2, 1, 3)]).toEqual([2, 1.5, 1]);
    const w = linspace(2, 1, 200);
    expect(w[0]).toBe(2);
    expect(w[199]).toBe(1);
    expect(w[1]).toBeCloseTo(2 - 1 / 199, 15);
  });

  it('averageRanks', () => {
    expect([...averageRanks([30, 10, 20, 10])]).toEqual([4, 1.5, 3, 1.5]);
  });
});

// ------------------------------------------------------------------ properties

const DATES = ['2024-01-04', '2024-01-05', '2024-01-09', '2024-01-10'];
/** Rows with many ties (small integer predictions and targets mixed with doubles). */
const rowArb = fc.record({
  date: fc.constantFrom(...DATES),
  p: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -3, max: 3, noNaN: true })),
  t: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1, max: 1, noNaN: true })),
});
const rowsArb = fc.array(rowArb, { maxLength: 80 });

/** Unique predictions per date (no ties), so the naive reference has one rank order. */
const uniqueRowsArb = fc.tuple(...DATES.map((date) => fc.uniqueArray(fc.integer({ min: -10_000, max: 10_000 }), { maxLength: 40 })
  .chain((ps) => fc.tuple(...ps.map((p) => fc.integer({ min: -1e6, max: 1e6 }).map((t) => ({ date, p: p / 100, t: t / 1e6 })))))))
  .map((days) => days.flat());

describe('evaluate: properties', () => {
  it('ic and rank_ic lie in [−1, 1]', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      const m = evalRows(rows);
      for (const v of [m.ic, m.rank_ic]) if (v !== null) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    }));
  });

  it('agrees with the naive reference (unique predictions)', () => {
    fc.assert(fc.property(uniqueRowsArb, (rows) => expectClose(evalRows(rows), naiveEvaluate(rows), 1e-7)), { numRuns: 60 });
  });

  it('rank_ic is invariant to strictly increasing transforms of the prediction', () => {
    const intRows = fc.array(fc.record({ date: fc.constantFrom(...DATES), p: fc.integer({ min: -50, max: 50 }), t: rowArb.map((r) => r.t) }), { maxLength: 80 });
    fc.assert(fc.property(intRows, (rows) => {
      const transformed = rows.map((r) => ({ ...r, p: r.p ** 3 + r.p + 7 }));
      expect(evalRows(transformed).rank_ic).toBe(evalRows(rows).rank_ic);
    }));
  });

  it('negating the prediction negates ic, rank_ic, sharpe and jpx_sharpe', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      const m = evalRows(rows);
      const f = evalRows(rows.map((r) => ({ ...r, p: -r.p })));
      for (const key of ['ic', 'rank_ic', 'sharpe', 'jpx_sharpe'] as const) {
        const [a, b] = [m[key], f[key]];
        if (a === null || b === null) expect([key, b]).toEqual([key, a]);
        else expect([key, Math.abs(a + b) <= 1e-9 * Math.max(1, Math.abs(a))]).toEqual([key, true]);
      }
      expect(f.rmse === null ? null : f.rmse >= 0).toBe(m.rmse === null ? null : true);
    }));
  });

  it('does not depend on row order, bit for bit', () => {
    fc.assert(fc.property(rowsArb.chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }))),
      ([rows, shuffled]) => expect(evalRows(shuffled)).toEqual(evalRows(rows))));
  });

  it('rows with a non-finite prediction or target change nothing', () => {
    const junk = fc.array(fc.record({ date: fc.constantFrom(...DATES), p: fc.constantFrom(Number.NaN, Infinity, 1), t: fc.constantFrom(Number.NaN, -Infinity) }), { maxLength: 5 });
    fc.assert(fc.property(rowsArb, junk, (rows, bad) => expect(evalRows([...bad, ...rows])).toEqual(evalRows(rows))));
  });
});

// ------------------------------------------------------------------ CSV

describe('readPredictionsCsv', () => {
  it('reads columns in any order, ignores others, honours quotes, CRLF and a BOM; empty or NaN is missing', () => {
    const text = '\ufeffticker,extra,target,date,prediction\r\n'
      + '7203,"a, ""quoted""\nvalue",0.5,2024-01-04,1e-3\r\n'
      + '\r\n'
      + '"6758",x,,2024-01-04,-2\r\n'
      + '9984,y,-0.25,2024-01-05,NaN';
    const r = readPredictionsCsv(text);
    expect(r.tickers).toEqual(['7203', '6758', '9984']);
    expect(r.dates).toEqual(['2024-01-04', '2024-01-04', '2024-01-05']);
    expect([...r.prediction]).toEqual([0.001, -2, Number.NaN]);
    expect([...r.target]).toEqual([0.5, Number.NaN, -0.25]);
  });

  it('a header alone is an empty result', () => {
    expect(readPredictionsCsv('date,ticker,prediction,target\n').dates).toEqual([]);
  });

  it.each<[string, string, number, string | null, RegExp]>([
    ['empty file', '', 0, null, /empty file/],
    ['missing column', 'date,ticker,prediction\n2024-01-04,1,2\n', 0, 'target', /missing column/],
    ['duplicate column', 'date,ticker,prediction,target,date\n', 0, 'date', /twice/],
    ['bad number', 'date,ticker,prediction,target\n2024-01-04,A,1,2\n2024-01-04,B,abc,2\n', 2, 'prediction', /row 2 \(line 3\), column prediction: expected a finite number/],
    ['infinite target', 'date,ticker,prediction,target\n2024-01-04,A,1,Infinity\n', 1, 'target', /column target/],
    ['bad date', 'date,ticker,prediction,target\n2024-02-30,A,1,2\n', 1, 'date', /row 1 \(line 2\), column date/],
    ['empty ticker', 'date,ticker,prediction,target\n2024-02-01, ,1,2\n', 1, 'ticker', /empty ticker/],
    ['field count', 'date,ticker,prediction,target\n2024-01-04,A,1,2\n\n2024-01-04,B,1\n', 3, null, /row 3 \(line 4\): expected 4 fields/],
    ['duplicate row', 'date,ticker,prediction,target\n2024-01-04,A,1,2\n2024-01-04,A,3,4\n', 2, 'ticker', /repeats row 1/],
    ['unterminated quote', 'date,ticker,prediction,target\n2024-01-04,"A,1,2\n', 1, null, /unterminated/],
  ])('%s', (_name, text, row, column, message) => {
    let caught: unknown;
    try { readPredictionsCsv(text); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(PredictionsCsvError);
    expect(caught).toMatchObject({ row, column });
    expect((caught as Error).message).toMatch(message);
  });
});
