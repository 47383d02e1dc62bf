/**
 * The feature engine shared by the CLI, the pipeline and the benchmark: named features over a PriceFrame.
 *
 * Series kernels run one pass per ticker over contiguous slices; kernels that share a pass (Bollinger's
 * bands) run once. Cross-sectional features need every ticker of a date, so their bases are computed over
 * the whole frame first; everything else can be produced in ticker batches (`onBatch`), which bounds
 * memory on 10M-row frames to the cross-sectional columns plus one batch.
 */
import { bucketsOf, dateIndexOf, groupIndexOf, transformBuckets } from './cross-section';
import type { CrossSectionFeature, FeatureDef, FlowFeature, FlowSeries, SeriesFeature, SeriesGroup, SeriesInput } from './define';
import { AUX_COLUMNS, rowCount, type AuxColumn, type PriceFrame } from './frame';
import { marketReturns, perRow } from './market-index';
import { nearestNames } from './manifest';
import { FEATURES } from './registry';

/**
 * A weekly investor-type series of the ticker's market section, as visible point-in-time on the session of
 * `rowIndex` (a frame row of ticker `tickerIndex`): only weeks published before that session's close, each
 * in its latest correction published by then, oldest first, at least the last MAX_FLOW_OBSERVATIONS weeks
 * when that many exist. Leading NaN padding reads the same as a shorter series. null when nothing is known.
 *
 * The returned array is only read. Return the same instance while the visible weeks do not change (most
 * rows: a week is published once) and the engine evaluates each flow feature once per instance; never
 * refill one buffer with other weeks, since an instance identical to the previous row's is taken to hold
 * the same values.
 */
export type FlowAccessor = (series: FlowSeries, tickerIndex: number, rowIndex: number) => Float64Array | null;

export interface ComputeContext {
  investorFlows?: FlowAccessor;
}

export interface ComputeOptions {
  /** Cross-sectional features only for these dates (the rest NaN): a daily increment needs one date, not its whole look-back. */
  crossSectionDates?: ReadonlySet<string>;
  /**
   * Receives the features of tickers [tickerFrom, tickerTo) = rows [rowFrom, rowTo) batch after batch instead
   * of one result of full columns. Column arrays are reused by the next batch: copy what must outlive the call.
   */
  onBatch?: (batch: FeatureBatch) => void | Promise<void>;
  /** Rows per batch (whole tickers; a ticker longer than this is a batch of its own). Default 262,144. */
  batchRows?: number;
  /**
   * Worker threads for batches (0: compute on this thread). Flow features (read through a callback) always run
   * on this thread. The results are identical either way; threads pay off from a few hundred thousand rows.
   */
  workers?: number;
}

export interface FeatureBatch {
  tickerFrom: number;
  tickerTo: number;
  rowFrom: number;
  rowTo: number;
  /** One array of rowTo − rowFrom values per requested name. */
  columns: Record<string, Float64Array>;
}

export interface FeatureColumns {
  /** One Float64Array per requested name, aligned with the frame's rows; NaN for warm-up and missing. */
  columns: Record<string, Float64Array>;
}

export class FeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureError';
  }
}

const plural = (n: number, word: string) => `${word}${n === 1 ? 's' : ''}`;

/** Resolves names to definitions; unknown or repeated names and inputs the frame or context lacks are FeatureErrors. */
export function resolveFeatures(names: readonly string[], ctx: ComputeContext = {}, frame?: PriceFrame): FeatureDef[] {
  const unknown = names.filter((n) => !FEATURES.has(n));
  if (unknown.length > 0) {
    const near = nearestNames(unknown[0], [...FEATURES.keys()]);
    throw new FeatureError(`unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}; ${FEATURES.size} are registered (gogooku3 features list)`);
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) throw new FeatureError(`feature ${repeated[0]} is requested twice`);
  const defs = names.map((n) => FEATURES.get(n)!);
  const all = withBases(defs);
  const needFlows = all.filter((d) => d.kind === 'flows').map((d) => d.name);
  if (needFlows.length > 0 && !ctx.investorFlows) {
    throw new FeatureError(`${needFlows.join(', ')} ${plural(needFlows.length, 'need')} weekly investor-type data (investorFlows), which was not supplied`);
  }
  if (frame) {
    const missing = [...unavailableInputs(all, frame)];
    if (missing.length > 0) {
      const [column, users] = missing[0];
      throw new FeatureError(`${users.join(', ')} ${plural(users.length, 'need')} the input column ${column}, which the prices do not have`);
    }
  }
  return defs;
}

