import type { Logger } from 'pino';
import type { TseCalendar } from '../calendar';
import type { JQuantsSource } from '../sources/jquants';
import type { Lake, OnlineStore, Warehouse } from '../storage/types';
import type { TaskResult } from './tasks';

/** Everything a pipeline run works with, received as parameters (tests pass real local servers and stores). */
export interface PipelineContext {
  runId: string;
  source: JQuantsSource;
  /** Identifies the source in fingerprints (a different API root means different raw data). */
  sourceId: string;
  lake: Lake;
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
  now(): Date;
  onResult?(result: TaskResult): void;
  /** Test hook: a kill after a write and before the ledger entry. */
  afterWrite?(step: string, partition: string): void;
  /** Counts contract violations for metrics. */
  onViolations?(contract: string, byRule: Record<string, number>): void;
}
