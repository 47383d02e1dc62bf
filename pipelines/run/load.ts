import { DWH_DATASETS } from '../storage/clickhouse-support';
import type { Dataset, LedgerEntry, PartitionManifest, Row } from '../storage/types';
import type { PipelineContext } from './context';
import { contentChecksum, fingerprint } from './fingerprint';
import { shouldSkip, type TaskResult } from './tasks';

/** The step whose ledger entry describes a DWH dataset's partition of a date. */
export const PRODUCER: Record<(typeof DWH_DATASETS)[number], string> = { adjusted_prices: 'adjust', features: 'features', labels: 'labels' };

export const loadStep = (dataset: Dataset) => `load_${dataset}`;

/**
 * The quality gate (seed §13): a date's partition of a dataset is promoted to the DWH only when this run's
 * steps for that date all passed — nothing failed upstream (fetch, validate with its quarantine threshold,
 * adjust) or in the producer itself — and the producer's ledger entry says it succeeded.
 */
export function promotable(results: readonly TaskResult[], producer: LedgerEntry | undefined, date: string): { ok: true } | { ok: false; reason: string } {
  const failed = results.filter((r) => r.partition === date && r.status === 'failed');
  if (failed.length) return { ok: false, reason: `quality gate: ${failed.map((r) => r.step).join(', ')} failed for ${date}` };
  if (!producer || producer.status !== 'succeeded' || !producer.outputChecksum) return { ok: false, reason: `quality gate: no succeeded ${producer?.step ?? 'producer'} entry for ${date} in the ledger` };
  return { ok: true };
}

/** The DWH rows of a date must carry exactly the content the producing step recorded in the ledger. */
export function ledgerVerifier(producers: ReadonlyMap<string, LedgerEntry>): (date: string, rows: Row[]) => string | null {
  return (date, rows) => {
    const expected = producers.get(date)?.outputChecksum;
    const actual = contentChecksum(rows, ['ticker']);
    return expected === actual ? null : `content checksum ${actual.slice(0, 12)}… differs from the ledger's ${String(expected).slice(0, 12)}…`;
  };
}

/**
 * Loads the run's sessions into the DWH, one dataset at a time, each with one atomic swap. Per (dataset,
 * date) the ledger gets a `load_<dataset>` entry: skipped when that exact partition (same checksum) is already
 * loaded, failed (with the reason) when the gate or the load failed, so the next run redoes only those.
 */
export async function loadWarehouse(ctx: PipelineContext, results: readonly TaskResult[]): Promise<TaskResult[]> {
  const out: TaskResult[] = [];
  for (const dataset of DWH_DATASETS) {
    const step = loadStep(dataset);
    // The sessions this run produced (or found already produced) for the dataset: labels trail the features by
    // their horizon, so their dates differ from the run's sessions.
    const dates = [...new Set(results.filter((r) => r.step === PRODUCER[dataset]).map((r) => r.partition))].sort();
    const pending: Array<{ date: string; manifest: PartitionManifest; entry: LedgerEntry }> = [];
    const producers = new Map<string, LedgerEntry>();
    const started = Date.now();
    for (const date of dates) {
      const producer = await ctx.warehouse.lastEntry(PRODUCER[dataset], date);
      const manifest = await ctx.lake.manifest(dataset, date);
      const gate = promotable(results, producer, date);
      const inputFingerprint = fingerprint(step, manifest?.checksum ?? 'none', producer?.outputChecksum ?? 'none');
      const last = await ctx.warehouse.lastEntry(step, date);
      if (gate.ok && manifest && shouldSkip(last, inputFingerprint, ctx.force)) {
        out.push({ step, partition: date, status: 'skipped', outputChecksum: last!.outputChecksum, durationMs: 0 });
        continue;
      }
      const entry: LedgerEntry = {
        runId: ctx.runId, step, partition: date, status: 'running', attempts: last && last.status !== 'succeeded' ? last.attempts + 1 : 1,
        inputFingerprint, outputChecksum: null, rowsIn: manifest?.rows ?? 0, rowsOut: 0, rowsQuarantined: 0,
        startedAt: new Date(started).toISOString(), finishedAt: null, error: null,
      };
      if (!gate.ok || !manifest) {
        const error = gate.ok ? `no committed ${dataset} partition for ${date}` : gate.reason;
        await ctx.warehouse.record({ ...entry, status: 'failed', finishedAt: new Date().toISOString(), error });
        out.push({ step, partition: date, status: 'failed', outputChecksum: null, error, durationMs: 0 });
        continue;
      }
      producers.set(date, producer!);
      pending.push({ date, manifest, entry });
    }
    if (pending.length === 0) continue;
    for (const p of pending) await ctx.warehouse.record(p.entry);
    try {
      const result = await ctx.warehouse.load({
        dataset, runId: ctx.runId, dates: pending.map((p) => p.date), partitions: pending.map((p) => p.manifest), verify: ledgerVerifier(producers),
      }, ctx.lake);
      ctx.logger.info({ dataset, dates: pending.length, rowsLoaded: result.rowsLoaded, rowsTotal: result.rowsTotal, swap: result.swap }, 'warehouse load');
      for (const p of pending) {
        await ctx.warehouse.record({ ...p.entry, status: 'succeeded', outputChecksum: p.manifest.checksum, rowsOut: p.manifest.rows, finishedAt: new Date().toISOString() });
        out.push({ step, partition: p.date, status: 'succeeded', outputChecksum: p.manifest.checksum, durationMs: Date.now() - started });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.logger.error({ dataset, err: message }, 'warehouse load failed');
      for (const p of pending) {
        await ctx.warehouse.record({ ...p.entry, status: 'failed', finishedAt: new Date().toISOString(), error: message.slice(0, 2000) });
        out.push({ step, partition: p.date, status: 'failed', outputChecksum: null, error: message, durationMs: Date.now() - started });
      }
    }
  }
  for (const r of out) if (r.status !== 'skipped') ctx.onResult?.(r);
  return out;
}
