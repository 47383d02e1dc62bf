/**
 * ClickHouseWarehouse against a real clickhouse-server (Debian's 18.16 here): the ledger, staged loads verified
 * before the swap, schema growth, readers during a swap, and the DDL the server version gets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClickHouseWarehouse, type ClickHouseWarehouseOptions } from '../../pipelines/storage/clickhouse-warehouse';
import { LoadVerificationError } from '../../pipelines/storage/clickhouse-support';
import { FileObjectStore } from '../../pipelines/storage/file-object-store';
import { ParquetLake } from '../../pipelines/storage/lake';
import type { ColumnSpec, LedgerEntry, PartitionManifest, Row } from '../../pipelines/storage/types';
import { startClickHouse, type ClickHouseHandle } from '../helpers/clickhouse-server';

jest.setTimeout(120_000);

let ch: ClickHouseHandle | null = null;
let dir = '';
let lake: ParquetLake;
const open: ClickHouseWarehouse[] = [];

beforeAll(async () => {
  ch = await startClickHouse();
  if (!ch) console.warn('clickhouse-warehouse suite skipped: clickhouse-server is not installed');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-chw-'));
  lake = new ParquetLake(new FileObjectStore(`file://${dir}`));
});

afterAll(async () => {
  await Promise.allSettled(open.map((w) => w.close()));
  await lake.close();
  await ch?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function warehouse(db: string, options: ClickHouseWarehouseOptions = {}): Promise<ClickHouseWarehouse> {
  const w = await ClickHouseWarehouse.open(ch!.url.replace(/\/default$/, `/${db}`), options);
  open.push(w);
  return w;
}

const COLUMNS: ColumnSpec[] = [
  { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }, { name: 'sector33', type: 'string' },
  { name: 'close', type: 'double' }, { name: 'upper_limit', type: 'boolean' },
];

function rowsFor(date: string, tickers: number, shift = 0): Row[] {
  return Array.from({ length: tickers }, (_, i) => ({
    ticker: `${1000 + i}`, date, sector33: i % 2 ? '3050' : null, close: i === 3 ? null : 100 + i + shift + 1 / 3, upper_limit: i % 5 === 0,
  }));
}

async function write(dataset: 'adjusted_prices' | 'features', date: string, rows: Row[], columns = COLUMNS): Promise<PartitionManifest> {
  return lake.writePartition(dataset, date, columns, rows, { runId: 'r', inputFingerprint: 'f' });
}

const entry = (over: Partial<LedgerEntry>): LedgerEntry => ({
  runId: 'run-1', step: 'features', partition: '2024-06-03', status: 'running', attempts: 1, inputFingerprint: 'fp', outputChecksum: null,
  rowsIn: 0, rowsOut: 0, rowsQuarantined: 0, startedAt: '2024-06-03T07:00:00.000Z', finishedAt: null, error: null, ...over,
});

describe('ClickHouseWarehouse on a real server', () => {
  it('creates the database and ledger; the latest state per (run, step, partition) wins', async () => {
    if (!ch) return;
    const w = await warehouse('ledger_db');
    expect(w.version.major).toBeGreaterThan(0);
    await w.record(entry({}));
    await w.record(entry({ status: 'succeeded', outputChecksum: 'abc', rowsOut: 5, finishedAt: '2024-06-03T07:01:00.000Z' }));
    await w.record(entry({ runId: 'run-2', status: 'running', startedAt: '2024-06-04T07:00:00.000Z' }));
    await w.record(entry({ runId: 'run-2', status: 'failed', error: 'boom', startedAt: '2024-06-04T07:00:00.000Z', finishedAt: '2024-06-04T07:00:05.000Z' }));
    expect(await w.lastEntry('features', '2024-06-03')).toMatchObject({ runId: 'run-2', status: 'failed', error: 'boom' });
    expect((await w.ledger()).map((e) => [e.runId, e.status])).toEqual([['run-1', 'succeeded'], ['run-2', 'failed']]);
    expect(await w.ledger({ status: 'running' })).toEqual([]);
    expect((await w.ledger({ runId: 'run-1' }))[0]).toEqual(entry({ status: 'succeeded', outputChecksum: 'abc', rowsOut: 5, finishedAt: '2024-06-03T07:01:00.000Z' }));
    expect(await w.lastEntry('features', '1999-01-01')).toBeUndefined();
    // Opening again is idempotent.
    await warehouse('ledger_db');
  });

  it('loads into staging and swaps: first load creates the table, a later one replaces its dates and keeps the others', async () => {
    if (!ch) return;
    const w = await warehouse('load_db');
    const d1 = await write('adjusted_prices', '2024-06-03', rowsFor('2024-06-03', 20));
    const d2 = await write('adjusted_prices', '2024-06-04', rowsFor('2024-06-04', 20));
    const first = await w.load({ dataset: 'adjusted_prices', runId: 'run-a', dates: ['2024-06-03', '2024-06-04'], partitions: [d1, d2] }, lake);
    expect(first).toEqual({ dataset: 'adjusted_prices', table: 'adjusted_prices', rowsLoaded: 40, rowsTotal: 40, swap: 'rename' });
    const d2b = await write('adjusted_prices', '2024-06-04', rowsFor('2024-06-04', 15, 1));
    const d3 = await write('adjusted_prices', '2024-06-05', rowsFor('2024-06-05', 18));
    const second = await w.load({ dataset: 'adjusted_prices', runId: 'run-b', dates: ['2024-06-04', '2024-06-05'], partitions: [d2b, d3] }, lake);
    expect(second).toMatchObject({ rowsLoaded: 33, rowsTotal: 53, swap: w.caps.exchangeTables ? 'exchange' : 'rename' });
    expect(await w.query(`SELECT toString(date) AS d, count() AS n FROM adjusted_prices GROUP BY date ORDER BY date`)).toEqual([
      { d: '2024-06-03', n: 20 }, { d: '2024-06-04', n: 15 }, { d: '2024-06-05', n: 18 },
    ]);
    // Values arrive exactly (RowBinary): a third is not rounded, NULL stays NULL, booleans as 0/1.
    expect(await w.query(`SELECT close, sector33, upper_limit FROM adjusted_prices WHERE date = '2024-06-04' AND ticker IN ('1000', '1003') ORDER BY ticker`)).toEqual([
      { close: 101 + 1 / 3, sector33: null, upper_limit: 1 }, { close: null, sector33: '3050', upper_limit: 0 },
    ]);
    expect(await w.query(`SELECT name FROM system.tables WHERE database = 'load_db' AND position(name, '__') > 0`)).toEqual([]);
  });

  it('a staging table that fails verification is never swapped in; the next load drops it', async () => {
    if (!ch) return;
    const w = await warehouse('verify_db');
    const good = await write('features', '2024-06-03', rowsFor('2024-06-03', 10));
    await w.load({ dataset: 'features', runId: 'run-a', dates: ['2024-06-03'], partitions: [good] }, lake);
    const next = await write('features', '2024-06-04', rowsFor('2024-06-04', 12));
    const seen: number[] = [];
    const error = await w.load({
      dataset: 'features', runId: 'run-b', dates: ['2024-06-04'], partitions: [next],
      verify: (_date, rows) => { seen.push(rows.length); return 'content checksum differs from the ledger'; },
    }, lake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadVerificationError);
    expect((error as Error).message).toBe('load of features on 2024-06-04 not promoted: content checksum differs from the ledger');
    expect(seen).toEqual([12]);
    expect(await w.query('SELECT count() AS n FROM features')).toEqual([{ n: 10 }]);
    expect(await w.query(`SELECT count() AS n FROM system.tables WHERE database = 'verify_db' AND startsWith(name, 'features__staging_')`)).toEqual([{ n: 1 }]);
    // A manifest that claims more rows than the lake holds is refused too (the count check, no verifier).
    const lying = { ...next, rows: 13 };
    await expect(w.load({ dataset: 'features', runId: 'run-c', dates: ['2024-06-04'], partitions: [lying] }, lake)).rejects.toThrow(/lake partition has 12 rows, its manifest says 13/);
    const ok = await w.load({ dataset: 'features', runId: 'run-d', dates: ['2024-06-04'], partitions: [next] }, lake);
    expect(ok.rowsTotal).toBe(22);
    expect(await w.query(`SELECT count() AS n FROM system.tables WHERE database = 'verify_db' AND position(name, '__') > 0`)).toEqual([{ n: 0 }]);
  });

  it('a partition with a new column grows the table; older rows read NULL there; a changed type is refused', async () => {
    if (!ch) return;
    const w = await warehouse('grow_db');
    const base = await write('features', '2024-06-03', rowsFor('2024-06-03', 5));
    await w.load({ dataset: 'features', runId: 'run-a', dates: ['2024-06-03'], partitions: [base] }, lake);
    const wider = [...COLUMNS, { name: 'rsi_14', type: 'double' as const }];
    const grown = await write('features', '2024-06-04', rowsFor('2024-06-04', 5).map((r) => ({ ...r, rsi_14: 55.5 })), wider);
    await w.load({ dataset: 'features', runId: 'run-b', dates: ['2024-06-04'], partitions: [grown] }, lake);
    expect(await w.query(`SELECT toString(date) AS d, count(rsi_14) AS n FROM features GROUP BY date ORDER BY date`)).toEqual([{ d: '2024-06-03', n: 0 }, { d: '2024-06-04', n: 5 }]);
    const retyped = await write('features', '2024-06-05', rowsFor('2024-06-05', 2).map((r) => ({ ...r, rsi_14: 'high' })), [...COLUMNS, { name: 'rsi_14', type: 'string' }]);
    await expect(w.load({ dataset: 'features', runId: 'run-c', dates: ['2024-06-05'], partitions: [retyped] }, lake)).rejects.toThrow(/column rsi_14 is double in the live table but string/);
    expect(await w.query('SELECT count() AS n FROM features')).toEqual([{ n: 10 }]);
  });

  it('readers polling during repeated swaps see the old or the new row count, never a mix', async () => {
    if (!ch) return;
    const w = await warehouse('swap_db');
    const reader = await warehouse('swap_db');
    const parts = await Promise.all(['2024-06-03', '2024-06-04', '2024-06-05'].map((d) => write('adjusted_prices', d, rowsFor(d, 300))));
    await w.load({ dataset: 'adjusted_prices', runId: 'run-0', dates: ['2024-06-03', '2024-06-04', '2024-06-05'], partitions: parts }, lake);
    const allowed = new Set([900, 1200]);
    const observed: number[] = [];
    const errors: string[] = [];
    let loading = true;
    const poll = (async () => {
      while (loading) {
        try {
          observed.push(Number((await reader.query('SELECT count() AS n FROM adjusted_prices'))[0].n));
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    })();
    for (let i = 1; i <= 6; i++) {
      const date = '2024-06-06';
      const rows = i % 2 ? rowsFor(date, 300, i) : [];
      const manifest = await write('adjusted_prices', date, rows);
      await w.load({ dataset: 'adjusted_prices', runId: `run-${i}`, dates: [date], partitions: rows.length ? [manifest] : [] }, lake);
    }
    loading = false;
    await poll;
    expect(observed.length).toBeGreaterThan(10);
    expect(observed.filter((n) => !allowed.has(n))).toEqual([]);
    expect(new Set(observed).size).toBe(2);
    // With RENAME (no EXCHANGE on this server) a query can fall between the two renames of the one statement
    // and find no table; it fails loudly instead of reading a mix. Report how often that happened.
    console.info(`swap readers: ${observed.length} reads, ${errors.length} failed (${[...new Set(errors.map((e) => e.slice(0, 80)))].join(' | ')})`);
  });

  it('generates the DDL of its server version: no TTL and plain String on 18.x, LowCardinality when asked', async () => {
    if (!ch) return;
    const w = await warehouse('ddl_db', { experimentalLowCardinality: true });
    const part = await write('features', '2024-06-03', rowsFor('2024-06-03', 3));
    await w.load({ dataset: 'features', runId: 'run-a', dates: ['2024-06-03'], partitions: [part] }, lake);
    const types = await w.query(`SELECT name, type FROM system.columns WHERE database = 'ddl_db' AND table = 'features' ORDER BY name`);
    const ddl = String((await w.query(`SELECT create_table_query AS q FROM system.tables WHERE database = 'ddl_db' AND name = 'features'`))[0].q);
    if (w.version.major < 19) {
      expect(types).toContainEqual({ name: 'ticker', type: 'LowCardinality(String)' });
      expect(ddl).not.toMatch(/TTL/);
    } else {
      expect(ddl).toMatch(/TTL date \+ toIntervalYear\(2\)/);
    }
    expect(types).toContainEqual({ name: 'close', type: 'Nullable(Float64)' });
    expect(ddl).toMatch(/PARTITION BY toYYYYMM\(date\) ORDER BY \(ticker, date\)/);
  });
});
