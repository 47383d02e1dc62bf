/**
 * Offline/online feature parity: the pure decision core. The caller loads one session's DWH rows and
 * the online store's vectors for an already chosen ticker sample; this module only decides. No I/O.
 */
import { createHash } from 'node:crypto';
import { lowerBound } from '../util/search';

/** Bad input or options; `field` names the offending field so a CLI can print one actionable line. */
export class ParityInputError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`parity ${field}: ${detail}`);
    this.name = 'ParityInputError';
  }
}

export type FeatureValues = Readonly<Record<string, number | null>>;

export interface OnlineVector {
  asOf: string;
  runId: string;
  values: FeatureValues;
}

export interface ParityInput {
  /** Session date, YYYY-MM-DD. */
  date: string;
  features: readonly string[];
  /** ticker -> DWH row for `date`. */
  offline: ReadonlyMap<string, FeatureValues>;
  /** ticker -> online vector; absent or undefined = missing. */
  online: ReadonlyMap<string, OnlineVector | undefined>;
  tickers: readonly string[];
}

export interface ParityOptions {
  psiThreshold?: number;
  bins?: number;
  minExactMatchRate?: number;
}

export interface FeatureParity {
  feature: string;
  compared: number;
  exactMatches: number;
  exactMatchRate: number;
  psi: number;
  maxAbsDiff: number;
  pass: boolean;
}

export interface ParityReport {
  date: string;
  tickers: number;
  missingOnline: string[];
  staleOnline: string[];
  missingOffline: string[];
  features: FeatureParity[];
  exactMatchRate: number;
  maxPsi: number;
  pass: boolean;
  failures: string[];
}

// minExactMatchRate 0: the acceptance rule is "PSI < 0.2 for every feature"; the exact-match rate is
// reported, and a caller that wants bit-for-bit parity passes 1.
export const PARITY_DEFAULTS: Readonly<Required<ParityOptions>> = { psiThreshold: 0.2, bins: 10, minExactMatchRate: 0 };

// Floor for bin proportions so a bin that is empty on one side gives a large but finite term.
const PSI_EPSILON = 1e-4;
// Failure lines list at most this many tickers; the report's arrays hold all of them.
const MAX_NAMED = 20;

/** Compares the online vectors with the DWH rows of `input.tickers` for `input.date`. */
export function compareParity(input: ParityInput, options: ParityOptions = {}): ParityReport {
  const opts = resolveOptions(options);
  validateInput(input);
  const missingOnline: string[] = [];
  const staleOnline: string[] = [];
  const missingOffline: string[] = [];
  const staleDetail: string[] = [];
  const pairs: Array<[FeatureValues, FeatureValues]> = [];
  for (const ticker of input.tickers) {
    const offline = input.offline.get(ticker);
    const online = input.online.get(ticker);
    if (offline === undefined) missingOffline.push(ticker);
    if (online === undefined) missingOnline.push(ticker);
    else if (online.asOf !== input.date) {
      staleOnline.push(ticker);
      staleDetail.push(`${ticker} (asOf ${online.asOf}, run ${online.runId})`);
    }
    // Stale vectors are left out of the statistics: comparing another day's values says nothing
    // about the serving logic, and staleness already fails the report on its own.
    if (offline !== undefined && online !== undefined && online.asOf === input.date) pairs.push([offline, online.values]);
  }

  const features = input.features.map((feature) => featureParity(feature, pairs, opts));
  const failures: string[] = [];
  if (missingOnline.length > 0) failures.push(`missing online vector for ${named(missingOnline)}`);
  if (missingOffline.length > 0) failures.push(`missing DWH row for ${named(missingOffline)}`);
  if (staleOnline.length > 0) failures.push(`stale online vector (asOf != ${input.date}) for ${named(staleDetail)}`);
  for (const f of features) {
    if (f.compared === 0) failures.push(`feature ${f.feature}: no ticker had both an online vector and a DWH row to compare`);
    if (f.psi >= opts.psiThreshold) failures.push(`feature ${f.feature}: PSI ${f.psi.toFixed(4)} >= ${opts.psiThreshold}`);
    if (f.compared > 0 && f.exactMatchRate < opts.minExactMatchRate) {
      failures.push(`feature ${f.feature}: exact-match rate ${f.exactMatchRate.toFixed(4)} < ${opts.minExactMatchRate} (${f.compared - f.exactMatches} of ${f.compared} differ)`);
    }
  }
  const compared = features.reduce((s, f) => s + f.compared, 0);
  const matches = features.reduce((s, f) => s + f.exactMatches, 0);
  return {
    date: input.date,
    tickers: input.tickers.length,
    missingOnline,
    staleOnline,
    missingOffline,
    features,
    exactMatchRate: compared === 0 ? 0 : matches / compared,
    maxPsi: Math.max(...features.map((f) => f.psi)),
    pass: failures.length === 0,
    failures,
  };
}

