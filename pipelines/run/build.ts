import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { calendarWithJQuants } from '../calendar/source';
import { createJQuantsClient, type JQuantsSource } from '../sources/jquants';
import { openStores } from '../storage';
import type { PipelineContext } from './context';

export type Stores = Awaited<ReturnType<typeof openStores>>;

/** A run id that sorts by start time and is unique across processes. */
export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 8)}`;
}

/**
 * Crash drills: GOGOOKU3_TEST_KILL_AFTER=step:partition SIGKILLs the process after that partition's outputs
 * are written and before the ledger records them — the worst moment to die. Used by the re-run tests.
 */
export function killHook(spec: string | undefined): ((step: string, partition: string) => void) | undefined {
  if (!spec) return undefined;
  return (step, partition) => {
    if (`${step}:${partition}` === spec) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * Wires a pipeline context from the config: the J-Quants client (or a given source), the stores, and the
 * calendar with J-Quants laid over the rules for the window the run needs.
 */
export async function buildContext(config: Config, logger: Logger, options: {
  from: string; to: string; force: boolean; includeExperimental?: boolean; source?: JQuantsSource; stores?: Stores; now?: () => Date;
  /** What the raw data is, for fingerprints; default: the API root and version. */
  sourceId?: string;
}): Promise<{ ctx: PipelineContext; stores: Stores }> {
  const now = options.now ?? (() => new Date());
  const source = options.source ?? createJQuantsClient(config.jquants, { logger });
  const kill = killHook(process.env.GOGOOKU3_TEST_KILL_AFTER);
  // `swap:<dataset>` kills a ClickHouse load after its staging table is verified and before the swap.
  const stores = options.stores ?? await openStores(config, { clickhouse: { beforeSwap: kill && ((dataset) => kill('swap', dataset)) } });
  const from = new Date(Date.parse(`${options.from}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.parse(`${options.to}T00:00:00Z`) + 10 * 86_400_000).toISOString().slice(0, 10);
  const { calendar } = await calendarWithJQuants(source, { from, to }, logger);
  const ctx: PipelineContext = {
    runId: newRunId(now()),
    source,
    sourceId: options.sourceId ?? `${config.jquants.baseUrl}|${config.jquants.apiVersion}`,
    lake: stores.lake,
    lakeSql: stores.lakeSql,
    warehouse: stores.warehouse,
    online: stores.online,
    calendar,
    logger,
    force: options.force,
    maxQuarantineRatio: config.quarantineMaxRatio,
    featureSet: 'default',
    includeExperimental: options.includeExperimental ?? false,
    dividendAdjustment: config.dividendAdjustment,
    now,
    afterWrite: kill,
    handoff: new Map(),
  };
  return { ctx, stores };
}
