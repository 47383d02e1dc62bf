import pLimit from 'p-limit';
import type { PipelineContext } from './context';
import { fetchTask, validateTask } from './ingest';
import { loadWarehouse } from './load';
import { runTask, type TaskResult } from './tasks';
import { sectionOf } from '../adjust';
import { adjustTask, advanceChain, featureTasks, labelTasks, loadTransformState, publishOnline } from './transform';

export interface RunReport {
  runId: string;
  dates: string[];
  results: TaskResult[];
  published?: { date: string; vectors: number };
  failed: TaskResult[];
}

/**
 * One run over a set of sessions: fetch → validate → adjust → features → labels → DWH load → publish. Each step works per
 * session partition under the ledger, so a re-run redoes only what failed or whose inputs changed. A session
 * whose upstream failed is left for the next run; later sessions that depend on it wait too.
 */
export async function runPipeline(ctx: PipelineContext, dates: string[], options: { publish: boolean; fetchConcurrency?: number }): Promise<RunReport> {
  const sessions = [...new Set(dates)].sort();
  const results: TaskResult[] = [];
  const taskOptions = {
    runId: ctx.runId, warehouse: ctx.warehouse, logger: ctx.logger, force: ctx.force,
    onResult: (r: TaskResult) => ctx.onResult?.(r),
    afterWrite: ctx.afterWrite ? (t: { step: string; partition: string }) => ctx.afterWrite!(t.step, t.partition) : undefined,
  };
  const run = async (task: Parameters<typeof runTask>[0]) => {
    const result = await runTask(task, taskOptions);
    results.push(result);
    return result;
  };

  // Ingest sessions concurrently (the client bounds requests); validation follows each fetch.
  const limit = pLimit(options.fetchConcurrency ?? 4);
  const validated = new Map<string, string | null>();
  await Promise.all(sessions.map((date) => limit(async () => {
    const fetched = await run(fetchTask(ctx, date));
    if (fetched.outputChecksum === null) return validated.set(date, null);
    const checked = await run(validateTask(ctx, date, fetched.outputChecksum));
    validated.set(date, checked.outputChecksum);
  })));

  // Adjustment chains from one session to the next, so it runs in date order and stops at the first gap.
  const state = await loadTransformState(ctx, sessions[0]);
  for (const date of sessions) {
    const checksum = validated.get(date);
    if (!checksum) break;
    const task = adjustTask(ctx, state, date, checksum, sectionOf);
    const adjusted = await run(task);
    if (adjusted.outputChecksum === null) break;
    await advanceChain(ctx, state, date, task, adjusted.outputChecksum, adjusted.status === 'skipped');
  }
  const ready = sessions.filter((d) => state.chain.has(d));
  if (ready.length > 0) {
    for (const task of featureTasks(ctx, state, ready)) await run(task);
    for (const task of await labelTasks(ctx, state, ready)) await run(task);
  }
  // A DWH of its own (ClickHouse) gets the run's partitions loaded and swapped in; the embedded one reads the lake.
  if (ready.length > 0 && (ctx.warehouse as unknown) !== ctx.lakeSql) results.push(...await loadWarehouse(ctx, results));
  let published: RunReport['published'];
  const last = sessions[sessions.length - 1];
  const featuresOk = results.some((r) => r.step === 'features' && r.partition === last && r.status !== 'failed');
  // Serving must not run ahead of the DWH it is checked against (parity): a failed load holds the publish back.
  const loadFailed = results.some((r) => r.step.startsWith('load_') && r.partition === last && r.status === 'failed');
  if (options.publish && featuresOk && !loadFailed) published = await publishOnline(ctx, last);
  await ctx.lakeSql.refresh();
  return { runId: ctx.runId, dates: sessions, results, published, failed: results.filter((r) => r.status === 'failed') };
}