/** Input column → the features (of `defs`, bases included) that need it, for columns the frame lacks. */
export function unavailableInputs(defs: readonly FeatureDef[], frame: PriceFrame): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (column: string, name: string) => out.set(column, [...(out.get(column) ?? []), name]);
  for (const d of withBases(defs)) {
    if (d.kind === 'series') for (const c of d.inputs) if ((AUX_COLUMNS as readonly string[]).includes(c) && !frame.aux?.[c as AuxColumn]) add(c, d.name);
    if (d.kind === 'cross_section' && d.by === 'date_sector33' && !frame.sector33) add('sector33', d.name);
  }
  // A cross-sectional feature is unavailable when its base is.
  for (const d of defs) {
    if (d.kind !== 'cross_section') continue;
    for (const [column, users] of out) if (users.includes(d.base) && !users.includes(d.name)) users.push(d.name);
  }
  return out;
}

/** The requested definitions plus the bases of cross-sectional ones. */
export function withBases(defs: readonly FeatureDef[]): FeatureDef[] {
  const out = [...defs];
  for (const d of defs) if (d.kind === 'cross_section' && !out.some((o) => o.name === d.base)) out.push(FEATURES.get(d.base)!);
  return out;
}

/** Per-row inputs of series kernels: frame columns, plus the market return when some kernel reads it. */
export type Inputs = Record<SeriesInput, Float64Array | undefined>;

interface Plan {
  frame: PriceFrame;
  inputs: Inputs;
  ctx: ComputeContext;
  n: number;
}

/**
 * Series features of tickers [k0, k1) into `targets` (name → array whose element 0 is row `offset`): the
 * part of the engine a worker thread runs, so it needs only row offsets and input columns.
 */
export function computeSeriesRange(
  tickerStart: Int32Array, inputs: Partial<Record<SeriesInput, Float64Array>>, series: readonly SeriesFeature[],
  k0: number, k1: number, targets: Record<string, Float64Array>, offset: number,
): void {
  const groups = new Set<SeriesGroup>();
  for (const d of series) groups.add(d.group);
  let scratch = new Float64Array(0);
  for (let k = k0; k < k1; k++) {
    const start = tickerStart[k];
    const end = tickerStart[k + 1];
    if (end === start) continue;
    for (const group of groups) {
      const ins = group.inputs.map((c) => inputs[c]!.subarray(start, end));
      let spare = 0;
      const outs = group.outputs.map((name) => {
        const target = targets[name];
        if (target) return target.subarray(start - offset, end - offset);
        const len = end - start;
        if (scratch.length < (spare + 1) * len) scratch = new Float64Array(Math.max(scratch.length * 2, (spare + 1) * len));
        return scratch.subarray(spare * len, ++spare * len);
      });
      group.compute(ins, outs);
    }
  }
}

export function inputsOf(frame: PriceFrame, defs: readonly FeatureDef[], dates: () => DateIndex): Inputs {
  const aux = (c: AuxColumn) => frame.aux?.[c];
  const inputs: Inputs = {
    open: frame.open, high: frame.high, low: frame.low, close: frame.close, volume: frame.volume,
    turnover: aux('turnover'), upper_limit: aux('upper_limit'), lower_limit: aux('lower_limit'), market_return: undefined,
  };
  if (defs.some((d) => d.kind === 'series' && d.inputs.includes('market_return'))) {
    const { index, dates: list } = dates();
    inputs.market_return = perRow(marketReturns(frame.close, frame.tickerStart, index, list.length).perDate, index);
  }
  return inputs;
}

