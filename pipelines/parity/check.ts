/**
 * The I/O shell of the parity check: reads one session's feature rows from the DWH and the online store's
 * vectors for a ticker sample, decides with compareParity, and records the outcome in the run ledger and as a
 * report object beside the lake.
 */
import { createHash } from 'node:crypto';
import type { LakeSql, LedgerEntry, ObjectStore, OnlineStore, Row, Warehouse } from '../storage/types';
import { compareParity, sampleTickers, type FeatureValues, type OnlineVector, type ParityOptions, type ParityReport } from './parity';

/** Feature-row columns that identify the row rather than being a feature. */
const IDENTITY_COLUMNS = new Set(['ticker', 'date', 'manifest_version', 'run_id', '_run_id', '_ingested_at']);

export interface ParityCheckOptions extends ParityOptions {
  date: string;
  featureSet: string;
  /** Tickers to compare; default 'all'. */
  sample?: number | 'all';
  /** Seeds the sample; default the date (so reruns of a day compare the same tickers). */
  seed?: string;
  /** Restricts the comparison to these features; default every feature column of the DWH rows. */
  features?: readonly string[];
  runId: string;
  now?: () => Date;
}

export interface ParityCheckResult {
  report: ParityReport;
  featureSet: string;
  sampled: string[];
  onlineRunIds: string[];
  reportKey: string;
  ledger: LedgerEntry;
}

export class ParityDataError extends Error {
  constructor(detail: string) {
    super(`parity: ${detail}`);
    this.name = 'ParityDataError';
  }
}

/** The DWH's feature rows of a date, as ticker → values (numbers or null). */
export async function offlineFeatures(warehouse: Warehouse, lakeSql: LakeSql, date: string): Promise<Map<string, FeatureValues>> {
  // The embedded DWH reads the lake through views; refresh them so the latest committed partitions count.
  if ((warehouse as unknown) === lakeSql) await lakeSql.refresh(['features']);
  let rows: Row[];
  try {
    rows = await warehouse.query(`SELECT * FROM features WHERE date = '${date}'`);
  } catch (error) {
    throw new ParityDataError(`cannot read features for ${date} from the warehouse ${warehouse.url}: ${(error as Error).message}`);
  }
  const out = new Map<string, FeatureValues>();
  for (const row of rows) {
    const values: Record<string, number | null> = {};
    for (const [key, value] of Object.entries(row)) {
      if (IDENTITY_COLUMNS.has(key)) continue;
      values[key] = typeof value === 'number' ? value : value === null ? null : Number(value);
    }
    out.set(String(row.ticker), values);
  }
  return out;
}

export async function runParityCheck(stores: { warehouse: Warehouse; lakeSql: LakeSql; online: OnlineStore; objectStore: ObjectStore }, options: ParityCheckOptions): Promise<ParityCheckResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.date)) throw new ParityDataError(`date must be YYYY-MM-DD, got ${JSON.stringify(options.date)}`);
  const offline = await offlineFeatures(stores.warehouse, stores.lakeSql, options.date);
  if (offline.size === 0) throw new ParityDataError(`the warehouse ${stores.warehouse.url} has no feature rows for ${options.date}`);
  const offlineFeatureNames = [...new Set([...offline.values()].flatMap((v) => Object.keys(v)))].sort();
  const features = options.features ? [...options.features] : offlineFeatureNames;
  const unknown = features.filter((f) => !offlineFeatureNames.includes(f));
  if (unknown.length) throw new ParityDataError(`--features: the DWH has no column(s) ${unknown.join(', ')}`);
  const sampled = sampleTickers([...offline.keys()], options.sample ?? 'all', options.seed ?? options.date);
  const vectors = await stores.online.get(options.featureSet, sampled);
  const online = new Map<string, OnlineVector | undefined>(sampled.map((t, i) => [t, vectors[i] && { asOf: vectors[i]!.asOf, runId: vectors[i]!.runId, values: vectors[i]!.values }]));
  const report = compareParity({ date: options.date, features, offline, online, tickers: sampled }, options);
  const onlineRunIds = [...new Set(vectors.flatMap((v) => (v ? [v.runId] : [])))].sort();

  const body = `${JSON.stringify({ featureSet: options.featureSet, onlineRunIds, report }, null, 2)}\n`;
  const reportKey = `reports/parity/date=${options.date}/${options.runId}.json`;
  await stores.objectStore.put(reportKey, body);
  const ledger: LedgerEntry = {
    runId: options.runId,
    step: 'parity',
    partition: options.date,
    status: report.pass ? 'succeeded' : 'failed',
    attempts: 1,
    inputFingerprint: createHash('sha256').update(JSON.stringify([options.featureSet, sampled, features, onlineRunIds])).digest('hex'),
    outputChecksum: createHash('sha256').update(body).digest('hex'),
    rowsIn: sampled.length,
    rowsOut: report.features.length,
    rowsQuarantined: report.missingOnline.length + report.staleOnline.length + report.missingOffline.length,
    startedAt,
    finishedAt: now().toISOString(),
    error: report.pass ? null : report.failures.join('; ').slice(0, 2000),
  };
  await stores.warehouse.record(ledger);
  return { report, featureSet: options.featureSet, sampled, onlineRunIds, reportKey, ledger };
}
