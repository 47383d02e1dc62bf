/**
 * Cross-sectional transforms: statistics taken across the tickers of one date (optionally one date × one
 * sector group) instead of along one ticker's history.
 *
 * Rows are addressed through a `bucket` per row (date index, or date × group), so the functions work on
 * any PriceFrame-aligned columns regardless of row order. Every transform first groups rows by bucket with
 * a counting sort (O(n)), then works on one bucket at a time in scratch buffers (radix-sorting a copy
 * where it needs ranks or medians; cross-section-stats.ts): a bucket's output depends on that bucket's
 * values only, never on another date's (no look-ahead through pooled statistics), and not on where its
 * rows sit in the arrays. On the order of a second per transform of a 10M-row column (4,000 tickers ×
 * 2,500 dates).
 *
 * Missing values: NaN and ±Infinity are missing. They are left out of every statistic (n counts the finite
 * values only) and their output is NaN. Rows with bucket −1 (no group) are NaN too.
 */

import { demean, ranks, robustZ, Scratch, zscore } from './cross-section-stats';

export { MAD_TO_SIGMA, MEAN_ABS_DEV_TO_SIGMA } from './cross-section-stats';

/** What to compute within each bucket; see transformBuckets. `clip` bounds the result to ±clip (> 0). */
export type CrossSectionSpec =
  | { transform: 'rank' }
  | { transform: 'zscore'; clip?: number }
  | { transform: 'robust_z'; clip: number }
  | { transform: 'rank_gauss' }
  | { transform: 'demean' };

/**
 * Distinct dates, ascending (code-unit order, which is chronological for ISO dates), and each row's index
 * into them.
 *
 * Built for 10M-row frames: rows are date-sorted within a ticker, so the next row's date is almost always
 * the date that followed the previous row's date last time. The function remembers that successor per
 * date and checks it with one string comparison; the hash map is consulted only on a miss (a new ticker,
 * a gap or a first sighting).
 */
export function dateIndexOf(date: readonly string[]): { index: Int32Array; dates: string[] } {
  const n = date.length;
  const index = new Int32Array(n);
  const seen: string[] = []; // first-seen order
  const successor: number[] = [];
  const idOf = new Map<string, number>();
  let lastDate: string | undefined;
  let lastId = -1;
  for (let i = 0; i < n; i++) {
    const d = date[i];
    if (d !== lastDate) {
      const guess = lastId >= 0 ? successor[lastId] : -1;
      let id: number;
      if (guess >= 0 && seen[guess] === d) {
        id = guess;
      } else {
        let found = idOf.get(d);
        if (found === undefined) {
          found = seen.length;
          seen.push(d);
          successor.push(-1);
          idOf.set(d, found);
        }
        id = found;
        if (lastId >= 0) successor[lastId] = id;
      }
      lastDate = d;
      lastId = id;
    }
    index[i] = lastId;
  }
  const sorted = sortedIndex(seen, index);
  return { index: sorted.index, dates: sorted.values };
}

/**
 * Distinct non-null labels (e.g. sector33 codes), ascending in code-unit order, and each row's index
 * into them; −1 for a null label.
 */
export function groupIndexOf(labels: ReadonlyArray<string | null>): { index: Int32Array; groups: string[] } {
  const n = labels.length;
  const index = new Int32Array(n);
  const seen: string[] = [];
  const idOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (label == null) {
      index[i] = -1;
      continue;
    }
    let id = idOf.get(label);
    if (id === undefined) {
      id = seen.length;
      seen.push(label);
      idOf.set(label, id);
    }
    index[i] = id;
  }
  const sorted = sortedIndex(seen, index);
  return { index: sorted.index, groups: sorted.values };
}

/** Renumbers first-seen ids (≥ 0; −1 kept) so that the id order is the ascending order of the strings. */
function sortedIndex(seen: string[], index: Int32Array): { index: Int32Array; values: string[] } {
  const order = seen.map((_, k) => k).sort((a, b) => (seen[a] < seen[b] ? -1 : seen[a] > seen[b] ? 1 : 0));
  const rank = new Int32Array(seen.length);
  let identity = true;
  for (let j = 0; j < order.length; j++) {
    rank[order[j]] = j;
    if (order[j] !== j) identity = false;
  }
  if (!identity) {
    for (let i = 0; i < index.length; i++) if (index[i] >= 0) index[i] = rank[index[i]];
  }
  return { index, values: order.map((k) => seen[k]) };
}