export interface DateIndex {
  index: Int32Array;
  dates: string[];
}

/**
 * Runs series groups and flow features for tickers [k0, k1) into `targets` (name → array whose element 0
 * is row `offset`). Outputs of a group that are not targets go to a per-ticker scratch buffer.
 */
function computeTickers(plan: Plan, series: readonly SeriesFeature[], flows: readonly FlowFeature[], k0: number, k1: number, targets: Record<string, Float64Array>, offset: number): void {
  const { frame, inputs } = plan;
  computeSeriesRange(frame.tickerStart, inputs as Partial<Record<SeriesInput, Float64Array>>, series, k0, k1, targets, offset);
  if (flows.length > 0) computeFlowRange(plan.ctx.investorFlows!, frame.tickerStart, flows, k0, k1, targets, offset);
}

/** Flow features of tickers [k0, k1) into `targets` (element 0 is row `offset`); runs on the caller's thread. */
export function computeFlowRange(
  accessor: FlowAccessor, tickerStart: Int32Array, flows: readonly FlowFeature[], k0: number, k1: number, targets: Record<string, Float64Array>, offset: number,
): void {
  for (let k = k0; k < k1; k++) {
    for (const d of flows) {
      const out = targets[d.name];
      let seen: Float64Array | null | undefined;
      let value = NaN;
      for (let i = tickerStart[k]; i < tickerStart[k + 1]; i++) {
        const weeks = accessor(d.series, k, i);
        if (weeks !== seen || weeks === null) {
          seen = weeks;
          value = weeks === null ? NaN : d.compute(weeks);
        }
        out[i - offset] = value;
      }
    }
  }
}

const isSeries = (d: FeatureDef): d is SeriesFeature => d.kind === 'series';
const isFlow = (d: FeatureDef): d is FlowFeature => d.kind === 'flows';
const isCross = (d: FeatureDef): d is CrossSectionFeature => d.kind === 'cross_section';

interface Prepared {
  plan: Plan;
  /** Cross-sectional columns (and requested bases), full length. */
  full: Record<string, Float64Array>;
  rest: FeatureDef[];
}

/** Resolves, builds the inputs, and computes the cross-sectional columns (which need every ticker). */
function prepare(frame: PriceFrame, names: readonly string[], ctx: ComputeContext, options: ComputeOptions): Prepared {
  const defs = resolveFeatures(names, ctx, frame);
  const all = withBases(defs);
  const n = rowCount(frame);
  let dateIndex: DateIndex | undefined;
  const dates = () => (dateIndex ??= dateIndexOf(frame.date));
  const plan: Plan = { frame, inputs: inputsOf(frame, all, dates), ctx, n };
  const cross = defs.filter(isCross);
  const full: Record<string, Float64Array> = {};
  if (cross.length > 0) {
    const bases = all.filter((d) => cross.some((c) => c.base === d.name)) as Array<SeriesFeature | FlowFeature>;
    for (const b of bases) full[b.name] = new Float64Array(n);
    computeTickers(plan, bases.filter(isSeries), bases.filter(isFlow), 0, frame.tickers.length, full, 0);
    computeCrossSections(frame, cross, full, dates(), options.crossSectionDates);
    for (const b of bases) if (!names.includes(b.name)) delete full[b.name];
  }
  return { plan, full, rest: defs.filter((d) => !(d.name in full)) };
}

/** Full columns for every requested name, aligned with the frame's rows; NaN for warm-up and missing. */
export function computeFeatures(frame: PriceFrame, names: readonly string[], ctx: ComputeContext = {}, options: Omit<ComputeOptions, 'onBatch' | 'batchRows'> = {}): FeatureColumns {
  const { plan, full, rest } = prepare(frame, names, ctx, options);
  for (const d of rest) full[d.name] = new Float64Array(plan.n);
  computeTickers(plan, rest.filter(isSeries), rest.filter(isFlow), 0, frame.tickers.length, full, 0);
  return { columns: Object.fromEntries(names.map((name) => [name, full[name]])) };
}

