import fc from 'fast-check';
import { mulberry32 } from '../util/random';
import {
  compareParity, ParityInputError, populationStabilityIndex as psi, sampleTickers,
  type FeatureValues, type OnlineVector, type ParityInput, type ParityOptions,
} from './parity';

const DATE = '2024-03-05';


/** Box–Muller N(mu, 1) samples from a seeded PRNG, so every run sees the same numbers. */
function normals(n: number, mu: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from({ length: n }, () => mu + Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
}

const TICKERS = Array.from({ length: 200 }, (_, i) => String(1300 + i * 7));
const RET = normals(TICKERS.length, 0, 1);

/** 200 tickers: `ret` ~ N(0,1), `mkt` constant (market-wide), `vol` null for every 10th ticker. */
function offlineRows(): Map<string, FeatureValues> {
  return new Map(TICKERS.map((t, i) => [t, { ret: RET[i], mkt: 0.0123, vol: i % 10 === 0 ? null : Math.abs(RET[i]) }]));
}

function onlineFrom(rows: ReadonlyMap<string, FeatureValues>, edit: (t: string, v: Record<string, number | null>, i: number) => void = () => {}): Map<string, OnlineVector | undefined> {
  return new Map([...rows].map(([t, v], i) => {
    const values = { ...v };
    edit(t, values, i);
    return [t, { asOf: DATE, runId: 'run-1', values }];
  }));
}

function input(online: ReadonlyMap<string, OnlineVector | undefined>, over: Partial<ParityInput> = {}): ParityInput {
  return { date: DATE, features: ['ret', 'mkt', 'vol'], offline: offlineRows(), online, tickers: TICKERS, ...over };
}

const feature = (r: ReturnType<typeof compareParity>, name: string) => r.features.find((f) => f.feature === name)!;

describe('compareParity', () => {
  it('identical data: rate 1, PSI 0, pass', () => {
    const r = compareParity(input(onlineFrom(offlineRows())));
    expect(r).toMatchObject({ date: DATE, tickers: 200, missingOnline: [], staleOnline: [], missingOffline: [], exactMatchRate: 1, maxPsi: 0, pass: true, failures: [] });
    for (const f of r.features) expect(f).toMatchObject({ compared: 200, exactMatches: 200, exactMatchRate: 1, psi: 0, maxAbsDiff: 0, pass: true });
  });

  type Case = { name: string; edit: Parameters<typeof onlineFrom>[1]; options?: ParityOptions; pass: boolean; feature: string; rate?: number; failure?: RegExp; psiAbove?: number };
  const cases: Case[] = [
    { name: 'ret shifted by +0.8 fails on PSI', edit: (_, v) => { v.ret = (v.ret as number) + 0.8; }, pass: false, feature: 'ret', rate: 0, failure: /^feature ret: PSI \d\.\d{4} >= 0\.2$/, psiAbove: 0.2 },
    { name: 'one different value: rate < 1 but passes by default', edit: (_, v, i) => { if (i === 17) v.ret = (v.ret as number) + 1e-9; }, pass: true, feature: 'ret', rate: 199 / 200 },
    { name: 'one different value fails when bit-for-bit parity is demanded', edit: (_, v, i) => { if (i === 17) v.ret = (v.ret as number) + 1e-9; }, options: { minExactMatchRate: 1 }, pass: false, feature: 'ret', rate: 199 / 200, failure: /^feature ret: exact-match rate 0\.9950 < 1 \(1 of 200 differ\)$/ },
    { name: 'constant feature shifted down fails', edit: (_, v) => { v.mkt = 0.01; }, pass: false, feature: 'mkt', rate: 0, failure: /^feature mkt: PSI/, psiAbove: 1 },
    { name: 'constant feature shifted up fails', edit: (_, v) => { v.mkt = 0.02; }, pass: false, feature: 'mkt', rate: 0, failure: /^feature mkt: PSI/, psiAbove: 1 },
    { name: 'feature turned null online fails through the null bin', edit: (_, v) => { v.vol = null; }, pass: false, feature: 'vol', rate: 0.1, failure: /^feature vol: PSI/, psiAbove: 1 },
    { name: 'absent column reads as null', edit: (_, v) => { delete v.vol; }, pass: false, feature: 'vol', rate: 0.1, failure: /^feature vol: PSI/ },
    { name: 'null vs NaN and -0 vs +0 are matches', edit: (_, v, i) => { if (v.vol === null) v.vol = Number.NaN; if (i === 3) v.ret = 0; }, pass: true, feature: 'vol', rate: 1 },
  ];
  it.each(cases)('$name', ({ edit, options, pass, feature: name, rate, failure, psiAbove }) => {
    const rows = offlineRows();
    rows.set(TICKERS[3], { ...rows.get(TICKERS[3])!, ret: -0 });
    const r = compareParity({ ...input(onlineFrom(rows, edit)), offline: rows }, options);
    const f = feature(r, name);
    expect(r.pass).toBe(pass);
    expect(f.pass).toBe(pass);
    if (rate !== undefined) expect(f.exactMatchRate).toBeCloseTo(rate, 12);
    if (psiAbove !== undefined) expect(f.psi).toBeGreaterThan(psiAbove);
    if (failure) expect(r.failures).toEqual([expect.stringMatching(failure)]);
    else expect(r.failures).toEqual([]);
  });

  it('maxAbsDiff only over numeric pairs; overall rate is over all compared cells', () => {
    const r = compareParity(input(onlineFrom(offlineRows(), (_, v, i) => { if (i === 5) { v.ret = (v.ret as number) + 0.25; v.vol = null; } })));
    expect(feature(r, 'ret').maxAbsDiff).toBeCloseTo(0.25, 12);
    expect(feature(r, 'vol').maxAbsDiff).toBe(0);
    expect(r.exactMatchRate).toBeCloseTo(598 / 600, 12);
  });

  type Gap = { name: string; mutate: (i: { offline: Map<string, FeatureValues>; online: Map<string, OnlineVector | undefined> }) => void; field: 'missingOnline' | 'missingOffline' | 'staleOnline'; failure: RegExp };
  const gaps: Gap[] = [
    { name: 'online vector absent', mutate: (i) => { i.online.delete('1300'); }, field: 'missingOnline', failure: /^missing online vector for 1 ticker\(s\): 1300$/ },
    { name: 'online vector undefined', mutate: (i) => { i.online.set('1300', undefined); }, field: 'missingOnline', failure: /^missing online vector for 1 ticker\(s\): 1300$/ },
    { name: 'DWH row absent', mutate: (i) => { i.offline.delete('1300'); }, field: 'missingOffline', failure: /^missing DWH row for 1 ticker\(s\): 1300$/ },
    { name: 'stale online vector', mutate: (i) => { i.online.set('1300', { ...i.online.get('1300')!, asOf: '2024-03-04', runId: 'run-0' }); }, field: 'staleOnline', failure: /^stale online vector \(asOf != 2024-03-05\) for 1 ticker\(s\): 1300 \(asOf 2024-03-04, run run-0\)$/ },
  ];
  it.each(gaps)('$name fails the report and is left out of the statistics', ({ mutate, field, failure }) => {
    const offline = offlineRows();
    const online = onlineFrom(offline);
    mutate({ offline, online });
    const r = compareParity(input(online, { offline }));
    expect(r[field]).toEqual(['1300']);
    expect(r.pass).toBe(false);
    expect(r.failures).toEqual([expect.stringMatching(failure)]);
    for (const f of r.features) expect(f).toMatchObject({ compared: 199, exactMatchRate: 1, pass: true });
  });

  it('every ticker missing: each feature fails for lack of comparisons, long lists are truncated', () => {
    const r = compareParity(input(new Map()));
    expect(r.missingOnline).toEqual(TICKERS);
    expect(r.exactMatchRate).toBe(0);
    expect(r.failures[0]).toMatch(/^missing online vector for 200 ticker\(s\): 1300, .* \(\+180 more\)$/);
    expect(r.failures.slice(1)).toEqual(['ret', 'mkt', 'vol'].map((f) => `feature ${f}: no ticker had both an online vector and a DWH row to compare`));
  });

  const bad: Array<[string, Partial<ParityInput>, ParityOptions, string]> = [
    ['date format', { date: '2024-3-05' }, {}, 'date'],
    ['date not on the calendar', { date: '2024-02-30' }, {}, 'date'],
    ['empty features', { features: [] }, {}, 'features'],
    ['duplicate feature', { features: ['ret', 'ret'] }, {}, 'features'],
    ['empty tickers', { tickers: [] }, {}, 'tickers'],
    ['duplicate ticker', { tickers: ['1300', '1300'] }, {}, 'tickers'],
    ['bins < 2', {}, { bins: 1 }, 'bins'],
    ['fractional bins', {}, { bins: 2.5 }, 'bins'],
    ['psiThreshold <= 0', {}, { psiThreshold: 0 }, 'psiThreshold'],
    ['minExactMatchRate > 1', {}, { minExactMatchRate: 1.5 }, 'minExactMatchRate'],
  ];
  it.each(bad)('rejects %s with a ParityInputError naming the field', (_, over, options, field) => {
    const run = () => compareParity(input(onlineFrom(offlineRows()), over), options);
    expect(run).toThrow(ParityInputError);
    expect(run).toThrow(expect.objectContaining({ field, message: expect.stringContaining(`parity ${field}:`) }));
  });

  it('property: an online store that mirrors the DWH always passes with rate 1 and PSI 0', () => {
    const cell = fc.oneof(fc.double(), fc.constant(null));
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }), fc.array(cell, { minLength: 60, maxLength: 60 }), (tickers, cells) => {
      const offline = new Map(tickers.map((t, i) => [t, { a: cells[i], b: cells[i + 30] }]));
      const r = compareParity({ date: DATE, features: ['a', 'b'], tickers, offline, online: onlineFrom(offline) });
      expect(r).toMatchObject({ pass: true, exactMatchRate: 1, maxPsi: 0, failures: [] });
    }));
  });
});

