import fc from 'fast-check';
import {
  bucketsOf, dateIndexOf, groupIndexOf, MAD_TO_SIGMA, MEAN_ABS_DEV_TO_SIGMA, normalizeColumns, transformBuckets,
  type CrossSectionSpec,
} from './cross-section';
import { normCdf, normInv, normInvHalfRank } from './cross-section-stats';

const abs = Math.abs;
const f64 = (xs: number[]) => Float64Array.from(xs);
const i32 = (xs: number[]) => Int32Array.from(xs);

function run(values: number[], bucket: number[], spec: CrossSectionSpec, nBuckets = Math.max(0, ...bucket) + 1): number[] {
  const out = new Float64Array(values.length).fill(12345);
  transformBuckets(f64(values), i32(bucket), nBuckets, spec, out);
  return Array.from(out);
}

function expectClose(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Number.isNaN(expected[i])) expect(a).toBeNaN();
    else if (abs(a - expected[i]) > tol) throw new Error(`index ${i}: got ${a}, expected ${expected[i]} (all: ${actual})`);
  });
}

describe('dateIndexOf', () => {
  it('distinct dates ascending, with a gap, a new listing and a date only one ticker has', () => {
    const date = [
      '2024-01-04', '2024-01-05', '2024-01-09', // A (skips 01-08)
      '2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09', // B
      '2024-01-08', '2024-01-09', '2024-01-10', // C, new listing
    ];
    const { index, dates } = dateIndexOf(date);
    expect(dates).toEqual(['2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10']);
    expect(Array.from(index)).toEqual([0, 1, 3, 0, 1, 2, 3, 2, 3, 4]);
  });

  it('an empty column', () => {
    const { index, dates } = dateIndexOf([]);
    expect(index.length).toBe(0);
    expect(dates).toEqual([]);
  });

  it('agrees with a naive sort-unique on random ticker-major dates (also when rows are not date-major)', () => {
    const day = fc.integer({ min: 0, max: 40 }).map((d) => `2024-${String(1 + (d >> 4)).padStart(2, '0')}-${String(1 + (d & 15)).padStart(2, '0')}`);
    fc.assert(fc.property(fc.array(fc.array(day, { maxLength: 15 }), { maxLength: 6 }), fc.boolean(), (tickers, sortEach) => {
      const date = tickers.flatMap((ds) => (sortEach ? [...new Set(ds)].sort() : ds));
      const { index, dates } = dateIndexOf(date);
      const naive = [...new Set(date)].sort();
      expect(dates).toEqual(naive);
      expect(Array.from(index, (k) => dates[k])).toEqual(date);
    }));
  });
});

describe('groupIndexOf', () => {
  it('sorted groups, −1 for null', () => {
    const { index, groups } = groupIndexOf(['3650', null, '0050', '3650', '1050']);
    expect(groups).toEqual(['0050', '1050', '3650']);
    expect(Array.from(index)).toEqual([2, -1, 0, 2, 1]);
  });
});

describe('bucketsOf', () => {
  it('date only: the date index is the bucket', () => {
    expect(bucketsOf(i32([0, 1, 2, 0]), 3)).toEqual({ bucket: i32([0, 1, 2, 0]), count: 3 });
  });

  it('date × group, with −1 for a missing group or date', () => {
    const { bucket, count } = bucketsOf(i32([0, 1, 1, 0, -1]), 2, i32([2, 0, -1, 1, 0]), 3);
    expect(count).toBe(6);
    expect(Array.from(bucket)).toEqual([2, 3, -1, 1, -1]);
    expect(bucketsOf(i32([0, 1]), 2, i32([1, 0])).count).toBe(4); // nGroups inferred
  });

  it('rejects out-of-range indices', () => {
    expect(() => bucketsOf(i32([0, 3]), 3)).toThrow(RangeError);
    expect(() => bucketsOf(i32([0, 1]), 2, i32([0, 5]), 2)).toThrow(RangeError);
    expect(() => bucketsOf(i32([0, 1]), 2, i32([0]), 2)).toThrow(RangeError);
  });
});