function featureParity(feature: string, pairs: ReadonlyArray<[FeatureValues, FeatureValues]>, opts: Required<ParityOptions>): FeatureParity {
  const offline = new Float64Array(pairs.length);
  const online = new Float64Array(pairs.length);
  let exactMatches = 0;
  let maxAbsDiff = 0;
  pairs.forEach(([off, on], i) => {
    offline[i] = asNumber(off[feature]);
    online[i] = asNumber(on[feature]);
    // Both missing is a match; otherwise float64 equality (=== already treats -0 and +0 as equal).
    if (Number.isNaN(offline[i]) ? Number.isNaN(online[i]) : offline[i] === online[i]) exactMatches++;
    // Only numeric gaps: null-vs-value shows in the match rate and the PSI's missing bin instead.
    if (Number.isFinite(offline[i]) && Number.isFinite(online[i])) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(offline[i] - online[i]));
  });
  const compared = pairs.length;
  const exactMatchRate = compared === 0 ? 0 : exactMatches / compared;
  const psi = populationStabilityIndex(offline, online, opts.bins);
  // Nothing compared is not evidence of parity, so such a feature cannot pass.
  const pass = compared > 0 && psi < opts.psiThreshold && exactMatchRate >= opts.minExactMatchRate;
  return { feature, compared, exactMatches, exactMatchRate, psi, maxAbsDiff, pass };
}

// A column absent from a vector is read as null: online stores commonly drop null fields.
function asNumber(v: number | null | undefined): number {
  return v === null || v === undefined ? Number.NaN : v;
}

/**
 * PSI of `actual` against `expected`: PSI = Σ_bins (a − e)·ln(a / e), with proportions floored at 1e-4.
 * Bins are `bins` quantile intervals of expected's finite values plus one bin for non-finite values
 * (NaN/null/±Infinity), so a feature that turns null shows as drift.
 */
export function populationStabilityIndex(expected: ArrayLike<number>, actual: ArrayLike<number>, bins: number = PARITY_DEFAULTS.bins): number {
  checkBins(bins);
  if (expected.length === 0 && actual.length === 0) return 0;
  if (expected.length === 0) throw new ParityInputError('expected', 'is empty while actual is not');
  if (actual.length === 0) throw new ParityInputError('actual', 'is empty while expected is not');
  const binning = quantileBinning(expected, bins);
  const e = new Float64Array(binning.slots);
  const a = new Float64Array(binning.slots);
  for (let i = 0; i < expected.length; i++) e[binning.slotOf(expected[i])]++;
  for (let i = 0; i < actual.length; i++) a[binning.slotOf(actual[i])]++;
  let psi = 0;
  for (let s = 0; s < binning.slots; s++) {
    const pe = Math.max(e[s] / expected.length, PSI_EPSILON);
    const pa = Math.max(a[s] / actual.length, PSI_EPSILON);
    psi += (pa - pe) * Math.log(pa / pe);
  }
  return psi;
}

/**
 * Cut points are expected's interior quantiles, deduplicated. A cut repeated among the quantiles is
 * a point mass (a constant or market-wide feature, a clipped 0): it gets its own singleton bin with
 * open intervals on both sides, so a shift in either direction is seen. Other cuts split [c, next).
 * Slots: 2i = below/between cuts, 2i+1 = exactly cut i, 2k+1 = non-finite; unused slots are empty
 * on both sides and add 0.
 */