/**
 * One bucket per date, or per date × group when `groupIndex` is given: bucket = date·nGroups + group.
 * `count` is the number of possible buckets (nDates, or nDates·nGroups; some may be empty). A row with
 * group −1 (or date −1) gets bucket −1 and is left out of every cross-section. nGroups defaults to
 * max(groupIndex) + 1.
 */
export function bucketsOf(
  dateIndex: Int32Array, nDates: number, groupIndex?: Int32Array, nGroups?: number,
): { bucket: Int32Array; count: number } {
  const n = dateIndex.length;
  checkCount('nDates', nDates);
  for (let i = 0; i < n; i++) {
    if (dateIndex[i] >= nDates || dateIndex[i] < -1) throw new RangeError(`dateIndex[${i}] = ${dateIndex[i]} is outside 0..${nDates - 1}`);
  }
  if (groupIndex === undefined) return { bucket: Int32Array.from(dateIndex), count: nDates };
  if (groupIndex.length !== n) throw new RangeError(`groupIndex has ${groupIndex.length} rows, dateIndex ${n}`);
  let groups = nGroups;
  if (groups === undefined) {
    groups = 0;
    for (let i = 0; i < n; i++) if (groupIndex[i] >= groups) groups = groupIndex[i] + 1;
  }
  checkCount('nGroups', groups);
  const count = nDates * groups;
  if (count > 0x7fffffff) throw new RangeError(`${nDates} dates × ${groups} groups is too many buckets`);
  const bucket = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = groupIndex[i];
    if (g >= groups || g < -1) throw new RangeError(`groupIndex[${i}] = ${g} is outside 0..${groups - 1}`);
    const d = dateIndex[i];
    bucket[i] = g < 0 || d < 0 ? -1 : d * groups + g;
  }
  return { bucket, count };
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * Rows ordered by bucket (a stable counting sort): row i sits at position pos[i] (−1 for bucket −1), and
 * bucket b occupies positions start[b] … start[b+1]−1 in ascending row order.
 *
 * Values are moved into that order by one sequential pass over the rows (scatter) and back by another
 * (gather). With ticker-major frames the rows of one date lie a whole ticker history apart; visiting them
 * directly costs a cache miss per row, while the scatter only keeps one write cursor per bucket hot.
 */
interface Grouping {
  start: Int32Array;
  pos: Int32Array;
  largest: number;
}

function groupRows(bucket: Int32Array, nBuckets: number): Grouping {
  checkCount('nBuckets', nBuckets);
  const n = bucket.length;
  const start = new Int32Array(nBuckets + 1);
  for (let i = 0; i < n; i++) {
    const b = bucket[i];
    if (b >= nBuckets || b < -1) throw new RangeError(`bucket[${i}] = ${b} is outside 0..${nBuckets - 1}`);
    if (b >= 0) start[b + 1]++;
  }
  let largest = 0;
  for (let b = 0; b < nBuckets; b++) {
    if (start[b + 1] > largest) largest = start[b + 1];
    start[b + 1] += start[b];
  }
  const pos = new Int32Array(n);
  const cursor = start.slice(0, nBuckets);
  for (let i = 0; i < n; i++) {
    const b = bucket[i];
    pos[i] = b >= 0 ? cursor[b]++ : -1;
  }
  return { start, pos, largest };
}

function checkSpec(spec: CrossSectionSpec): void {
  switch (spec.transform) {
    case 'rank':
    case 'rank_gauss':
    case 'demean':
      return;
    case 'zscore':
      if (spec.clip !== undefined && !(spec.clip > 0)) throw new RangeError(`zscore clip must be > 0, got ${spec.clip}`);
      return;
    case 'robust_z':
      if (!(spec.clip > 0)) throw new RangeError(`robust_z clip must be > 0, got ${spec.clip}`);
      return;
    default:
      throw new RangeError(`unknown cross-section transform ${(spec as { transform: unknown }).transform}`);
  }
}