describe('populationStabilityIndex', () => {
  const NaN_ = Number.NaN;
  const table: Array<[string, number[], number[], (p: number) => boolean]> = [
    ['identical', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], (p) => p === 0],
    ['same values permuted', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], (p) => p === 0],
    ['constant, identical', [3, 3, 3, 3], [3, 3, 3, 3], (p) => p === 0],
    ['constant, shifted down', [3, 3, 3, 3], [2, 2, 2, 2], (p) => p > 5],
    ['constant, shifted up', [3, 3, 3, 3], [4, 4, 4, 4], (p) => p > 5],
    ['all null on both sides', [NaN_, NaN_], [NaN_, NaN_, NaN_], (p) => p === 0],
    ['finite offline, null online', [1, 2, 3, 4], [NaN_, NaN_, NaN_, NaN_], (p) => p > 5],
    ['null offline, finite online', [NaN_, NaN_], [1, 2], (p) => p > 5],
    ['10% turned null', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, NaN_], (p) => p > 0.2],
    ['both empty', [], [], (p) => p === 0],
  ];
  it.each(table)('%s', (_, expected, actual, ok) => {
    const p = psi(expected, actual);
    if (!ok(p)) throw new Error(`psi ${p}`);
  });

  it('N(0,1) vs N(0.5,1), 5000 each: about 0.24 (10 true-decile bins give 0.238; 200 seeds ranged 0.195..0.297)', () => {
    const a = normals(5000, 0, 7);
    const b = normals(5000, 0.5, 8);
    expect(psi(a, b)).toBeGreaterThan(0.18);
    expect(psi(a, b)).toBeLessThan(0.32);
    // Symmetric-ish: the binning follows `expected`, so the two directions differ only a little.
    expect(psi(b, a) / psi(a, b)).toBeGreaterThan(0.8);
    expect(psi(b, a) / psi(a, b)).toBeLessThan(1.25);
    // Two independent samples of one distribution stay far below the threshold (200 seeds: max 0.0095).
    expect(psi(a, normals(5000, 0, 9))).toBeLessThan(0.02);
  });

  it('rejects bad bins and one-sided empties', () => {
    expect(() => psi([1], [1], 1)).toThrow(expect.objectContaining({ field: 'bins' }));
    expect(() => psi([], [1])).toThrow(expect.objectContaining({ field: 'expected' }));
    expect(() => psi([1], [])).toThrow(expect.objectContaining({ field: 'actual' }));
  });

  const sample = fc.array(fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 })), { minLength: 1, maxLength: 80 });
  it('property: finite, >= 0, 0 against itself and against any permutation of itself', () => {
    fc.assert(fc.property(sample, sample, fc.integer({ min: 2, max: 20 }), (e, a, bins) => {
      const p = psi(e, a, bins);
      expect(Number.isFinite(p) && p >= 0).toBe(true);
      expect(psi(e, e, bins)).toBe(0);
      expect(psi(e, [...e].reverse(), bins)).toBe(0);
    }));
  });
});