/**
 * The same features handed over in ticker batches (options.onBatch); memory is the cross-sectional columns
 * plus one batch. Batches arrive in ticker order and are awaited one at a time (a writer can stream them).
 */
export async function computeFeatureBatches(
  frame: PriceFrame, names: readonly string[], ctx: ComputeContext, options: ComputeOptions & Required<Pick<ComputeOptions, 'onBatch'>>,
): Promise<void> {
  if ((options.workers ?? 0) > 0) {
    // Required here, not imported: parallel.ts builds on this module.
    const { computeFeatureBatchesParallel } = require('./parallel') as typeof import('./parallel');
    return computeFeatureBatchesParallel(frame, names, ctx, options, options.workers!);
  }
  const { plan, full, rest } = prepare(frame, names, ctx, options);
  const series = rest.filter(isSeries);
  const flows = rest.filter(isFlow);
  const batchRows = Math.max(1, options.batchRows ?? 262_144);
  const buffers: Record<string, Float64Array> = {};
  let k0 = 0;
  while (k0 < frame.tickers.length) {
    const rowFrom = frame.tickerStart[k0];
    let k1 = k0 + 1;
    while (k1 < frame.tickers.length && frame.tickerStart[k1 + 1] - rowFrom <= batchRows) k1++;
    const rowTo = frame.tickerStart[k1];
    const len = rowTo - rowFrom;
    const targets: Record<string, Float64Array> = {};
    for (const d of rest) {
      if (!buffers[d.name] || buffers[d.name].length < len) buffers[d.name] = new Float64Array(Math.max(len, batchRows));
      targets[d.name] = buffers[d.name].subarray(0, len);
    }
    computeTickers(plan, series, flows, k0, k1, targets, rowFrom);
    const columns: Record<string, Float64Array> = {};
    for (const name of names) columns[name] = targets[name] ?? full[name].subarray(rowFrom, rowTo);
    await options.onBatch({ tickerFrom: k0, tickerTo: k1, rowFrom, rowTo, columns });
    k0 = k1;
  }
}

/** The buckets each cross-sectional feature is transformed over: per date, or per date and sector33. */
export function crossBuckets(frame: PriceFrame, cross: readonly CrossSectionFeature[], dates: DateIndex, only?: ReadonlySet<string>): Map<CrossSectionFeature, ReturnType<typeof bucketsOf>> {
  let dateIndex = dates.index;
  if (only) {
    const keep = Int32Array.from(dates.dates, (d) => (only.has(d) ? 1 : 0));
    dateIndex = dateIndex.map((d) => (keep[d] ? d : -1));
  }
  const out = new Map<CrossSectionFeature, ReturnType<typeof bucketsOf>>();
  let byDate: ReturnType<typeof bucketsOf> | undefined;
  let bySector: ReturnType<typeof bucketsOf> | undefined;
  for (const d of cross) {
    if (d.by === 'date_sector33') {
      if (!bySector) {
        const groups = groupIndexOf(frame.sector33!);
        bySector = bucketsOf(dateIndex, dates.dates.length, groups.index, groups.groups.length);
      }
      out.set(d, bySector);
    } else {
      out.set(d, (byDate ??= bucketsOf(dateIndex, dates.dates.length)));
    }
  }
  return out;
}

function computeCrossSections(frame: PriceFrame, cross: readonly CrossSectionFeature[], full: Record<string, Float64Array>, dates: DateIndex, only?: ReadonlySet<string>): void {
  for (const [d, buckets] of crossBuckets(frame, cross, dates, only)) {
    const out = new Float64Array(frame.date.length);
    transformBuckets(full[d.base], buckets.bucket, buckets.count, d.spec, out);
    full[d.name] = out;
  }
}
