import fc from 'fast-check';
import { CvError, foldSizes, purgedKFold, type PurgedKFoldOptions } from './cv';

/** n consecutive calendar days from 2024-01-01 (any ISO dates do: the split works on positions). */
const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10));

describe('purgedKFold', () => {
  const s = days(10);

  it('hand example: 10 sessions, 3 folds (4, 3, 3), horizon 1, embargo 2', () => {
    expect(purgedKFold(s, { folds: 3, horizon: 1, embargo: 2 })).toEqual([
      // test s0..s3; purge none before; embargo s4, s5
      { fold: 0, test: s.slice(0, 4), train: s.slice(6) },
      // test s4..s6; purge s3; embargo s7, s8
      { fold: 1, test: s.slice(4, 7), train: [...s.slice(0, 3), s[9]] },
      // test s7..s9; purge s6; nothing after
      { fold: 2, test: s.slice(7), train: s.slice(0, 6) },
    ]);
  });

  it('horizon 0 and embargo 0 is plain contiguous K-fold', () => {
    const folds = purgedKFold(s, { folds: 5, horizon: 0, embargo: 0 });
    expect(folds.map((f) => f.test)).toEqual([0, 2, 4, 6, 8].map((i) => s.slice(i, i + 2)));
    for (const f of folds) expect(f.train).toEqual(s.filter((d) => !f.test.includes(d)));
  });

  it('sorts and de-duplicates the sessions (all tickers of a date are one group)', () => {
    const shuffled = [s[3], s[0], s[3], s[2], s[1], s[0], s[3]];
    expect(purgedKFold(shuffled, { folds: 2, horizon: 0, embargo: 0 })).toEqual([
      { fold: 0, test: [s[0], s[1]], train: [s[2], s[3]] },
      { fold: 1, test: [s[2], s[3]], train: [s[0], s[1]] },
    ]);
  });

  it('a fold may have an empty training set when the windows cover everything', () => {
    expect(purgedKFold(days(4), { folds: 2, horizon: 2, embargo: 2 }).map((f) => f.train)).toEqual([[], []]);
  });

  it.each<[string, readonly string[], PurgedKFoldOptions, string, RegExp]>([
    ['one fold', s, { folds: 1, horizon: 0, embargo: 0 }, 'folds', /must be >= 2, got 1/],
    ['fractional folds', s, { folds: 2.5, horizon: 0, embargo: 0 }, 'folds', /integer/],
    ['more folds than sessions', [s[0], s[0], s[1]], { folds: 3, horizon: 0, embargo: 0 }, 'folds', /<= the number of sessions \(2\), got 3/],
    ['negative horizon', s, { folds: 2, horizon: -1, embargo: 0 }, 'horizon', /must be >= 0/],
    ['embargo below horizon', s, { folds: 2, horizon: 3, embargo: 2 }, 'embargo', /must be >= horizon \(3\), got 2/],
    ['not a date', [...s, '2024-13-01'], { folds: 2, horizon: 0, embargo: 0 }, 'sessions', /session 10: expected a date/],
    ['not ISO', ['20240105', ...s], { folds: 2, horizon: 0, embargo: 0 }, 'sessions', /session 0/],
  ])('rejects %s', (_name, sessions, options, field, message) => {
    let caught: unknown;
    try { purgedKFold(sessions, options); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(CvError);
    expect((caught as CvError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });

  it.each([[10, 3, [4, 3, 3]], [10, 4, [3, 3, 2, 2]], [6, 6, [1, 1, 1, 1, 1, 1]], [7, 2, [4, 3]]])('foldSizes(%i, %i) = %p', (n, k, sizes) => {
    expect(foldSizes(n, k)).toEqual(sizes);
  });
});

describe('purgedKFold: properties', () => {
  const caseArb = fc.integer({ min: 2, max: 60 }).chain((n) => fc.record({
    sessions: fc.shuffledSubarray(days(n), { minLength: n, maxLength: n }).chain((ds) => fc.array(fc.constantFrom(...ds), { maxLength: 10 }).map((extra) => [...ds, ...extra])),
    folds: fc.integer({ min: 2, max: n }),
    horizon: fc.integer({ min: 0, max: 8 }),
  }).chain((c) => fc.integer({ min: c.horizon, max: c.horizon + 8 }).map((embargo) => ({ ...c, embargo, n }))));

  it('test blocks partition the sorted sessions in order, sizes within one, larger first', () => {
    fc.assert(fc.property(caseArb, ({ sessions, folds, horizon, embargo, n }) => {
      const result = purgedKFold(sessions, { folds, horizon, embargo });
      expect(result.map((f) => f.fold)).toEqual(Array.from({ length: folds }, (_, k) => k));
      expect(result.flatMap((f) => f.test)).toEqual(days(n));
      const sizes = result.map((f) => f.test.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    }));
  });

  it('train avoids the test block and the purge and embargo windows, and holds every other session', () => {
    fc.assert(fc.property(caseArb, ({ sessions, folds, horizon, embargo, n }) => {
      const all = days(n);
      for (const { train, test } of purgedKFold(sessions, { folds, horizon, embargo })) {
        const first = all.indexOf(test[0]);
        const last = all.indexOf(test[test.length - 1]);
        const excluded = (i: number) => i >= first - horizon && i <= last + embargo;
        expect(train.filter((d) => test.includes(d))).toEqual([]);
        // exactly the sessions outside [first − horizon, last + embargo], in date order, once each
        expect(train).toEqual(all.filter((_, i) => !excluded(i)));
      }
    }));
  });
});