describe('transformBuckets: hand-computed cases', () => {
  const cases: [string, number[], number[], CrossSectionSpec, number[]][] = [
    ['rank, average ties, NaN excluded', [3, 1, 2, 2, NaN], [0, 0, 0, 0, 0], { transform: 'rank' }, [1, 0.25, 0.625, 0.625, NaN]],
    ['rank, two interleaved dates and a row without bucket', [10, 5, 20, 5, 7], [0, 1, 0, 1, -1], { transform: 'rank' }, [0.5, 0.75, 1, 0.75, NaN]],
    ['rank, ±Infinity is missing, a lone value ranks 1', [Infinity, 4, -Infinity, 9], [0, 0, 0, 1], { transform: 'rank' }, [NaN, 1, NaN, 1]],
    ['zscore, population std', [1, 2, 3, 4], [0, 0, 0, 0], { transform: 'zscore' },
      [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738]],
    ['zscore clipped', [1, 2, 3, 4], [0, 0, 0, 0], { transform: 'zscore', clip: 1 }, [-1, -0.4472135954999579, 0.4472135954999579, 1]],
    ['zscore: NaN for one value or a constant bucket', [7, 5, 5, NaN], [0, 1, 1, 1], { transform: 'zscore' }, [NaN, NaN, NaN, NaN]],
    ['robust_z: median and MAD, outlier clipped', [1, 2, 3, 4, 100], [0, 0, 0, 0, 0], { transform: 'robust_z', clip: 3 },
      [-2 / MAD_TO_SIGMA, -1 / MAD_TO_SIGMA, 0, 1 / MAD_TO_SIGMA, 3]],
    ['robust_z: MAD 0 falls back to the mean absolute deviation', [0, 0, 0, 1, -2], [0, 0, 0, 0, 0], { transform: 'robust_z', clip: 2 },
      [0, 0, 0, 1 / (MEAN_ABS_DEV_TO_SIGMA * 0.6), -2]],
    ['robust_z: NaN when every value is equal or n < 2', [4, 4, 4, 9], [0, 0, 0, 1], { transform: 'robust_z', clip: 3 }, [NaN, NaN, NaN, NaN]],
    ['rank_gauss', [1, 2, 3, 5, 5, 8], [0, 0, 0, 1, 1, 2], { transform: 'rank_gauss' },
      [-0.967421566101701, 0, 0.967421566101701, 0, 0, 0]],
    ['demean, NaN excluded from the mean', [1, 2, NaN, 6, 4], [0, 0, 0, 0, 1], { transform: 'demean' }, [-2, -1, NaN, 3, 0]],
  ];
  it.each(cases)('%s', (_name, values, bucket, spec, expected) => {
    expectClose(run(values, bucket, spec), expected);
  });

  it('an empty bucket range and empty input', () => {
    expect(run([], [], { transform: 'rank' }, 3)).toEqual([]);
  });

  it('works in place (out === values)', () => {
    const values = f64([3, 1, NaN, 2, 8]);
    const bucket = i32([0, 0, 0, -1, 1]);
    const expected = run(Array.from(values), Array.from(bucket), { transform: 'zscore' });
    transformBuckets(values, bucket, 2, { transform: 'zscore' }, values);
    expectClose(Array.from(values), expected, 0);
  });

  it('rejects a bad spec, mismatched lengths and out-of-range buckets', () => {
    const v = f64([1, 2]);
    const o = new Float64Array(2);
    expect(() => transformBuckets(v, i32([0, 0]), 1, { transform: 'robust_z', clip: 0 }, o)).toThrow(RangeError);
    expect(() => transformBuckets(v, i32([0, 0]), 1, { transform: 'zscore', clip: NaN }, o)).toThrow(RangeError);
    expect(() => transformBuckets(v, i32([0, 0]), 1, { transform: 'nope' } as unknown as CrossSectionSpec, o)).toThrow(RangeError);
    expect(() => transformBuckets(v, i32([0]), 1, { transform: 'rank' }, o)).toThrow(RangeError);
    expect(() => transformBuckets(v, i32([0, 1]), 1, { transform: 'rank' }, o)).toThrow(RangeError);
  });

  it('huge finite values do not overflow the moments', () => {
    expectClose(run([1.5e308, -1.5e308], [0, 0], { transform: 'zscore' }), [1, -1]);
    expectClose(run([1.7e308, 1.7e308, 0], [0, 0, 0], { transform: 'robust_z', clip: 5 }), [0, 0, -3 / MEAN_ABS_DEV_TO_SIGMA]);
    expect(run([1e308, 1e308, 1e308], [0, 0, 0], { transform: 'demean' })).toEqual([0, 0, 0]);
    expectClose(run([1.7e308, 1.6e308, 0, -1e308], [0, 0, 0, 0], { transform: 'robust_z', clip: 5 }).map((z) => z * MAD_TO_SIGMA),
      [0.9 / 0.85, 0.8 / 0.85, -0.8 / 0.85, -1.8 / 0.85]); // median 0.8e308, MAD 0.85e308
  });
});

// ---- Properties ----

