import type { Logger } from 'pino';
import type { TseCalendar } from '../calendar';
import type { JQuantsSource } from '../sources/jquants';
import type { Dataset, Lake, LakeSql, OnlineStore, Row, Warehouse } from '../storage/types';
import type { TaskResult } from './tasks';

/** Everything a pipeline run works with, received as parameters (tests pass real local servers and stores). */
export interface PipelineContext {
  runId: string;
  source: JQuantsSource;
  /** Identifies the source in fingerprints (a different API root means different raw data). */
  sourceId: string;
  lake: Lake;
  /** SQL over the lake (DuckDB dialect): what steps read history through. */
  lakeSql: LakeSql;
  /** The DWH (tables for users, the run ledger). */
  warehouse: Warehouse;
  online: OnlineStore;
  calendar: TseCalendar;
  logger: Logger;
  force: boolean;
  /** Overrides the contracts' own quarantine thresholds. */
  maxQuarantineRatio?: number;
  /** Feature set name in the online store. */
  featureSet: string;
  includeExperimental: boolean;
  /** `total_return`: fetch cash dividends and compute features on total-return prices. */
  dividendAdjustment: 'none' | 'total_return';
  now(): Date;
  onResult?(result: TaskResult): void;
  /** Test hook: a kill after a write and before the ledger entry. */
  afterWrite?(step: string, partition: string): void;
  /**
   * Partitions written in this run, handed to the next step without a read back from the lake; each entry is
   * taken out when used. A re-run that skipped the writer reads from the lake instead.
   */
  handoff: Map<string, Row[]>;
  /** Counts contract violations for metrics. */
  onViolations?(contract: string, byRule: Record<string, number>): void;
}

/** Writes a partition and keeps its rows for the next step of this run. */
export async function writeForNext(ctx: PipelineContext, dataset: Dataset, date: string, columns: Parameters<Lake['writePartition']>[2], rows: Row[], inputFingerprint: string): Promise<void> {
  await ctx.lake.writePartition(dataset, date, columns, rows, { runId: ctx.runId, inputFingerprint });
  ctx.handoff.set(`${dataset}/${date}`, rows);
}

/** The rows a previous step of this run wrote, else the committed partition (empty when there is none). */
export async function readFromPrevious(ctx: PipelineContext, dataset: Dataset, date: string): Promise<Row[]> {
  const key = `${dataset}/${date}`;
  const held = ctx.handoff.get(key);
  if (held) {
    ctx.handoff.delete(key);
    return held;
  }
  return (await ctx.lake.readPartition(dataset, date)) ?? [];
}
