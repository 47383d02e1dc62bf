import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DuckDbWarehouse, duckdbUrlToPath } from './duckdb-warehouse';
import { InvalidStoreUrlError } from './errors';
import { FileObjectStore } from './file-object-store';
import { ParquetLake, partitionKeys } from './lake';
import type { ColumnSpec, LedgerEntry } from './types';

const META = { runId: 'run-1', inputFingerprint: 'fp' };
const BARS: ColumnSpec[] = [{ name: 'code', type: 'string' }, { name: 'close', type: 'double' }, { name: 'volume', type: 'integer' }];

function entry(over: Partial<LedgerEntry>): LedgerEntry {
  return {
    runId: 'r1', step: 'ingest', partition: '2024-01-04', status: 'succeeded', attempts: 1, inputFingerprint: 'fp', outputChecksum: 'abc',
    rowsIn: 10, rowsOut: 9, rowsQuarantined: 1, startedAt: '2024-01-04T07:00:00.000Z', finishedAt: '2024-01-04T07:01:00.000Z', error: null, ...over,
  };
}

/** Tries to open the database file from another process; DuckDB allows one writer process per file. */
function openFromChildProcess(file: string): string {
  const script = `require('@duckdb/node-api').DuckDBInstance.create(process.argv[1]).then(
    (db) => { db.closeSync(); console.log('opened'); },
    (e) => { console.log('locked: ' + e.message.split('\\n')[0]); })`;
  return execFileSync(process.execPath, ['-e', script, file], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' }).trim();
}

describe('DuckDbWarehouse', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-dwh-'));
  const store = new FileObjectStore(path.join(dir, 'lake'));
  const lake = new ParquetLake(store);
  const dbFile = path.join(dir, 'dwh', 'warehouse.duckdb');
  let dwh: DuckDbWarehouse;

  beforeAll(async () => {
    dwh = await DuckDbWarehouse.open(`duckdb://${dbFile}`, lake);
  });
  afterAll(async () => {
    await dwh.close();
    await lake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses duckdb URLs', () => {
    expect(duckdbUrlToPath('duckdb:///var/lib/g3/w.duckdb')).toBe('/var/lib/g3/w.duckdb');
    expect(duckdbUrlToPath('duckdb::memory:')).toBe(':memory:');
    expect(() => duckdbUrlToPath('duckdb://host/w.duckdb')).toThrow(InvalidStoreUrlError);
    expect(() => duckdbUrlToPath('clickhouse://x')).toThrow(InvalidStoreUrlError);
  });

  it('views show committed partitions only, with the date from the partition, and pick up new ones on refresh', async () => {
    await lake.writePartition('raw_daily_bars', '2024-01-04', BARS, [{ code: '72030', close: 2590.5, volume: 100 }, { code: '130A0', close: NaN, volume: null }], META);
    await lake.writePartition('raw_daily_bars', '2024-01-05', BARS, [{ code: '72030', close: 2600, volume: 200 }], META);
    // Crashed write: data without manifest.
    await store.put(partitionKeys('raw_daily_bars', '2024-01-09').data, fs.readFileSync(store.localPath(partitionKeys('raw_daily_bars', '2024-01-05').data)));
    await dwh.refresh(['raw_daily_bars']);

    expect(await dwh.query('SELECT date, code, close, volume FROM raw_daily_bars ORDER BY date, code')).toEqual([
      { date: '2024-01-04', code: '130A0', close: null, volume: null },
      { date: '2024-01-04', code: '72030', close: 2590.5, volume: 100 },
      { date: '2024-01-05', code: '72030', close: 2600, volume: 200 },
    ]);

    await lake.writePartition('raw_daily_bars', '2024-01-09', BARS, [{ code: '1301', close: 1, volume: 3 }], META);
    expect(await dwh.query('SELECT count(*) AS n FROM raw_daily_bars')).toEqual([{ n: 3 }]);
    await dwh.refresh(['raw_daily_bars']);
    expect(await dwh.query(`SELECT date, code FROM raw_daily_bars WHERE date = DATE '2024-01-09'`)).toEqual([{ date: '2024-01-09', code: '1301' }]);
  });

  it('keeps a date column written inside the files and tolerates a column added later', async () => {
    const v1: ColumnSpec[] = [{ name: 'date', type: 'date' }, { name: 'code', type: 'string' }];
    const v2: ColumnSpec[] = [...v1, { name: 'ret_1d', type: 'double' }];
    await lake.writePartition('labels', '2024-01-04', v1, [{ date: '2024-01-04', code: 'A' }], META);
    await lake.writePartition('labels', '2024-01-05', v2, [{ date: null, code: 'B', ret_1d: 0.5 }], META);
    await dwh.refresh(['labels']);
    expect(await dwh.query('SELECT date, code, ret_1d FROM labels ORDER BY code')).toEqual([
      { date: '2024-01-04', code: 'A', ret_1d: null },
      { date: '2024-01-05', code: 'B', ret_1d: 0.5 },
    ]);
    const described = await dwh.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'labels' ORDER BY ordinal_position`);
    expect(described).toEqual([{ column_name: 'date', data_type: 'DATE' }, { column_name: 'code', data_type: 'VARCHAR' }, { column_name: 'ret_1d', data_type: 'DOUBLE' }]);
  });

  it('has no view for a dataset without committed partitions', async () => {
    await dwh.refresh(['features']);
    await expect(dwh.query('SELECT * FROM features')).rejects.toThrow(/features/);
  });

  it('converts query results: BIGINT, DATE, TIMESTAMP, NaN, large integers, unicode', async () => {
    expect(await dwh.query(`SELECT 42::BIGINT AS i, 9007199254740993::BIGINT AS big, DATE '2024-02-29' AS d,
      TIMESTAMPTZ '2024-01-04 15:30:00+09' AS ts, 'nan'::DOUBLE AS nan, 1.25::DECIMAL(10,2) AS dec, '日本' AS s, NULL AS n, true AS b`)).toEqual([
      { i: 42, big: '9007199254740993', d: '2024-02-29', ts: '2024-01-04T06:30:00.000Z', nan: null, dec: 1.25, s: '日本', n: null, b: true },
    ]);
    expect(await dwh.query('SELECT $1::VARCHAR AS x', ['a\'b'])).toEqual([{ x: "a'b" }]);
  });

  it('queryColumns: the same values as query, DOUBLE columns as Float64Array with NULL as NaN, across chunks', async () => {
    const sql = `SELECT i, CAST(i AS DOUBLE) / 3 AS third, CASE WHEN i % 7 = 0 THEN NULL ELSE CAST(i AS DOUBLE) * 0.5 END AS half, 'T' || i AS name, DATE '2024-01-01' + CAST(i % 30 AS INTEGER) AS day
      FROM range(5000) r(i) ORDER BY i`;
    const rows = await dwh.query(sql);
    const cols = await dwh.queryColumns(sql);
    expect(cols.rowCount).toBe(5000);
    expect(cols.names).toEqual(['i', 'third', 'half', 'name', 'day']);
    const [i, third, half, name, day] = cols.columns;
    expect(third).toBeInstanceOf(Float64Array);
    expect(half).toBeInstanceOf(Float64Array);
    expect(Array.from(third as Float64Array)).toEqual(rows.map((r) => r.third));
    expect(Array.from(half as Float64Array)).toEqual(rows.map((r) => (r.half === null ? NaN : r.half)));
    expect(i).toEqual(rows.map((r) => r.i));
    expect(name).toEqual(rows.map((r) => r.name));
    expect(day).toEqual(rows.map((r) => r.day));
  });

  it('upserts ledger entries by (run, step, partition) and finds the latest one', async () => {
    await dwh.record(entry({ status: 'running', finishedAt: null, outputChecksum: null, rowsOut: 0, rowsQuarantined: 0 }));
    await dwh.record(entry({ attempts: 2 }));
    await dwh.record(entry({ runId: 'r2', status: 'failed', startedAt: '2024-01-05T07:00:00Z', finishedAt: '2024-01-05T07:00:30Z', error: 'boom', outputChecksum: null }));
    await dwh.record(entry({ runId: 'r1', step: 'validate' }));
    await dwh.record(entry({ runId: 'r3', step: 'validate', status: 'running', startedAt: '2024-01-06T07:00:00Z', finishedAt: null }));

    expect(await dwh.ledger({ runId: 'r1', step: 'ingest' })).toEqual([entry({ attempts: 2 })]);
    expect(await dwh.lastEntry('ingest', '2024-01-04')).toEqual(entry({
      runId: 'r2', status: 'failed', startedAt: '2024-01-05T07:00:00.000Z', finishedAt: '2024-01-05T07:00:30.000Z', error: 'boom', outputChecksum: null,
    }));
    expect((await dwh.lastEntry('validate', '2024-01-04'))?.runId).toBe('r3');
    expect(await dwh.lastEntry('ingest', '2099-01-01')).toBeUndefined();
    expect((await dwh.ledger({ status: 'succeeded' })).map((e) => `${e.runId}/${e.step}`)).toEqual(['r1/ingest', 'r1/validate']);
    expect(await dwh.ledger()).toHaveLength(4);
    expect(await dwh.query('SELECT count(*) AS n FROM run_ledger')).toEqual([{ n: 4 }]);
    await expect(dwh.record(entry({ status: 'done' as never }))).rejects.toThrow(/status/);
  });

  it('keeps the ledger across reopen and releases the file on close', async () => {
    expect(openFromChildProcess(dbFile)).toMatch(/^locked/);
    await dwh.close();
    await dwh.close();
    await expect(dwh.query('SELECT 1')).rejects.toThrow(/closed/);
    expect(openFromChildProcess(dbFile)).toBe('opened');
    dwh = await DuckDbWarehouse.open(`duckdb://${dbFile}`, lake);
    expect(await dwh.ledger({ runId: 'r2' })).toHaveLength(1);
    // Views survive in the file too.
    expect(await dwh.query('SELECT count(*) AS n FROM raw_daily_bars')).toEqual([{ n: 4 }]);
  });
});