/**
 * Applies `spec` to `values` within each bucket and writes the result to `out` (same length; may be
 * `values` itself). See the module comment for missing values and bucket −1.
 *
 * - rank: percentile rank avgRank / n in (0, 1], ties get their average rank (pandas `rank(pct=True)`).
 * - zscore: (x − mean) / population std; NaN if n < 2 or all values are equal; optionally clipped.
 * - robust_z: (x − median) / (1.4826·MAD), clipped to ±clip. When more than half the bucket shares one
 *   value the MAD is 0 although the other values still spread (e.g. many untraded names with a return of
 *   exactly 0); the scale then falls back to 1.2533·mean |x − median|, which estimates σ the same way for
 *   normal data and is 0 only when every value equals the median. NaN if that is 0 too or n < 2.
 * - rank_gauss: Φ⁻¹((avgRank − ½) / n); symmetric ranks give exactly opposite values, a lone value gives 0.
 * - demean: x − bucket mean.
 *
 * Moment-based transforms (zscore, robust_z, demean) scale each bucket by a power of two near its largest
 * magnitude first. That is exact, so results equal the textbook formulas, but sums and squares cannot
 * overflow for huge finite inputs. Their sums run in row order, so permuting rows can change a result in
 * the last bits; rank, robust_z and rank_gauss depend only on the bucket's set of values. A bucket whose
 * values differ only in their last few bits has a mean that is not representable, and its z-scores are
 * rounding noise (still finite and within the clip).
 */
export function transformBuckets(
  values: Float64Array, bucket: Int32Array, nBuckets: number, spec: CrossSectionSpec, out: Float64Array,
): void {
  if (bucket.length !== values.length) throw new RangeError(`bucket has ${bucket.length} rows, values ${values.length}`);
  if (out.length !== values.length) throw new RangeError(`out has ${out.length} rows, values ${values.length}`);
  checkSpec(spec);
  const grouped = groupRows(bucket, nBuckets);
  transformGrouped(values, grouped, spec, out, new Scratch(grouped.largest));
}

/**
 * Cross-sectional normalisation of many feature columns at once (the step before training and behind
 * `features compute --normalize`): each column is transformed per date with `spec` into a new array,
 * inputs untouched. Rows with dateIndex −1 are NaN. The grouping of rows by date and the scratch buffers
 * (about 12 bytes a row) are built once and shared by all columns.
 */
export function normalizeColumns(
  columns: Record<string, Float64Array>, dateIndex: Int32Array, nDates: number, spec: CrossSectionSpec,
): Record<string, Float64Array> {
  checkSpec(spec);
  const n = dateIndex.length;
  for (const [name, col] of Object.entries(columns)) {
    if (col.length !== n) throw new RangeError(`column ${name} has ${col.length} rows, dateIndex ${n}`);
  }
  const grouped = groupRows(dateIndex, nDates);
  const scratch = new Scratch(grouped.largest);
  const result: Record<string, Float64Array> = {};
  for (const [name, col] of Object.entries(columns)) {
    const out = new Float64Array(n);
    transformGrouped(col, grouped, spec, out, scratch);
    result[name] = out;
  }
  return result;
}

function transformGrouped(values: Float64Array, grouped: Grouping, spec: CrossSectionSpec, out: Float64Array, s: Scratch): void {
  const { start, pos } = grouped;
  const n = values.length;
  const nBuckets = start.length - 1;
  const seg = s.segment(start[nBuckets]);
  for (let i = 0; i < n; i++) {
    const p = pos[i];
    if (p >= 0) seg[p] = values[i];
  }
  const { vals, at } = s;
  for (let b = 0; b < nBuckets; b++) {
    const from = start[b];
    const to = start[b + 1];
    let m = 0;
    let maxAbs = 0;
    for (let j = from; j < to; j++) {
      const v = seg[j];
      if (v - v === 0) { // finite
        vals[m] = v;
        at[m] = j;
        m++;
        const a = v < 0 ? -v : v;
        if (a > maxAbs) maxAbs = a;
      }
      seg[j] = NaN;
    }
    if (m === 0) continue;
    // The kernels write the bucket's results back into seg at the positions in `at`.
    switch (spec.transform) {
      case 'rank':
        ranks(m, s, seg, false);
        break;
      case 'rank_gauss':
        ranks(m, s, seg, true);
        break;
      case 'zscore':
        zscore(m, maxAbs, s, seg, spec.clip ?? Infinity);
        break;
      case 'robust_z':
        robustZ(m, maxAbs, s, seg, spec.clip);
        break;
      case 'demean':
        demean(m, maxAbs, s, seg);
        break;
    }
  }
  // Every value was read into seg before this pass, so `out` may be `values`.
  for (let i = 0; i < n; i++) {
    const p = pos[i];
    out[i] = p >= 0 ? seg[p] : NaN;
  }
}
