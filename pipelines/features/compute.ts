/**
 * The frame API shared by the CLI and the pipeline: named features over a PriceFrame, one pass per ticker.
 */
import { rowCount, type PriceFrame } from './frame';
import { FEATURES, type FeatureDef, type FlowFeature, type SeriesFeature } from './registry';

/**
 * The weekly foreign-investor net purchases (purchases − sales) of the ticker's market section, as visible
 * point-in-time on the session of `rowIndex` (a frame row of ticker `tickerIndex`): only weeks published
 * before that session's close, each in its latest correction published by then, oldest first, at least the
 * last MAX_FLOW_OBSERVATIONS weeks when that many exist. Leading NaN padding (a fixed-length window with
 * fewer weeks published) reads the same as a shorter series. null when nothing is known (unknown section).
 *
 * The returned array is only read. Return the same instance while the visible weeks do not change (most
 * rows: a week is published once) and computeFeatures evaluates each flow feature once per instance; never
 * refill one buffer with other weeks, since an instance identical to the previous row's is taken to hold
 * the same values.
 */
export type FlowAccessor = (tickerIndex: number, rowIndex: number) => Float64Array | null;

export interface ComputeContext {
  investorFlows?: FlowAccessor;
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

/** Resolves names to definitions; unknown names and flow features without an accessor are FeatureErrors. */
export function resolveFeatures(names: readonly string[], ctx: ComputeContext = {}): FeatureDef[] {
  const unknown = names.filter((n) => !FEATURES.has(n));
  if (unknown.length > 0) {
    throw new FeatureError(`unknown feature${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; registered: ${[...FEATURES.keys()].join(', ')}`);
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) throw new FeatureError(`feature ${repeated[0]} is requested twice`);
  const defs = names.map((n) => FEATURES.get(n)!);
  const needFlows = defs.filter((d) => d.kind === 'flows').map((d) => d.name);
  if (needFlows.length > 0 && !ctx.investorFlows) {
    throw new FeatureError(`${needFlows.join(', ')} need${needFlows.length > 1 ? '' : 's'} weekly investor-type data (investorFlows), which was not supplied`);
  }
  return defs;
}

export function computeFeatures(frame: PriceFrame, names: readonly string[], ctx: ComputeContext = {}): FeatureColumns {
  const defs = resolveFeatures(names, ctx);
  const n = rowCount(frame);
  const columns: Record<string, Float64Array> = {};
  for (const d of defs) columns[d.name] = new Float64Array(n);
  const seriesDefs = defs.filter((d): d is SeriesFeature => d.kind === 'series');
  const flowDefs = defs.filter((d): d is FlowFeature => d.kind === 'flows');
  const flowOut = flowDefs.map((d) => columns[d.name]);
  const last = new Float64Array(flowDefs.length);
  for (let k = 0; k < frame.tickers.length; k++) {
    const start = frame.tickerStart[k];
    const end = frame.tickerStart[k + 1];
    if (end === start) continue;
    for (const d of seriesDefs) {
      d.compute(d.inputs.map((c) => frame[c].subarray(start, end)), columns[d.name].subarray(start, end));
    }
    if (flowDefs.length === 0) continue;
    const accessor = ctx.investorFlows!;
    let seen: Float64Array | null | undefined;
    for (let i = start; i < end; i++) {
      const weeks = accessor(k, i);
      if (weeks !== seen || weeks === null) {
        seen = weeks;
        for (let f = 0; f < flowDefs.length; f++) last[f] = weeks === null ? NaN : flowDefs[f].compute(weeks);
      }
      for (let f = 0; f < flowDefs.length; f++) flowOut[f][i] = last[f];
    }
  }
  return { columns };
}