const ALL_SPECS: CrossSectionSpec[] = [
  { transform: 'rank' }, { transform: 'zscore' }, { transform: 'zscore', clip: 2 }, { transform: 'robust_z', clip: 3 },
  { transform: 'rank_gauss' }, { transform: 'demean' },
];
const N_BUCKETS = 4;
const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -40, max: 40 }).map((v) => v / 8) }, // ties
  { weight: 6, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e300, -1e-300) },
);
const rowsArb = fc.array(fc.record({ v: value, b: fc.integer({ min: -1, max: N_BUCKETS - 1 }) }), { maxLength: 60 });
const specArb = fc.constantFrom(...ALL_SPECS);

function apply(rows: { v: number; b: number }[], spec: CrossSectionSpec): Float64Array {
  const out = new Float64Array(rows.length);
  transformBuckets(f64(rows.map((r) => r.v)), i32(rows.map((r) => r.b)), N_BUCKETS, spec, out);
  return out;
}

/** Finite (input, output) pairs per bucket. */
function byBucket(rows: { v: number; b: number }[], out: Float64Array): { x: number; y: number }[][] {
  const groups: { x: number; y: number }[][] = Array.from({ length: N_BUCKETS }, () => []);
  rows.forEach((r, i) => { if (r.b >= 0 && Number.isFinite(r.v)) groups[r.b].push({ x: r.v, y: out[i] }); });
  return groups;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** The textbook formulas, one bucket at a time with plain arrays. */
function naive(xs: number[], spec: CrossSectionSpec): number[] {
  const n = xs.length;
  const avgRank = (x: number) => (xs.filter((v) => v < x).length * 2 + xs.filter((v) => v === x).length + 1) / 2;
  const clip = (z: number, c: number) => Math.max(-c, Math.min(c, z));
  switch (spec.transform) {
    case 'rank':
      return xs.map((x) => avgRank(x) / n);
    case 'rank_gauss':
      return xs.map((x) => (n === 1 ? 0 : normInv((avgRank(x) - 0.5) / n)));
    case 'demean':
      return xs.map((x) => x - mean(xs));
    case 'zscore': {
      const m = mean(xs);
      const sd = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
      return xs.map((x) => (n < 2 || Math.min(...xs) === Math.max(...xs) ? NaN : clip((x - m) / sd, spec.clip ?? Infinity)));
    }
    case 'robust_z': {
      const med = medianOf(xs);
      const dev = xs.map((x) => abs(x - med));
      const scale = medianOf(dev) > 0 ? MAD_TO_SIGMA * medianOf(dev) : MEAN_ABS_DEV_TO_SIGMA * mean(dev);
      return xs.map((x) => (n < 2 || !(scale > 0) ? NaN : clip((x - med) / scale, spec.clip)));
    }
  }
}

describe('transformBuckets: properties', () => {
  it('missing values and bucket −1 give NaN; finite rows give NaN only where a statistic is undefined', () => {
    fc.assert(fc.property(rowsArb, specArb, (rows, spec) => {
      const out = apply(rows, spec);
      rows.forEach((r, i) => {
        if (r.b < 0 || !Number.isFinite(r.v)) expect(out[i]).toBeNaN();
        else if (spec.transform === 'rank' || spec.transform === 'rank_gauss' || spec.transform === 'demean') expect(Number.isFinite(out[i])).toBe(true);
      });
    }));
  });

  it('agrees with the textbook formulas bucket by bucket', () => {
    // Plain arithmetic underflows on subnormals and overflows near 1e308; keep to where it is exact enough.
    const small = rowsArb.map((rows) => rows.map((r) => ({ v: abs(r.v) > 1e4 ? NaN : abs(r.v) < 1e-100 ? 0 : r.v, b: r.b })));
    fc.assert(fc.property(small, specArb, (rows, spec) => {
      const out = apply(rows, spec);
      for (const g of byBucket(rows, out)) {
        const expected = naive(g.map((p) => p.x), spec);
        g.forEach((p, i) => {
          if (Number.isNaN(expected[i])) expect(p.y).toBeNaN();
          else expect(abs(p.y - expected[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, abs(expected[i])));
        });
      }
    }));
  });

  it('missing rows are excluded: dropping them changes no other output', () => {
    fc.assert(fc.property(rowsArb, specArb, (rows, spec) => {
      const out = apply(rows, spec);
      const kept = rows.map((r, i) => ({ r, i })).filter(({ r }) => Number.isFinite(r.v));
      const outKept = apply(kept.map(({ r }) => r), spec);
      kept.forEach(({ i }, j) => expect(Object.is(outKept[j], out[i]) || abs(outKept[j] - out[i]) < 1e-12).toBe(true));
    }));
  });

  it('rank is in (0, 1] and its bucket mean is (n+1)/(2n)', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      for (const g of byBucket(rows, apply(rows, { transform: 'rank' }))) {
        if (g.length === 0) continue;
        const n = g.length;
        for (const { y } of g) expect(y > 0 && y <= 1).toBe(true);
        expect(abs(mean(g.map((p) => p.y)) - (n + 1) / (2 * n))).toBeLessThan(1e-12);
      }
    }));
  });

  it('zscore has bucket mean 0 and population std 1 (unclipped, n ≥ 2, not constant)', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      for (const g of byBucket(rows, apply(rows, { transform: 'zscore' }))) {
        const xs = g.map((p) => p.x);
        if (g.length < 2 || Math.min(...xs) === Math.max(...xs)) {
          for (const { y } of g) expect(y).toBeNaN();
          continue;
        }
        // Values a few ulps apart have a mean that is not representable; their z-scores are rounding noise.
        if (Math.max(...xs) - Math.min(...xs) < 1e-9 * Math.max(...xs.map(abs))) continue;
        const ys = g.map((p) => p.y);
        const m = mean(ys);
        expect(abs(m)).toBeLessThan(1e-9);
        expect(abs(Math.sqrt(mean(ys.map((y) => (y - m) ** 2))) - 1)).toBeLessThan(1e-9);
      }
    }));
  });

  it('robust_z stays within ±clip and is monotone in x', () => {
    fc.assert(fc.property(rowsArb, fc.double({ min: 0.25, max: 6, noNaN: true }), (rows, clip) => {
      for (const g of byBucket(rows, apply(rows, { transform: 'robust_z', clip }))) {
        for (const { y } of g) if (!Number.isNaN(y)) expect(abs(y)).toBeLessThanOrEqual(clip);
        for (const a of g) for (const b of g) if (a.x < b.x) expect(a.y).toBeLessThanOrEqual(b.y);
      }
    }));
  });

  it('rank_gauss is symmetric (sums to 0 per bucket without ties) and strictly monotone in x', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      for (const g of byBucket(rows, apply(rows, { transform: 'rank_gauss' }))) {
        // Ties share the average rank, which breaks the mirror (0, 0, 1 has ranks 1.5, 1.5, 3).
        if (new Set(g.map((p) => p.x)).size === g.length) expect(abs(g.reduce((s, p) => s + p.y, 0))).toBeLessThan(1e-9);
        for (const a of g) for (const b of g) {
          if (a.x < b.x) expect(a.y).toBeLessThan(b.y);
          if (a.x === b.x) expect(a.y).toBe(b.y);
        }
      }
    }));
  });

  it('no leakage: changing rows of other buckets leaves a bucket unchanged', () => {
    fc.assert(fc.property(rowsArb, specArb, fc.integer({ min: 0, max: N_BUCKETS - 1 }), fc.array(value, { minLength: 60, maxLength: 60 }),
      (rows, spec, target, replacement) => {
        const out = apply(rows, spec);
        const changed = rows.map((r, i) => (r.b === target ? r : { v: replacement[i], b: r.b }));
        const out2 = apply(changed, spec);
        rows.forEach((r, i) => { if (r.b === target) expect(Object.is(out2[i], out[i])).toBe(true); });
      }));
  });

  it('permuting rows permutes the outputs the same way', () => {
    const withPerm = rowsArb.chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows.map((_, i) => i), { minLength: rows.length })));
    fc.assert(fc.property(withPerm, specArb, ([rows, perm], spec) => {
      const out = apply(rows, spec);
      const outPerm = apply(perm.map((i) => rows[i]), spec);
      // Moment sums run in row order, so zscore and demean may move in the last bits (values here are ≤ 1e3);
      // the rest is exact.
      const exact = spec.transform !== 'zscore' && spec.transform !== 'demean';
      perm.forEach((src, i) => {
        const a = outPerm[i];
        const b = out[src];
        if (exact || Number.isNaN(b)) expect(Object.is(a, b)).toBe(true);
        else expect(abs(a - b)).toBeLessThanOrEqual(spec.transform === 'demean' ? 1e-9 : 1e-12 * Math.max(1, abs(b)));
      });
    }));
  });
});

