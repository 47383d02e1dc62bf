import type { Row } from '../storage/types';
import { readFromPrevious, type PipelineContext } from './context';
import { ADJUSTED_PRICES, featureColumns, labelColumns } from './datasets';
import { contentChecksum, fingerprint } from './fingerprint';
import { computeHistoryFeatures, computeHistoryLabels, featureBlock, featurePlan, type HistoryResult } from './history';
import type { PartitionTask, TaskOutcome } from './tasks';

/** Carried from one session to the next within a run (and rebuilt from the lake and ledger at its start). */
export interface TransformState {
  /** Last known cumulative split factor per ticker, before the session being adjusted. */
  cum: Map<string, number>;
  /** chain(D) = H(adjust/D input, adjust/D output): covers every validated session up to D. */
  chain: Map<string, string>;
  lastChain: string;
}

export const GENESIS = 'genesis';

export async function loadTransformState(ctx: PipelineContext, firstDate: string): Promise<TransformState> {
  const state: TransformState = { cum: new Map(), chain: new Map(), lastChain: GENESIS };
  const earlier = (await ctx.lake.partitions('adjusted_prices')).filter((d) => d < firstDate);
  if (earlier.length === 0) return state;
  const prev = earlier[earlier.length - 1];
  const entry = await ctx.warehouse.lastEntry('adjust', prev);
  if (entry?.status === 'succeeded' && entry.outputChecksum) state.lastChain = fingerprint(entry.inputFingerprint, entry.outputChecksum);
  // A ticker absent on the previous session keeps the factor of its last row, wherever that was.
  await ctx.lakeSql.refresh(['adjusted_prices']);
  const rows = await ctx.lakeSql.query(`SELECT ticker, arg_max(cum_factor, date) AS cum FROM adjusted_prices WHERE date < DATE '${firstDate}' GROUP BY ticker`);
  for (const r of rows) state.cum.set(String(r.ticker), Number(r.cum));
  return state;
}

/** Pure: the adjusted rows of one session from its validated rows and the factors carried so far. */
export function adjustSession(validated: readonly Row[], listed: readonly Row[], cum: Map<string, number>, sectionOf: (marketCode: string | null, date: string) => string | null): { rows: Row[]; cum: Map<string, number> } {
  const market = new Map(listed.map((r) => [String(r.ticker), r.market_code === null ? null : String(r.market_code)]));
  const sector33 = new Map(listed.map((r) => [String(r.ticker), typeof r.sector33_code === 'string' ? r.sector33_code : null]));
  const next = new Map(cum);
  const rows = validated.map((v) => {
    const ticker = String(v.ticker);
    const factor = typeof v.adjustment_factor === 'number' && v.adjustment_factor > 0 ? v.adjustment_factor : 1;
    const c = (next.get(ticker) ?? 1) * factor;
    next.set(ticker, c);
    return {
      ticker, date: v.date, open: v.open, high: v.high, low: v.low, close: v.close, volume: v.volume, turnover_value: v.turnover_value ?? null,
      adjustment_factor: factor, cum_factor: c, upper_limit: v.upper_limit ?? null, lower_limit: v.lower_limit ?? null,
      section: sectionOf(market.get(ticker) ?? null, String(v.date)), sector33: sector33.get(ticker) ?? null,
    } as Row;
  });
  return { rows, cum: next };
}

export function adjustTask(ctx: PipelineContext, state: TransformState, date: string, validateChecksum: string, sectionOf: (code: string | null, date: string) => string | null): PartitionTask {
  const input = fingerprint('adjust@2', date, validateChecksum, state.lastChain);
  return {
    step: 'adjust',
    partition: date,
    inputFingerprint: input,
    async run(): Promise<TaskOutcome> {
      const validated = await readFromPrevious(ctx, 'validated_prices', date);
      const listed = await readFromPrevious(ctx, 'validated_listed_info', date);
      const { rows, cum } = adjustSession(validated, listed, state.cum, sectionOf);
      await ctx.lake.writePartition('adjusted_prices', date, ADJUSTED_PRICES, rows, { runId: ctx.runId, inputFingerprint: input });
      state.cum = cum;
      return { rowsIn: validated.length, rowsOut: rows.length, rowsQuarantined: 0, outputChecksum: contentChecksum(rows, ['ticker']) };
    },
  };
}