function quantileBinning(expected: ArrayLike<number>, bins: number): { slots: number; slotOf(x: number): number } {
  const sorted = Float64Array.from(Array.prototype.filter.call(expected, Number.isFinite) as number[]).sort();
  const q: number[] = [];
  if (sorted.length > 0) {
    for (let k = 0; k <= bins; k++) {
      const h = ((sorted.length - 1) * k) / bins;
      const j = Math.floor(h);
      const lo = sorted[j];
      const hi = sorted[Math.min(j + 1, sorted.length - 1)];
      // Clamped lerp: exact at ties, no overflow between huge opposite-sign values.
      q.push(lo === hi ? lo : Math.min(Math.max((1 - (h - j)) * lo + (h - j) * hi, lo), hi));
    }
  }
  const multiplicity = new Map<number, number>();
  for (const v of q) multiplicity.set(v, (multiplicity.get(v) ?? 0) + 1);
  const cuts = [...new Set(q.slice(1, -1))].sort((x, y) => x - y);
  const pointMass = cuts.map((c) => (multiplicity.get(c) ?? 0) > 1);
  const k = cuts.length;
  return {
    slots: 2 * k + 2,
    slotOf(x: number): number {
      if (!Number.isFinite(x)) return 2 * k + 1;
      const i = lowerBound(cuts, x);
      if (i < k && cuts[i] === x) return pointMass[i] ? 2 * i + 1 : 2 * i + 2;
      return 2 * i;
    },
  };
}

/**
 * A deterministic sample: tickers ranked by sha256(seed, ticker), the first `sample` kept, returned
 * sorted. Hash ranking makes samples nested (n ⊂ n+1) and stable when unrelated tickers list/delist.
 */
export function sampleTickers(all: readonly string[], sample: number | 'all', seed: string): string[] {
  if (sample !== 'all' && !(Number.isInteger(sample) && sample >= 1)) {
    throw new ParityInputError('sample', `expected an integer >= 1 or 'all', got ${JSON.stringify(sample)}`);
  }
  const unique = [...new Set(all)];
  const chosen = sample === 'all' || sample >= unique.length
    ? unique
    : unique
      .map((ticker) => ({ ticker, rank: createHash('sha256').update(seed).update('\0').update(ticker).digest('hex') }))
      .sort((x, y) => (x.rank < y.rank ? -1 : x.rank > y.rank ? 1 : 0))
      .slice(0, sample)
      .map((r) => r.ticker);
  // Code-unit order, not localeCompare: the same sample must print identically on every host.
  return chosen.sort();
}

function resolveOptions(options: ParityOptions): Required<ParityOptions> {
  const opts = { ...PARITY_DEFAULTS, ...stripUndefined(options) };
  if (!(Number.isFinite(opts.psiThreshold) && opts.psiThreshold > 0)) {
    throw new ParityInputError('psiThreshold', `expected a finite number > 0, got ${opts.psiThreshold}`);
  }
  checkBins(opts.bins);
  if (!(opts.minExactMatchRate >= 0 && opts.minExactMatchRate <= 1)) {
    throw new ParityInputError('minExactMatchRate', `expected a number in [0, 1], got ${opts.minExactMatchRate}`);
  }
  return opts;
}

function stripUndefined(options: ParityOptions): ParityOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function checkBins(bins: number): void {
  if (!(Number.isInteger(bins) && bins >= 2)) throw new ParityInputError('bins', `expected an integer >= 2, got ${bins}`);
}

function validateInput(input: ParityInput): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.date);
  const d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : undefined;
  if (!m || !d || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) {
    throw new ParityInputError('date', `expected a calendar date YYYY-MM-DD, got ${JSON.stringify(input.date)}`);
  }
  checkNames('features', input.features);
  checkNames('tickers', input.tickers);
}

function checkNames(field: string, names: readonly string[]): void {
  if (names.length === 0) throw new ParityInputError(field, 'is empty; a parity check over nothing cannot pass');
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || name === '') throw new ParityInputError(field, `contains an empty or non-string name ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new ParityInputError(field, `contains ${JSON.stringify(name)} twice`);
    seen.add(name);
  }
}

function named(items: readonly string[]): string {
  const shown = items.slice(0, MAX_NAMED).join(', ');
  return `${items.length} ticker(s): ${shown}${items.length > MAX_NAMED ? ` (+${items.length - MAX_NAMED} more)` : ''}`;
}