describe('normalizeColumns', () => {
  it('transforms every column per date into new arrays, leaving the inputs alone', () => {
    const dateIndex = i32([0, 1, 0, 1, 0, -1]);
    const a = f64([1, 5, 2, NaN, 3, 9]);
    const b = f64([4, 4, 4, 1, -4, 0]);
    const result = normalizeColumns({ a, b }, dateIndex, 2, { transform: 'rank' });
    expect(Object.keys(result)).toEqual(['a', 'b']);
    expectClose(Array.from(result.a), [1 / 3, 1, 2 / 3, NaN, 1, NaN]);
    expectClose(Array.from(result.b), [5 / 6, 1, 5 / 6, 0.5, 1 / 3, NaN]);
    expect(Array.from(a)).toEqual([1, 5, 2, NaN, 3, 9]);
    expect(result.a).not.toBe(a);
  });

  it('equals transformBuckets column by column', () => {
    fc.assert(fc.property(rowsArb, specArb, (rows, spec) => {
      const dateIndex = i32(rows.map((r) => r.b));
      const col = f64(rows.map((r) => r.v));
      const col2 = f64(rows.map((r) => -r.v));
      const result = normalizeColumns({ col, col2 }, dateIndex, N_BUCKETS, spec);
      expect(Array.from(result.col)).toEqual(Array.from(apply(rows, spec)));
      expect(Array.from(result.col2)).toEqual(Array.from(apply(rows.map((r) => ({ v: -r.v, b: r.b })), spec)));
    }));
  });

  it('rejects a column of the wrong length', () => {
    expect(() => normalizeColumns({ a: f64([1]) }, i32([0, 0]), 1, { transform: 'rank' })).toThrow(RangeError);
  });
});