describe('sampleTickers', () => {
  const all = Array.from({ length: 500 }, (_, i) => String(1000 + i * 3));

  it.each([[1], [10], [499], [500], [800]])('sample %p: deterministic, sorted, unique, a subset of the universe', (n) => {
    const s = sampleTickers(all, n, 'seed-a');
    expect(s).toEqual(sampleTickers([...all].reverse(), n, 'seed-a'));
    expect(s).toHaveLength(Math.min(n, all.length));
    expect(s).toEqual([...new Set(s)].sort());
    expect(s.every((t) => all.includes(t))).toBe(true);
  });

  it("'all' returns the deduplicated universe sorted; the seed matters", () => {
    expect(sampleTickers(['b', 'a', 'c', 'a'], 'all', 'x')).toEqual(['a', 'b', 'c']);
    expect(sampleTickers(all, 20, 'seed-a')).not.toEqual(sampleTickers(all, 20, 'seed-b'));
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('rejects sample %p', (n) => {
    expect(() => sampleTickers(all, n, 's')).toThrow(expect.objectContaining({ name: 'ParityInputError', field: 'sample' }));
  });

  it('property: samples are nested as the size grows', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 40 }), fc.string(), fc.nat(), (universe, seed, k) => {
      const n = 1 + (k % (universe.length - 1));
      const small = sampleTickers(universe, n, seed);
      const big = new Set(sampleTickers(universe, n + 1, seed));
      expect(small.every((t) => big.has(t))).toBe(true);
    }));
  });
});
