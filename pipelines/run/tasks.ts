import type { Logger } from 'pino';
import type { LedgerEntry, StepStatus, Warehouse } from '../storage/types';

/** What a step did to one partition. */
export interface TaskOutcome {
  rowsIn: number;
  rowsOut: number;
  rowsQuarantined: number;
  /** Content checksum of what it wrote: the next step's fingerprint is built from it. */
  outputChecksum: string;
}

export interface PartitionTask {
  step: string;
  partition: string;
  inputFingerprint: string;
  run(): Promise<TaskOutcome>;
}

export interface TaskResult {
  step: string;
  partition: string;
  status: Exclude<StepStatus, 'running'>;
  outputChecksum: string | null;
  outcome?: TaskOutcome;
  error?: string;
  durationMs: number;
}

export interface TaskRunnerOptions {
  runId: string;
  warehouse: Warehouse;
  logger: Logger;
  /** Redo partitions even when the ledger says they are done with the same inputs. */
  force: boolean;
  /** Observes each executed task (metrics). */
  onResult?: (result: TaskResult) => void;
  /** Test hook: called after a task's outputs are written and before the ledger says so (a kill here is a crash). */
  afterWrite?: (task: PartitionTask) => void;
}

/** The decision a re-run makes per partition: pure, from the last ledger entry. */
export function shouldSkip(last: LedgerEntry | undefined, inputFingerprint: string, force: boolean): boolean {
  return !force && last?.status === 'succeeded' && last.inputFingerprint === inputFingerprint && last.outputChecksum !== null;
}

/**
 * Runs one partition task under the ledger: skipped when already done with the same inputs; otherwise
 * recorded as running, then succeeded or failed. A crash leaves `running`, which a re-run treats as not done.
 */
export async function runTask(task: PartitionTask, options: TaskRunnerOptions): Promise<TaskResult> {
  const { warehouse, runId, logger } = options;
  const last = await warehouse.lastEntry(task.step, task.partition);
  const started = Date.now();
  if (shouldSkip(last, task.inputFingerprint, options.force)) {
    return { step: task.step, partition: task.partition, status: 'skipped', outputChecksum: last!.outputChecksum, durationMs: 0 };
  }
  const attempts = last && last.status !== 'succeeded' ? last.attempts + 1 : 1;
  const entry: LedgerEntry = {
    runId, step: task.step, partition: task.partition, status: 'running', attempts, inputFingerprint: task.inputFingerprint,
    outputChecksum: null, rowsIn: 0, rowsOut: 0, rowsQuarantined: 0, startedAt: new Date(started).toISOString(), finishedAt: null, error: null,
  };
  await warehouse.record(entry);
  let result: TaskResult;
  try {
    const outcome = await task.run();
    options.afterWrite?.(task);
    await warehouse.record({ ...entry, status: 'succeeded', outputChecksum: outcome.outputChecksum, rowsIn: outcome.rowsIn, rowsOut: outcome.rowsOut, rowsQuarantined: outcome.rowsQuarantined, finishedAt: new Date().toISOString() });
    result = { step: task.step, partition: task.partition, status: 'succeeded', outputChecksum: outcome.outputChecksum, outcome, durationMs: Date.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await warehouse.record({ ...entry, status: 'failed', finishedAt: new Date().toISOString(), error: message.slice(0, 2000) });
    logger.error({ step: task.step, partition: task.partition, attempts, err: message }, 'step failed');
    result = { step: task.step, partition: task.partition, status: 'failed', outputChecksum: null, error: message, durationMs: Date.now() - started };
  }
  options.onResult?.(result);
  return result;
}
