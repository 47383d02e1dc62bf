/**
 * The pure parts of the ClickHouse warehouse: URL parsing and redaction, what a server version supports, and the
 * DDL generated from a dataset's columns for that version.
 */
import { InvalidStoreUrlError } from './errors';
import { redactUrl } from './redis-support';
import type { ColumnSpec, Dataset } from './types';

/** A ClickHouse failure (unreachable, timed out, rejected); `url` and the message never contain the password. */
export class WarehouseError extends Error {
  constructor(readonly url: string, readonly operation: string, detail: string, options?: { cause?: unknown }) {
    super(`warehouse ${url}: ${operation} failed: ${detail}`, options);
    this.name = 'WarehouseError';
  }
}

/** Staged rows that do not match what the lake and the run ledger say was produced; nothing was swapped. */
export class LoadVerificationError extends Error {
  constructor(readonly dataset: string, readonly date: string, detail: string) {
    super(`load of ${dataset} on ${date} not promoted: ${detail}`);
    this.name = 'LoadVerificationError';
  }
}

export interface ClickHouseConnectionInfo {
  /** `http(s)://host:port` for the HTTP interface. */
  httpUrl: string;
  username: string;
  password: string;
  database: string;
  /** The URL with the password replaced by `***`. */
  redacted: string;
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * `clickhouse://[user[:pass]@]host[:port][/db]` (HTTP, default port 8123, user `default`, database `default`);
 * `?secure=true` (or port 8443) uses HTTPS. Errors name the redacted URL only.
 */
export function parseClickHouseUrl(url: string): ClickHouseConnectionInfo {
  let real: URL;
  try {
    real = new URL(url);
  } catch {
    throw new InvalidStoreUrlError(redactUrl(url), 'not a URL');
  }
  const masked = new URL(url);
  if (masked.password) masked.password = '***';
  const redacted = masked.toString();
  const fail = (reason: string): never => {
    throw new InvalidStoreUrlError(redacted, reason);
  };
  if (real.protocol !== 'clickhouse:') fail('expected clickhouse://');
  if (!real.hostname) fail('no host');
  const decode = (text: string, part: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return fail(`${part} is not valid percent-encoding`);
    }
  };
  const database = decode(real.pathname.replace(/^\//, ''), 'the database') || 'default';
  if (!IDENT_RE.test(database)) fail(`database must match ${IDENT_RE.source}, got ${JSON.stringify(database)}`);
  const port = real.port || '8123';
  const secure = real.searchParams.get('secure') === 'true' || port === '8443';
  return {
    httpUrl: `${secure ? 'https' : 'http'}://${real.hostname}:${port}`,
    username: decode(real.username, 'the user name') || 'default',
    password: decode(real.password, 'the password'),
    database,
    redacted,
  };
}

export interface ServerVersion {
  major: number;
  minor: number;
  text: string;
}

export function parseServerVersion(text: string): ServerVersion {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  if (!m) throw new Error(`unrecognised ClickHouse version ${JSON.stringify(text)}`);
  return { major: Number(m[1]), minor: Number(m[2]), text: text.trim() };
}

/** What the DDL and the swap may use on a server; from the version, never probed by trial statements. */
export interface Capabilities {
  /** Table TTL (`TTL date + INTERVAL n YEAR DELETE`): 19.6. */
  ttl: boolean;
  /** LowCardinality without a setting: 19.1; before that (18.12–18.16) only with the experimental flag. */
  lowCardinality: 'ga' | 'experimental' | 'none';
  /** Window functions (`lagInFrame … OVER`): 21.9 without a flag. */
  windowFunctions: boolean;
  /** `EXCHANGE TABLES` (Atomic databases, the default from 20.10). */
  exchangeTables: boolean;
  /** DateTime64: 20.1. */
  dateTime64: boolean;
  /** `FORMAT Parquet` input: 19.12 (not used for loads: RowBinary is exact on every version). */
  parquetInput: boolean;
}

const atLeast = (v: ServerVersion, major: number, minor: number) => v.major > major || (v.major === major && v.minor >= minor);

export function capabilities(version: ServerVersion): Capabilities {
  return {
    ttl: atLeast(version, 19, 6),
    lowCardinality: atLeast(version, 19, 1) ? 'ga' : atLeast(version, 18, 12) ? 'experimental' : 'none',
    windowFunctions: atLeast(version, 21, 9),
    exchangeTables: atLeast(version, 20, 10),
    dateTime64: atLeast(version, 20, 1),
    parquetInput: atLeast(version, 19, 12),
  };
}

export interface TableOptions {
  /** Rows older than this many years are deleted by the server where TTL exists; default 2 (0: no TTL). */
  ttlYears?: number;
  /** Use LowCardinality on servers where it is still experimental (sets the flag per statement); default false. */
  experimentalLowCardinality?: boolean;
}

/** Dictionary-friendly string columns: few distinct values, repeated on every row. */
const LOW_CARDINALITY = new Set(['ticker', 'sector33', 'section', 'manifest_version']);
/** Columns that are never NULL and key the table. */
const KEY_COLUMNS = new Set(['ticker', 'date']);

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function checkIdentifier(name: string, what: string): string {
  if (!IDENT_RE.test(name)) throw new Error(`${what} ${JSON.stringify(name)} must match ${IDENT_RE.source}`);
  return name;
}

/** The ClickHouse type of a dataset column on this server (key columns are NOT NULL, the rest Nullable). */
export function clickhouseType(column: ColumnSpec, caps: Capabilities, options: TableOptions = {}): string {
  const base = ((): string => {
    switch (column.type) {
      case 'string': return 'String';
      case 'date': return 'Date';
      case 'double': return 'Float64';
      case 'integer': return 'Int64';
      case 'boolean': return 'UInt8';
      case 'timestamp':
        if (!caps.dateTime64) throw new Error(`column ${column.name}: timestamps need DateTime64 (ClickHouse 20.1+)`);
        return "DateTime64(3, 'UTC')";
    }
  })();
  const typed = KEY_COLUMNS.has(column.name) ? base : `Nullable(${base})`;
  const lowCardinality = caps.lowCardinality === 'ga' || (caps.lowCardinality === 'experimental' && options.experimentalLowCardinality === true);
  return column.type === 'string' && lowCardinality && LOW_CARDINALITY.has(column.name) ? `LowCardinality(${typed})` : typed;
}

/** Settings a statement needs on this server (the experimental LowCardinality flag on 18.x). */
export function ddlSettings(caps: Capabilities, options: TableOptions = {}): Record<string, 0 | 1> {
  return caps.lowCardinality === 'experimental' && options.experimentalLowCardinality ? { allow_experimental_low_cardinality_type: 1 } : {};
}

/**
 * A dataset table: MergeTree partitioned by month and ordered by (ticker, date); TTL where the server has it.
 * The columns are the lake partitions' own (from the data contracts and the feature manifest).
 */
export function createTableDdl(table: string, columns: readonly ColumnSpec[], caps: Capabilities, options: TableOptions = {}): string {
  checkIdentifier(table, 'table');
  const names = new Set(columns.map((c) => c.name));
  if (!names.has('date')) throw new Error(`table ${table} needs a date column to be partitioned`);
  const order = names.has('ticker') ? '(ticker, date)' : '(date)';
  const body = columns.map((c) => `  ${quoteIdentifier(c.name)} ${clickhouseType(c, caps, options)}`).join(',\n');
  const ttlYears = options.ttlYears ?? 2;
  if (!Number.isInteger(ttlYears) || ttlYears < 0 || ttlYears > 1000) throw new Error(`ttlYears must be a whole number of years 0..1000 (0: no TTL), got ${ttlYears}`);
  const ttl = caps.ttl && ttlYears > 0 ? `\nTTL date + INTERVAL ${ttlYears} YEAR DELETE` : '';
  return `CREATE TABLE ${quoteIdentifier(table)} (\n${body}\n)\nENGINE = MergeTree\nPARTITION BY toYYYYMM(date)\nORDER BY ${order}${ttl}`;
}

/**
 * Daily returns over whatever table is current. A view, not a materialised view: an MV fires on inserts into
 * its source table's name, and loads insert into a staging table that is then swapped in, so an MV would never
 * see them; a view reads the swapped-in table. Modern servers compute from adjusted closes with a window
 * function; older ones read the pipeline's own `returns_1d` (the same close-to-close return).
 */
export function dailyReturnsView(caps: Capabilities): { sql: string; source: string; requires: string[] } {
  if (caps.windowFunctions) {
    return { source: 'adjusted_prices', requires: ['ticker', 'date', 'close'], sql: `CREATE VIEW IF NOT EXISTS daily_returns AS
SELECT ticker, date, close, close / nullIf(lagInFrame(close) OVER w, 0) - 1 AS ret_1d
FROM adjusted_prices
WINDOW w AS (PARTITION BY ticker ORDER BY date ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)` };
  }
  return { source: 'features', requires: ['ticker', 'date', 'returns_1d'], sql: 'CREATE VIEW IF NOT EXISTS daily_returns AS SELECT ticker, date, returns_1d AS ret_1d FROM features' };
}

/** The run ledger: append-only; the latest `version` of a (run, step, partition) is its state. */
export const LEDGER_TABLE_DDL = `CREATE TABLE IF NOT EXISTS run_ledger (
  run_id String,
  step String,
  partition String,
  status String,
  attempts UInt32,
  input_fingerprint String,
  output_checksum Nullable(String),
  rows_in UInt64,
  rows_out UInt64,
  rows_quarantined UInt64,
  started_at String,
  finished_at Nullable(String),
  error Nullable(String),
  version UInt64
)
ENGINE = MergeTree
ORDER BY (step, partition, run_id, version)`;

/** The datasets the DWH serves as tables (the rest stay in the lake, queryable through the embedded engine). */
export const DWH_DATASETS = ['adjusted_prices', 'features', 'labels'] as const satisfies readonly Dataset[];

/** Names a load uses beside the live table; leftovers of a crashed load share the prefix and are dropped. */
export function loadTableNames(table: string, runId: string): { staging: string; old: string; leftoverPrefix: string } {
  const suffix = runId.replace(/[^A-Za-z0-9]/g, '').slice(-24);
  return { staging: `${table}__staging_${suffix}`, old: `${table}__old_${suffix}`, leftoverPrefix: `${table}__` };
}

/** The statement that swaps a verified staging table in: one statement, so readers see old or new. */
export function swapStatement(table: string, names: { staging: string; old: string }, caps: Capabilities, targetExists: boolean): { sql: string; kind: 'exchange' | 'rename'; dropAfter: string } {
  const t = quoteIdentifier(table);
  const s = quoteIdentifier(names.staging);
  if (!targetExists) return { sql: `RENAME TABLE ${s} TO ${t}`, kind: 'rename', dropAfter: '' };
  if (caps.exchangeTables) return { sql: `EXCHANGE TABLES ${t} AND ${s}`, kind: 'exchange', dropAfter: names.staging };
  return { sql: `RENAME TABLE ${t} TO ${quoteIdentifier(names.old)}, ${s} TO ${t}`, kind: 'rename', dropAfter: names.old };
}
