import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DuckDBInstance, DuckDBTimestampTZValue, DuckDBTypeId, JSDuckDBValueConverter, TIMESTAMPTZ,
  type DuckDBConnection, type DuckDBDataChunk, type DuckDBDoubleVector, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import { fromDuck, quoteIdent, quoteString } from './duck-values';
import { InvalidStoreUrlError } from './errors';
import type { CommittedFile } from './lake';
import { DATASETS, type ColumnarResult, type Dataset, type LakeSql, type LedgerEntry, type Row, type Scalar, type StepStatus, type Warehouse, type WarehouseLoad, type WarehouseLoadResult } from './types';

/** What the warehouse needs from the lake: committed partitions' files on local disk. */
export interface LocalPartitionSource {
  committedFiles(dataset: Dataset): Promise<CommittedFile[]>;
}

/** `duckdb:///abs/path.db` → `/abs/path.db`; `duckdb::memory:` → an in-memory database (tests, dry runs). */
export function duckdbUrlToPath(url: string): string {
  if (url === 'duckdb::memory:' || url === 'duckdb://:memory:') return ':memory:';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidStoreUrlError(url, 'not a URL');
  }
  if (parsed.protocol !== 'duckdb:') throw new InvalidStoreUrlError(url, 'expected duckdb://');
  if (parsed.host) throw new InvalidStoreUrlError(url, 'expected duckdb:///absolute/path (three slashes), not a host');
  const file = decodeURIComponent(parsed.pathname);
  if (!file || file === '/') throw new InvalidStoreUrlError(url, 'no database file path');
  return file;
}

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS run_ledger (
  run_id VARCHAR NOT NULL,
  step VARCHAR NOT NULL,
  "partition" VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  attempts INTEGER NOT NULL,
  input_fingerprint VARCHAR NOT NULL,
  output_checksum VARCHAR,
  rows_in BIGINT NOT NULL,
  rows_out BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  error VARCHAR,
  PRIMARY KEY (run_id, step, "partition")
)`;

const LEDGER_COLUMNS = `run_id, step, "partition", status, attempts, input_fingerprint, output_checksum, rows_in, rows_out,
  rows_quarantined, started_at, finished_at, error`;

const STATUSES: readonly StepStatus[] = ['running', 'succeeded', 'failed', 'skipped'];

/** Column under which read_parquet reports each row's file; unlikely to collide with a dataset column. */
const FILE_COLUMN = '__g3_source_file';

/**
 * The embedded warehouse: one DuckDB file holding the run ledger and one VIEW per dataset over the lake's
 * committed partitions.
 *
 * Views list the committed files explicitly (never a glob), so a half-written partition (data file without
 * manifest) is not in them, and `union_by_name` lets partitions written before a column was added coexist.
 * Every view has a `date DATE` column: the file's own `date` column when the dataset declares one, else (or
 * where a file lacks it) the partition date taken from the file's `date=YYYY-MM-DD/` directory. A dataset with
 * no committed partition has no view (its column set is unknown until one is written); querying it fails
 * with DuckDB's "table does not exist".
 *
 * Calls are serialised on one connection: the ledger's read-modify-write callers expect that order, and a
 * single-process pipeline gains nothing from parallel statements here.
 */
export class DuckDbWarehouse implements Warehouse, LakeSql {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(readonly url: string, private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection, private readonly lake: LocalPartitionSource) {}

  static async open(url: string, lake: LocalPartitionSource): Promise<DuckDbWarehouse> {
    const file = duckdbUrlToPath(url);
    if (file !== ':memory:') await fs.mkdir(path.dirname(file), { recursive: true });
    const instance = await DuckDBInstance.create(file);
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      // Timestamps leave as ISO instants regardless of the host zone; views keep UTC too.
      await connection.run(`SET TimeZone = 'UTC'`).catch(() => undefined);
      await connection.run(LEDGER_DDL);
    } catch (error) {
      connection?.closeSync();
      instance.closeSync();
      throw error;
    }
    return new DuckDbWarehouse(url, instance, connection, lake);
  }

  refresh(datasets: readonly Dataset[] = DATASETS): Promise<void> {
    return this.serial(async (c) => {
      for (const dataset of datasets) {
        if (!(DATASETS as readonly string[]).includes(dataset)) throw new Error(`unknown dataset ${dataset}`);
        const files = await this.lake.committedFiles(dataset);
        const view = quoteIdent(dataset);
        if (files.length === 0) {
          await c.run(`DROP VIEW IF EXISTS ${view}`);
          continue;
        }
        const source = `read_parquet([${files.map((f) => quoteString(f.path)).join(', ')}], ` +
          `hive_partitioning = false, union_by_name = true, filename = ${quoteString(FILE_COLUMN)})`;
        const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
        const names = new Set(described.getRowObjectsJson().map((r) => String(r.column_name).toLowerCase()));
        const fromPath = `CAST(regexp_extract(${quoteIdent(FILE_COLUMN)}, 'date=([0-9]{4}-[0-9]{2}-[0-9]{2})[/\\\\][^/\\\\]*$', 1) AS DATE)`;
        const select = names.has('date')
          ? `SELECT * EXCLUDE (${quoteIdent(FILE_COLUMN)}) REPLACE (COALESCE("date", ${fromPath}) AS "date") FROM ${source}`
          : `SELECT * EXCLUDE (${quoteIdent(FILE_COLUMN)}), ${fromPath} AS "date" FROM ${source}`;
        await c.run(`CREATE OR REPLACE VIEW ${view} AS ${select}`);
      }
    });
  }

  query(sql: string, params?: DuckDBValue[]): Promise<Row[]> {
    return this.serial((c) => readRows(c, sql, params));
  }
  /** query() as columns: DOUBLE columns without NULLs arrive as Float64Array copies of DuckDB's vectors. */
  queryColumns(sql: string): Promise<ColumnarResult> {
    return this.serial((c) => readColumns(c, sql));
  }

  /** The DuckDB warehouse reads the lake through views: a load re-points the dataset's view (one atomic DDL). */
  async load(load: WarehouseLoad): Promise<WarehouseLoadResult> {
    await this.refresh([load.dataset]);
    const rowsLoaded = load.partitions.reduce((n, p) => n + p.rows, 0);
    const exists = await this.query(`SELECT count(*) AS n FROM duckdb_views() WHERE view_name = $1`, [load.dataset]);
    const rowsTotal = Number(exists[0]?.n) > 0 ? Number((await this.query(`SELECT count(*) AS n FROM ${quoteIdent(load.dataset)}`))[0].n) : 0;
    return { dataset: load.dataset, table: load.dataset, rowsLoaded, rowsTotal, swap: 'view' };
  }

  async record(entry: LedgerEntry): Promise<void> {
    checkEntry(entry);
    const values: DuckDBValue[] = [
      entry.runId, entry.step, entry.partition, entry.status, entry.attempts, entry.inputFingerprint, entry.outputChecksum,
      entry.rowsIn, entry.rowsOut, entry.rowsQuarantined, instant(entry.startedAt), entry.finishedAt === null ? null : instant(entry.finishedAt), entry.error,
    ];
    const types: Array<DuckDBType | undefined> = values.map(() => undefined);
    types[10] = TIMESTAMPTZ;
    types[11] = TIMESTAMPTZ;
    await this.serial(async (c) => {
      await c.run(`INSERT INTO run_ledger (${LEDGER_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
        ON CONFLICT (run_id, step, "partition") DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
          input_fingerprint = excluded.input_fingerprint, output_checksum = excluded.output_checksum, rows_in = excluded.rows_in,
          rows_out = excluded.rows_out, rows_quarantined = excluded.rows_quarantined, started_at = excluded.started_at,
          finished_at = excluded.finished_at, error = excluded.error`, values, types as DuckDBType[]);
    });
  }

  /** Latest by when the entry last changed state: finished_at, else started_at (a running entry). */
  async lastEntry(step: string, partition: string): Promise<LedgerEntry | undefined> {
    const rows = await this.query(`SELECT ${LEDGER_COLUMNS} FROM run_ledger WHERE step = $1 AND "partition" = $2
      ORDER BY COALESCE(finished_at, started_at) DESC, started_at DESC, run_id DESC LIMIT 1`, [step, partition]);
    return rows.length ? toEntry(rows[0]) : undefined;
  }

  async ledger(filter: { runId?: string; step?: string; status?: StepStatus } = {}): Promise<LedgerEntry[]> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    add('run_id', filter.runId);
    add('step', filter.step);
    add('status', filter.status);
    const rows = await this.query(`SELECT ${LEDGER_COLUMNS} FROM run_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at, run_id, step, "partition"`, params);
    return rows.map(toEntry);
  }

  /** Releases the database file (and its lock), so another process can open it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private serial<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`warehouse ${this.url} is closed`));
    const next = this.queue.then(() => fn(this.connection));
    this.queue = next.catch(() => undefined);
    return next;
  }
}

async function readColumns(c: DuckDBConnection, sql: string): Promise<ColumnarResult> {
  const result = await c.run(sql);
  const names = result.columnNames();
  const ids = result.columnTypes().map((t) => t.typeId);
  const chunks: DuckDBDataChunk[] = [];
  let rowCount = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    chunks.push(chunk);
    rowCount += chunk.rowCount;
  }
  const columns = names.map((_, ci): Float64Array | Scalar[] => {
    if (ids[ci] === DuckDBTypeId.DOUBLE) {
      const out = new Float64Array(rowCount);
      let at = 0;
      for (const chunk of chunks) {
        const vector = chunk.getColumnVector(ci) as DuckDBDoubleVector;
        const n = chunk.rowCount;
        // The client keeps a vector's values in a Float64Array and its validity bitmap as `data` (absent when no
        // value is NULL): a vector without NULLs is copied in one go. Fields the typings mark private.
        const inner = vector as unknown as { items: Float64Array; validity: { data?: unknown } };
        if (!inner.validity.data && ArrayBuffer.isView(inner.items)) out.set(inner.items.subarray(0, n), at);
        else for (let r = 0; r < n; r++) out[at + r] = vector.getItem(r) ?? NaN;
        at += n;
      }
      return out;
    }
    const out: Scalar[] = new Array(rowCount);
    let at = 0;
    for (const chunk of chunks) {
      for (const value of chunk.convertColumnValues(ci, JSDuckDBValueConverter)) out[at++] = fromDuck(ids[ci], value);
    }
    return out;
  });
  return { rowCount, names, columns };
}

async function readRows(c: DuckDBConnection, sql: string, params?: DuckDBValue[]): Promise<Row[]> {
  const reader = await c.runAndReadAll(sql, params);
  const names = reader.columnNames();
  const ids = reader.columnTypes().map((t) => t.typeId);
  const columns = reader.getColumnsJS();
  const rows: Row[] = new Array(reader.currentRowCount);
  for (let r = 0; r < rows.length; r++) {
    const row: Row = {};
    for (let ci = 0; ci < names.length; ci++) row[names[ci]] = fromDuck(ids[ci], columns[ci][r]);
    rows[r] = row;
  }
  return rows;
}

function instant(iso: string): DuckDBTimestampTZValue {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`ledger timestamp ${JSON.stringify(iso)} is not an ISO instant`);
  return new DuckDBTimestampTZValue(BigInt(ms) * 1000n);
}

function checkEntry(entry: LedgerEntry): void {
  if (!STATUSES.includes(entry.status)) throw new Error(`ledger status ${JSON.stringify(entry.status)} is not one of ${STATUSES.join(', ')}`);
  for (const key of ['attempts', 'rowsIn', 'rowsOut', 'rowsQuarantined'] as const) {
    if (!Number.isSafeInteger(entry[key]) || entry[key] < 0) throw new Error(`ledger ${key} must be a non-negative integer, got ${entry[key]}`);
  }
}

function toEntry(row: Row): LedgerEntry {
  const str = (v: unknown) => (v === null ? null : String(v));
  return {
    runId: String(row.run_id),
    step: String(row.step),
    partition: String(row.partition),
    status: row.status as StepStatus,
    attempts: Number(row.attempts),
    inputFingerprint: String(row.input_fingerprint),
    outputChecksum: str(row.output_checksum),
    rowsIn: Number(row.rows_in),
    rowsOut: Number(row.rows_out),
    rowsQuarantined: Number(row.rows_quarantined),
    startedAt: String(row.started_at),
    finishedAt: str(row.finished_at),
    error: str(row.error),
  };
}
