import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { encodeRowBinary, decodeRowBinary } from './clickhouse-rowbinary';
import {
  LEDGER_TABLE_DDL, LoadVerificationError, WarehouseError, capabilities, checkIdentifier, createTableDdl, dailyReturnsView,
  ddlSettings, loadTableNames, parseClickHouseUrl, parseServerVersion, quoteIdentifier, quoteLiteral, swapStatement,
  type Capabilities, type ClickHouseConnectionInfo, type ServerVersion, type TableOptions,
} from './clickhouse-support';
import { columnsFromClickHouse, mergeColumns, ledgerFromRow, ledgerToRow, latestPerKey } from './clickhouse-values';
import type { ColumnSpec, Lake, LedgerEntry, Row, StepStatus, Warehouse, WarehouseLoad, WarehouseLoadResult } from './types';

export interface ClickHouseWarehouseOptions extends TableOptions {
  /** Attempts after the first on connection failures and overload errors; default 3. */
  maxRetries?: number;
  /** First backoff; doubles per attempt; default 250 ms. */
  retryBaseMs?: number;
  /** Per HTTP request; default 120,000 ms. */
  requestTimeoutMs?: number;
  /** Rows per RowBinary insert request; default 50,000. */
  insertBatchRows?: number;
  /** Test hook: called after the staging table is verified and before the swap (a kill here is a crash mid-load). */
  beforeSwap?: (dataset: string) => void;
}

/** Errors worth another attempt: the server unreachable, reset, timed out or briefly overloaded. */
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const RETRYABLE_CLICKHOUSE = new Set(['159', '202', '203', '209', '210', '241', '252']);

/** The server's error code: `.code` on new servers' errors, the `Code: N` prefix of the message on old ones. */
export function clickhouseErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && /^\d+$/.test(e.code)) return e.code;
  return /^Code: (\d+)/.exec(String(e?.message ?? ''))?.[1];
}

function isRetryable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  const server = clickhouseErrorCode(error);
  if (server !== undefined) return RETRYABLE_CLICKHOUSE.has(server);
  return /socket hang up|Timeout error|ECONNREFUSED|ECONNRESET/i.test(String(e?.message ?? ''));
}

/**
 * ClickHouse as the DWH: dataset tables loaded from the lake with an atomic swap, and the run ledger as an
 * append-only table. Statements are generated for the server's version (an 18.x server gets no TTL, no
 * LowCardinality unless asked, RENAME instead of EXCHANGE). Every failure leaves as a WarehouseError naming
 * the URL without its password.
 */
export class ClickHouseWarehouse implements Warehouse {
  readonly url: string;
  private versionCounter = 0;
  private closed = false;

  private constructor(
    private readonly info: ClickHouseConnectionInfo,
    private readonly client: ClickHouseClient,
    readonly version: ServerVersion,
    readonly caps: Capabilities,
    private readonly options: ClickHouseWarehouseOptions,
  ) {
    this.url = info.redacted;
  }

