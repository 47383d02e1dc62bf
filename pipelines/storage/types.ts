/**
 * The narrow interfaces the pipeline writes through. Embedded implementations (local files, DuckDB, a JSON
 * online store) live beside this file; production ones (S3/MinIO, ClickHouse, Redis) plug in behind the same
 * shapes, chosen by config (GOGOOKU3_OBJECT_STORE, GOGOOKU3_DWH, GOGOOKU3_ONLINE_STORE).
 */

export type Scalar = string | number | boolean | null;
export type Row = Record<string, Scalar>;

/** Column types a dataset declares; Parquet and DWH types derive from these. */
export type ColumnType = 'string' | 'date' | 'integer' | 'double' | 'boolean' | 'timestamp';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** The datasets of the lake, each partitioned by session date (`<dataset>/date=YYYY-MM-DD/`). */
export const DATASETS = ['raw_daily_bars', 'raw_listed_info', 'raw_investor_types', 'raw_dividends', 'raw_rejected', 'validated_prices', 'validated_listed_info', 'validated_investor_types', 'quarantine', 'adjusted_prices', 'features', 'labels'] as const;
export type Dataset = (typeof DATASETS)[number];

/** What a committed partition says about itself (`_SUCCESS.json`, written last). */
export interface PartitionManifest {
  dataset: string;
  date: string;
  rows: number;
  /** sha256 of the data file's bytes. */
  checksum: string;
  /** sha256 over the inputs that produced it (see pipelines/run fingerprints). */
  inputFingerprint: string;
  runId: string;
  columns: ColumnSpec[];
  writtenAt: string;
}

/** Object storage: bytes under keys. Writes are atomic per key (temp + rename locally, single PUT on S3). */
export interface ObjectStore {
  readonly url: string;
  put(key: string, data: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** A local filesystem path for the key when the store is local (DuckDB reads Parquet straight from it). */
  localPath?(key: string): string;
}

/**
 * The lake: Parquet partitions of typed rows on an ObjectStore. A partition is visible only once its
 * `_SUCCESS.json` manifest is written, after the data file; a crash in between leaves it invisible.
 */
export interface Lake {
  writePartition(dataset: Dataset, date: string, columns: ColumnSpec[], rows: Row[], meta: { runId: string; inputFingerprint: string }): Promise<PartitionManifest>;
  readPartition(dataset: Dataset, date: string): Promise<Row[] | undefined>;
  manifest(dataset: Dataset, date: string): Promise<PartitionManifest | undefined>;
  /** Committed partition dates of a dataset, ascending. */
  partitions(dataset: Dataset): Promise<string[]>;
}

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

/** One row of the run ledger: one step of one run on one partition. */
export interface LedgerEntry {
  runId: string;
  step: string;
  /** `YYYY-MM-DD` or `YYYY-MM-DD/TICKER`. */
  partition: string;
  status: StepStatus;
  attempts: number;
  inputFingerprint: string;
  outputChecksum: string | null;
  rowsIn: number;
  rowsOut: number;
  rowsQuarantined: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/**
 * SQL (DuckDB dialect) over the lake's committed partitions: what pipeline steps read history through. The
 * embedded warehouse is this engine itself; with ClickHouse as the DWH an in-memory DuckDB over the lake plays it.
 */
export interface LakeSql {
  /** Makes the lake's committed partitions queryable as tables/views named after the datasets. */
  refresh(datasets?: readonly Dataset[]): Promise<void>;
  query(sql: string): Promise<Row[]>;
  /** The same result as columns (large reads: no row objects); DOUBLE columns as Float64Array, NULL as NaN. */
  queryColumns(sql: string): Promise<ColumnarResult>;
}

/** The run ledger: one row per (run, step, partition); a re-run reads the latest entry per (step, partition). */
export interface RunLedger {
  /** The latest entry for (step, partition), if any. */
  lastEntry(step: string, partition: string): Promise<LedgerEntry | undefined>;
  record(entry: LedgerEntry): Promise<void>;
  ledger(filter?: { runId?: string; step?: string; status?: StepStatus }): Promise<LedgerEntry[]>;
}

/** A run's datasets to make visible in the DWH: every date the run touched, with what the lake committed. */
export interface WarehouseLoad {
  dataset: Dataset;
  runId: string;
  /** The lake partitions (manifests) that make up the new table contents for those dates. */
  partitions: PartitionManifest[];
  /** Dates whose old rows are replaced (a date without a partition is emptied). */
  dates: string[];
  /**
   * Checks the rows the DWH holds for a date after staging (read back from it) against what the run recorded;
   * returns the problem, or null. The pipeline compares their content checksum with the run ledger's.
   */
  verify?(date: string, rows: Row[]): string | null;
}

export interface WarehouseLoadResult {
  dataset: Dataset;
  table: string;
  rowsLoaded: number;
  rowsTotal: number;
  /** `exchange` / `rename` on ClickHouse; `view` where the DWH reads the lake directly. */
  swap: 'exchange' | 'rename' | 'view';
}

/**
 * The DWH: tables users query (in its own SQL dialect) plus the run ledger. `load` makes a run's partitions
 * visible atomically — readers see the old table or the new one, never a mix.
 */
export interface Warehouse extends RunLedger {
  /** The configured URL without credentials (safe for logs). */
  readonly url: string;
  /** SQL in the warehouse's dialect (DuckDB or ClickHouse). */
  query(sql: string): Promise<Row[]>;
  /** Loads a run's partitions of one dataset (a DWH over the lake itself only refreshes its view). */
  load(load: WarehouseLoad, source: Lake): Promise<WarehouseLoadResult>;
  close(): Promise<void>;
}

export interface ColumnarResult {
  rowCount: number;
  names: string[];
  columns: Array<Float64Array | Scalar[]>;
}

/** Latest feature vector per ticker, for serving. A publish replaces a feature set's vectors as one unit. */
export interface OnlineVector {
  ticker: string;
  asOf: string;
  runId: string;
  manifestVersion: string;
  values: Record<string, number | null>;
}

export interface OnlineStore {
  readonly url: string;
  publish(featureSet: string, vectors: OnlineVector[]): Promise<void>;
  get(featureSet: string, tickers: readonly string[], features?: readonly string[]): Promise<Array<OnlineVector | undefined>>;
  close(): Promise<void>;
}