/** Call after an adjust task finished (run or skipped): advances the chain, and the carried factors on a skip. */
export async function advanceChain(ctx: PipelineContext, state: TransformState, date: string, task: PartitionTask, outputChecksum: string, skipped: boolean): Promise<void> {
  if (skipped) {
    for (const r of (await ctx.lake.readPartition('adjusted_prices', date)) ?? []) state.cum.set(String(r.ticker), Number(r.cum_factor));
  }
  state.lastChain = fingerprint(task.inputFingerprint, outputChecksum);
  state.chain.set(date, state.lastChain);
}

/**
 * Feature partitions of the sessions given. The sessions of one block (a quarter: they share a window start)
 * are computed together, once, and only if some partition of the block needs it.
 */
export function featureTasks(ctx: PipelineContext, state: TransformState, dates: string[]): PartitionTask[] {
  const plan = featurePlan(ctx.includeExperimental, ctx.dividendAdjustment);
  const blocks = new Map<string, { dates: string[]; result?: Promise<HistoryResult> }>();
  for (const date of dates) {
    const key = featureBlock(date);
    const block = blocks.get(key);
    if (block) block.dates.push(date);
    else blocks.set(key, { dates: [date] });
  }
  const load = (date: string) => {
    const block = blocks.get(featureBlock(date))!;
    return (block.result ??= computeHistoryFeatures(ctx, plan, block.dates));
  };
  return dates.map((date) => {
    const input = fingerprint('features@1', plan.fingerprint, state.chain.get(date));
    return {
      step: 'features',
      partition: date,
      inputFingerprint: input,
      async run(): Promise<TaskOutcome> {
        const rows = (await load(date)).rowsFor(date, { manifest_version: plan.version });
        await ctx.lake.writePartition('features', date, featureColumns(plan.names), rows, { runId: ctx.runId, inputFingerprint: input });
        return { rowsIn: rows.length, rowsOut: rows.length, rowsQuarantined: 0, outputChecksum: contentChecksum(rows, ['ticker']) };
      },
    };
  });
}

/**
 * Labels of session D need the closes of D+1 … D+h, so they are written once session D+h is adjusted, in their own
 * dataset: a feature of date D can never see them.
 */
export async function labelTasks(ctx: PipelineContext, state: TransformState, dates: string[]): Promise<PartitionTask[]> {
  const adjusted = new Set(await ctx.lake.partitions('adjusted_prices'));
  const plan = featurePlan(false, ctx.dividendAdjustment);
  const horizon = plan.labelHorizon;
  const last = dates[dates.length - 1];
  const targets: string[] = [];
  // Every session whose horizon ends inside this run: from `horizon` sessions before the first date.
  let d = dates[0];
  for (let i = 0; i < horizon; i += 1) d = ctx.calendar.prev(d);
  for (; d <= ctx.calendar.addSessions(last, -horizon); d = ctx.calendar.next(d)) targets.push(d);
  // Sessions before the stored history have no prices to label.
  const labelled = targets.filter((date) => adjusted.has(date));
  let history: Promise<HistoryResult> | undefined;
  const load = () => (history ??= computeHistoryLabels(ctx, plan, labelled[0], last));
  return labelled.flatMap((date) => {
    const end = ctx.calendar.addSessions(date, horizon);
    const endChain = state.chain.get(end);
    if (!endChain) return [];
    const input = fingerprint('labels@1', plan.labelsFingerprint, endChain);
    return [{
      step: 'labels',
      partition: date,
      inputFingerprint: input,
      async run(): Promise<TaskOutcome> {
        const rows = (await load()).rowsFor(date);
        await ctx.lake.writePartition('labels', date, labelColumns(plan.labelNames), rows, { runId: ctx.runId, inputFingerprint: input });
        return { rowsIn: rows.length, rowsOut: rows.length, rowsQuarantined: 0, outputChecksum: contentChecksum(rows, ['ticker']) };
      },
    }];
  });
}

export async function publishOnline(ctx: PipelineContext, date: string): Promise<{ date: string; vectors: number }> {
  const plan = featurePlan(ctx.includeExperimental, ctx.dividendAdjustment);
  const rows = (await ctx.lake.readPartition('features', date)) ?? [];
  await ctx.online.publish(ctx.featureSet, rows.map((r) => ({
    ticker: String(r.ticker), asOf: date, runId: ctx.runId, manifestVersion: plan.version,
    values: Object.fromEntries(plan.names.map((n) => [n, typeof r[n] === 'number' && Number.isFinite(r[n]) ? (r[n] as number) : null])),
  })));
  return { date, vectors: rows.length };
}