describe('normal quantile', () => {
  // Φ⁻¹ of the double p, from 40-digit arithmetic (mpmath).
  const REFERENCE: [number, number][] = [
    [0.975, 1.959963984540053856], [0.95, 1.644853626951472284], [0.99, 2.326347874040840768],
    [0.999, 3.090232306167813278], [0.25, -0.6744897501960817432], [0.02425, -1.972961051311884838],
    [0.02, -2.053748910631823044], [0.1, -1.281551565544600435], [0.7, 0.5244005127080406563],
    [1e-5, -4.26489079392282461], [1e-10, -6.361340902404056199], [1e-20, -9.26234008979840758],
    [1e-100, -21.27345356096532429], [1e-300, -37.04709629936119924], [0.999999, 4.753424308817087766],
    [0.97575, 1.972961051311884959], [0.4999, -0.0002506628300880074924], [0.5001, 0.0002506628300880074924],
    [0.9, 1.281551565544600593], [0.3, -0.524400512708040816], [0.0227501319481792, -2.000000000000000103],
    [0.001349898031630095, -2.999999999999999891], [0.001, -3.090232306167813535], [0.05, -1.644853626951472688],
    [1 / 6, -0.967421566101701],
  ];
  it.each(REFERENCE)('Φ⁻¹(%p) = %p within 1e-12', (p, x) => {
    expect(abs(normInv(p) - x)).toBeLessThan(1e-12);
  });

  it('edge values', () => {
    expect(normInv(0.5)).toBe(0);
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(normInv(-0.1)).toBeNaN();
    expect(normInv(1.1)).toBeNaN();
    expect(normInv(NaN)).toBeNaN();
  });

  it('Φ at known points', () => {
    expect(abs(normCdf(1) - 0.8413447460685429)).toBeLessThanOrEqual(2.3e-16);
    expect(abs(normCdf(-3) / 0.0013498980316300946 - 1)).toBeLessThan(1e-14);
    expect(abs(normCdf(-10) / 7.619853024160525e-24 - 1)).toBeLessThan(1e-13);
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(-Infinity)).toBe(0);
    expect(normCdf(Infinity)).toBe(1);
    expect(normCdf(NaN)).toBeNaN();
  });

  it('Φ(Φ⁻¹(p)) ≈ p and the halves mirror exactly', () => {
    fc.assert(fc.property(fc.double({ min: 1e-300, max: 0.5, noNaN: true }), (p) => {
      expect(abs(normCdf(normInv(p)) / p - 1)).toBeLessThan(1e-12);
    }));
    // 1 − q is exact for q in [½, 1] (Sterbenz), so the mirror can be exact there.
    fc.assert(fc.property(fc.double({ min: 0.5, max: 1, noNaN: true, maxExcluded: true }), (q) => {
      expect(normInv(q)).toBe(q === 0.5 ? 0 : -normInv(1 - q));
    }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 9999 }), (m, k0) => {
      const k = 1 + (k0 % (2 * m - 1));
      expect(normInvHalfRank(2 * m - k, m)).toBe(k === m ? 0 : -normInvHalfRank(k, m));
      expect(abs(normInvHalfRank(k, m) - normInv(k / (2 * m)))).toBeLessThan(1e-12);
    }));
  });
});