  /** Connects, creates the database and the ledger table when missing, and reads what the server supports. */
  static async open(url: string, options: ClickHouseWarehouseOptions = {}): Promise<ClickHouseWarehouse> {
    const info = parseClickHouseUrl(url);
    const make = (database: string) => createClient({
      url: info.httpUrl, username: info.username, password: info.password, database,
      request_timeout: options.requestTimeoutMs ?? 120_000, application: 'gogooku3',
      // Failures surface as WarehouseError with the URL redacted; the client's own logger would print them raw.
      log: { level: ClickHouseLogLevel.OFF },
    });
    const admin = make('default');
    let version: ServerVersion;
    let engine: string | undefined;
    try {
      const probe = new ClickHouseWarehouse(info, admin, parseServerVersion('0.0'), capabilities(parseServerVersion('0.0')), options);
      version = parseServerVersion(String((await probe.rows('SELECT version() AS v', 'connect'))[0]?.v));
      await probe.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(info.database)}`, 'create database');
      const databases = await probe.rows(`SELECT engine FROM system.databases WHERE name = ${quoteLiteral(info.database)}`, 'read database engine');
      engine = databases[0]?.engine as string | undefined;
    } finally {
      await admin.close();
    }
    // EXCHANGE needs an Atomic database; an Ordinary one on a new server still swaps by RENAME.
    const caps = { ...capabilities(version), exchangeTables: capabilities(version).exchangeTables && engine === 'Atomic' };
    const warehouse = new ClickHouseWarehouse(info, make(info.database), version, caps, options);
    try {
      await warehouse.command(LEDGER_TABLE_DDL, 'create run_ledger');
      await warehouse.ensureDailyReturnsView();
    } catch (error) {
      await warehouse.close();
      throw error;
    }
    return warehouse;
  }

  async query(sql: string): Promise<Row[]> {
    return this.rows(sql, 'query');
  }

  async record(entry: LedgerEntry): Promise<void> {
    // Versions order the states a (run, step, partition) went through; the clock plus a counter keeps them
    // increasing within the process even when two records share a millisecond.
    const version = Date.now() * 1000 + (this.versionCounter++ % 1000);
    await this.retrying('record ledger entry', () => this.client.insert({ table: 'run_ledger', values: [ledgerToRow(entry, version)], format: 'JSONEachRow' }));
  }

  async lastEntry(step: string, partition: string): Promise<LedgerEntry | undefined> {
    const rows = await this.rows(`SELECT * FROM run_ledger WHERE step = ${quoteLiteral(step)} AND partition = ${quoteLiteral(partition)}
      ORDER BY version DESC LIMIT 1`, 'read ledger');
    return rows.length ? ledgerFromRow(rows[0]) : undefined;
  }

  async ledger(filter: { runId?: string; step?: string; status?: StepStatus } = {}): Promise<LedgerEntry[]> {
    const where = [
      filter.runId !== undefined ? `run_id = ${quoteLiteral(filter.runId)}` : '',
      filter.step !== undefined ? `step = ${quoteLiteral(filter.step)}` : '',
    ].filter(Boolean);
    const rows = await this.rows(`SELECT * FROM run_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY version`, 'read ledger');
    const latest = latestPerKey(rows.map((r) => ({ entry: ledgerFromRow(r), version: Number(r.version) })));
    return latest.filter((e) => filter.status === undefined || e.status === filter.status);
  }

  /**
   * Builds the dataset's next table beside the live one — the live rows of other dates, then this run's
   * partitions — checks it date by date against the lake manifests (rows) and the caller's verifier (the run
   * ledger's checksums), and swaps it in with one statement. A failure or crash before the swap leaves the
   * live table as it was; the staging table is dropped by the next load.
   */
  async load(load: WarehouseLoad, lake: Lake): Promise<WarehouseLoadResult> {
    const table = checkIdentifier(load.dataset, 'dataset');
    const names = loadTableNames(table, load.runId);
    await this.dropLeftovers(names.leftoverPrefix);
    const live = await this.describe(table);
    const incoming = load.partitions.length ? load.partitions[load.partitions.length - 1].columns : [];
    const columns = mergeColumns(live, incoming);
    if (columns.length === 0) throw new LoadVerificationError(table, load.dates[0] ?? '-', 'no columns: neither a live table nor a partition to load');
    const settings = ddlSettings(this.caps, this.options);
    await this.command(createTableDdl(names.staging, columns, this.caps, this.options), `create ${names.staging}`, settings);
    const dates = [...new Set(load.dates)].sort();
    let kept = 0;
    if (live.length) {
      const shared = live.filter((c) => columns.some((n) => n.name === c.name)).map((c) => quoteIdentifier(c.name)).join(', ');
      const outside = dates.length ? `WHERE date NOT IN (${dates.map((d) => `toDate(${quoteLiteral(d)})`).join(', ')})` : '';
      await this.command(`INSERT INTO ${quoteIdentifier(names.staging)} (${shared}) SELECT ${shared} FROM ${quoteIdentifier(table)} ${outside}`, `copy live ${table} rows`);
      kept = Number((await this.rows(`SELECT count() AS n FROM ${quoteIdentifier(table)} ${outside}`, 'count live rows'))[0].n);
    }
    let loaded = 0;
    for (const manifest of load.partitions) {
      const rows = (await lake.readPartition(load.dataset, manifest.date)) ?? [];
      if (rows.length !== manifest.rows) throw new LoadVerificationError(table, manifest.date, `lake partition has ${rows.length} rows, its manifest says ${manifest.rows}`);
      await this.insertRows(names.staging, manifest.columns, rows);
      loaded += rows.length;
    }
    await this.verifyStaging(load, names.staging, columns, kept + loaded);
    this.options.beforeSwap?.(table);
    const swap = swapStatement(table, names, this.caps, live.length > 0);
    await this.command(swap.sql, `swap ${table}`);
    if (swap.dropAfter) await this.command(`DROP TABLE IF EXISTS ${quoteIdentifier(swap.dropAfter)}`, `drop ${swap.dropAfter}`);
    await this.ensureDailyReturnsView();
    return { dataset: load.dataset, table, rowsLoaded: loaded, rowsTotal: kept + loaded, swap: swap.kind };
  }

  /** Creates the daily_returns view once its source table exists with the columns it reads (a first load makes it). */
  async ensureDailyReturnsView(): Promise<void> {
    const view = dailyReturnsView(this.caps);
    const columns = new Set((await this.describe(view.source)).map((c) => c.name));
    if (view.requires.every((c) => columns.has(c))) await this.command(view.sql, 'create daily_returns view');
  }

  /** Column specs of a live table (empty when it does not exist). */
  async describe(table: string): Promise<ColumnSpec[]> {
    const rows = await this.rows(`SELECT name, type FROM system.columns WHERE database = ${quoteLiteral(this.info.database)} AND table = ${quoteLiteral(table)}`, `describe ${table}`);
    return columnsFromClickHouse(rows.map((r) => ({ name: String(r.name), type: String(r.type) })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private async verifyStaging(load: WarehouseLoad, staging: string, columns: ColumnSpec[], expectedTotal: number): Promise<void> {
    const t = quoteIdentifier(staging);
    const total = Number((await this.rows(`SELECT count() AS n FROM ${t}`, 'count staging'))[0].n);
    if (total !== expectedTotal) throw new LoadVerificationError(load.dataset, load.dates.join(','), `staging holds ${total} rows, expected ${expectedTotal}`);
    const byDate = new Map(load.partitions.map((m) => [m.date, m]));
    for (const date of load.dates) {
      const manifest = byDate.get(date);
      const columnsOfDate = manifest?.columns ?? columns;
      const select = columnsOfDate.map((c) => quoteIdentifier(c.name)).join(', ');
      const bytes = await this.bytes(`SELECT ${select} FROM ${t} WHERE date = toDate(${quoteLiteral(date)}) FORMAT RowBinary`, 'read back staging');
      const rows = decodeRowBinary(columnsOfDate, bytes);
      if (rows.length !== (manifest?.rows ?? 0)) throw new LoadVerificationError(load.dataset, date, `staging holds ${rows.length} rows for the date, the lake manifest says ${manifest?.rows ?? 0}`);
      const problem = manifest && load.verify ? load.verify(date, rows) : null;
      if (problem) throw new LoadVerificationError(load.dataset, date, problem);
    }
  }

  private async insertRows(table: string, columns: ColumnSpec[], rows: Row[]): Promise<void> {
    const batch = this.options.insertBatchRows ?? 50_000;
    const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    for (let start = 0; start < rows.length; start += batch) {
      const body = encodeRowBinary(columns, rows.slice(start, start + batch));
      // Not retried: a repeated insert could double rows; the staging check would catch it, but a clean failure is clearer.
      await this.once(`insert into ${table}`, async () => {
        const result = await this.client.exec({ query: `INSERT INTO ${quoteIdentifier(table)} (${list}) FORMAT RowBinary`, values: Readable.from([body]) });
        await drain(result.stream);
      });
    }
  }

  private async dropLeftovers(prefix: string): Promise<void> {
    const rows = await this.rows(`SELECT name FROM system.tables WHERE database = ${quoteLiteral(this.info.database)} AND startsWith(name, ${quoteLiteral(prefix)})`, 'list leftover tables');
    for (const r of rows) await this.command(`DROP TABLE IF EXISTS ${quoteIdentifier(String(r.name))}`, `drop leftover ${String(r.name)}`);
  }

  async command(sql: string, operation: string, settings: Record<string, 0 | 1> = {}): Promise<void> {
    await this.retrying(operation, () => this.client.command({ query: sql, clickhouse_settings: settings }));
  }

  private async rows(sql: string, operation: string): Promise<Row[]> {
    return this.retrying(operation, async () => {
      const result = await this.client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
      return (await result.json()) as Row[];
    });
  }

  private async bytes(sql: string, operation: string): Promise<Buffer> {
    return this.retrying(operation, async () => {
      const result = await this.client.exec({ query: sql });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    });
  }

  private once<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.retrying(operation, fn, 0);
  }

  private async retrying<T>(operation: string, fn: () => Promise<T>, maxRetries = this.options.maxRetries ?? 3): Promise<T> {
    if (this.closed) throw new WarehouseError(this.url, operation, 'the warehouse is closed');
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (error instanceof WarehouseError || error instanceof LoadVerificationError) throw error;
        if (attempt >= maxRetries || !isRetryable(error)) {
          const e = error as { code?: unknown; message?: unknown };
          // Old servers append the C++ exception name and a stack-less tail; the first line is the message.
          const message = String(e?.message ?? error).replace(/, e\.what\(\) = DB::Exception\s*$/, '').trim();
          const prefix = typeof e?.code === 'string' && !message.startsWith(e.code) && !/^Code: /.test(message) ? `${e.code}: ` : '';
          const detail = `${prefix}${message}`.replaceAll(this.info.password || '\u0000', '***');
          throw new WarehouseError(this.url, operation, `${detail}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, (this.options.retryBaseMs ?? 250) * 2 ** attempt));
      }
    }
  }
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) { /* the response body of an INSERT is empty; reading it frees the socket */ }
}
