import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { LakeIntegrityError, LakeSchemaError } from './errors';
import { FileObjectStore } from './file-object-store';
import { ParquetLake, partitionKeys } from './lake';
import type { ColumnSpec, Row } from './types';

const COLUMNS: ColumnSpec[] = [
  { name: 'date', type: 'date' },
  { name: 'code', type: 'string' },
  { name: 'volume', type: 'integer' },
  { name: 'close', type: 'double' },
  { name: 'halted', type: 'boolean' },
  { name: 'fetched_at', type: 'timestamp' },
];

const ROWS: Row[] = [
  { date: '2024-01-04', code: '72030', volume: 12_345_678, close: 2_590.5, halted: false, fetched_at: '2024-01-04T07:05:00.123Z' },
  { date: '2024-01-04', code: '130A0', volume: 0, close: NaN, halted: true, fetched_at: '2024-01-04T16:05:00+09:00' },
  { date: '2024-01-04', code: '日本株', volume: null, close: null, halted: null, fetched_at: null },
  { date: null, code: null, volume: -9_007_199_254_740_991, close: -0.000123, halted: false, fetched_at: 1_704_351_900_000 },
];

const META = { runId: 'run-1', inputFingerprint: 'fp-1' };

describe('ParquetLake', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-lake-test-'));
  const store = new FileObjectStore(path.join(dir, 'lake'));
  const lake = new ParquetLake(store);
  afterAll(async () => {
    await lake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips every column type with nulls, NaN and unicode tickers', async () => {
    const manifest = await lake.writePartition('raw_daily_bars', '2024-01-04', COLUMNS, ROWS, META);
    const data = fs.readFileSync(store.localPath(partitionKeys('raw_daily_bars', '2024-01-04').data));
    expect(data.subarray(0, 4).toString()).toBe('PAR1');
    expect(manifest).toMatchObject({ dataset: 'raw_daily_bars', date: '2024-01-04', rows: 4, runId: 'run-1', inputFingerprint: 'fp-1', columns: COLUMNS });
    expect(manifest.checksum).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await lake.manifest('raw_daily_bars', '2024-01-04')).toEqual(manifest);

    expect(await lake.readPartition('raw_daily_bars', '2024-01-04')).toEqual([
      { date: '2024-01-04', code: '72030', volume: 12_345_678, close: 2_590.5, halted: false, fetched_at: '2024-01-04T07:05:00.123Z' },
      { date: '2024-01-04', code: '130A0', volume: 0, close: null, halted: true, fetched_at: '2024-01-04T07:05:00.000Z' },
      { date: '2024-01-04', code: '日本株', volume: null, close: null, halted: null, fetched_at: null },
      { date: null, code: null, volume: -9_007_199_254_740_991, close: -0.000123, halted: false, fetched_at: '2024-01-04T07:05:00.000Z' },
    ]);
    expect(await lake.partitions('raw_daily_bars')).toEqual(['2024-01-04']);
  });

  it('writes the declared Parquet types', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const file = store.localPath(partitionKeys('raw_daily_bars', '2024-01-04').data);
    const described = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    c.closeSync();
    db.closeSync();
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual([
      ['date', 'DATE'], ['code', 'VARCHAR'], ['volume', 'BIGINT'], ['close', 'DOUBLE'], ['halted', 'BOOLEAN'], ['fetched_at', 'TIMESTAMP WITH TIME ZONE'],
    ]);
  });

  it('writes byte-identical files for the same rows, so the checksum identifies the content', async () => {
    const other = new ParquetLake(store);
    try {
      const a = await lake.writePartition('features', '2024-01-05', COLUMNS, ROWS, META);
      const b = await other.writePartition('features', '2024-01-05', COLUMNS, ROWS, { runId: 'run-2', inputFingerprint: 'fp-1' });
      const c = await lake.writePartition('features', '2024-01-05', COLUMNS, ROWS.slice(0, 3), META);
      expect(b.checksum).toBe(a.checksum);
      expect(c.checksum).not.toBe(a.checksum);
    } finally {
      await other.close();
    }
  });

  it('keeps a partition without manifest invisible, and a rewrite makes it visible with one data file', async () => {
    const keys = partitionKeys('validated_prices', '2024-01-09');
    // A crash between data and manifest: the data file is there, the manifest never came.
    await store.put(keys.data, 'not even parquet');
    await lake.writePartition('validated_prices', '2024-01-10', COLUMNS, ROWS, META);
    expect(await lake.partitions('validated_prices')).toEqual(['2024-01-10']);
    expect(await lake.readPartition('validated_prices', '2024-01-09')).toBeUndefined();
    expect(await lake.manifest('validated_prices', '2024-01-09')).toBeUndefined();

    await lake.writePartition('validated_prices', '2024-01-09', COLUMNS, ROWS.slice(0, 2), META);
    expect(await lake.partitions('validated_prices')).toEqual(['2024-01-09', '2024-01-10']);
    expect(await lake.readPartition('validated_prices', '2024-01-09')).toHaveLength(2);
    expect(fs.readdirSync(path.dirname(store.localPath(keys.data))).sort()).toEqual(['_SUCCESS.json', 'part-0.parquet']);
  });

  it('replaces a committed partition whole', async () => {
    const first = await lake.writePartition('labels', '2024-01-04', COLUMNS, ROWS, META);
    const cols: ColumnSpec[] = [{ name: 'code', type: 'string' }, { name: 'ret_1d', type: 'double' }];
    const second = await lake.writePartition('labels', '2024-01-04', cols, [{ code: '1301', ret_1d: 0.01 }], { runId: 'run-9', inputFingerprint: 'fp-9' });
    expect(second.checksum).not.toBe(first.checksum);
    expect(await lake.manifest('labels', '2024-01-04')).toEqual(second);
    expect(await lake.readPartition('labels', '2024-01-04')).toEqual([{ code: '1301', ret_1d: 0.01 }]);
    const partitionDir = path.dirname(store.localPath(partitionKeys('labels', '2024-01-04').data));
    expect(fs.readdirSync(partitionDir).sort()).toEqual(['_SUCCESS.json', 'part-0.parquet']);
  });

  it('writes and reads an empty partition', async () => {
    await lake.writePartition('quarantine', '2024-01-04', COLUMNS, [], META);
    expect(await lake.readPartition('quarantine', '2024-01-04')).toEqual([]);
    expect(await lake.partitions('quarantine')).toEqual(['2024-01-04']);
  });

  it('detects a data file that no longer matches its manifest', async () => {
    await lake.writePartition('adjusted_prices', '2024-01-04', COLUMNS, ROWS, META);
    const file = store.localPath(partitionKeys('adjusted_prices', '2024-01-04').data);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await expect(lake.readPartition('adjusted_prices', '2024-01-04')).rejects.toBeInstanceOf(LakeIntegrityError);
  });

  it('refuses rows that do not fit the columns, before touching the partition', async () => {
    const bad: Array<[ColumnSpec[], Row[]]> = [
      [[{ name: 'n', type: 'integer' }], [{ n: 1.5 }]],
      [[{ name: 'n', type: 'integer' }], [{ n: '12' }]],
      [[{ name: 'd', type: 'date' }], [{ d: '2024-02-30' }]],
      [[{ name: 't', type: 'timestamp' }], [{ t: '2024-01-04T09:00:00' }]],
      [[{ name: 'b', type: 'boolean' }], [{ b: 1 }]],
      [[{ name: 'x', type: 'double' }], [{ x: 1, extra: 2 }]],
      [[{ name: 'date', type: 'string' }], [{ date: '2024-01-04' }]],
      [[{ name: 'a', type: 'string' }, { name: 'a', type: 'string' }], []],
      [[{ name: 'Code', type: 'string' }, { name: 'code', type: 'string' }], []],
      [[{ name: 'Date', type: 'date' }], []],
      [[], []],
    ];
    for (const [cols, rows] of bad) {
      await expect(lake.writePartition('raw_listed_info', '2024-01-04', cols, rows, META)).rejects.toBeInstanceOf(LakeSchemaError);
    }
    expect(await store.list('raw_listed_info/')).toEqual([]);
    await expect(lake.writePartition('../etc' as never, '2024-01-04', COLUMNS, [], META)).rejects.toBeInstanceOf(LakeSchemaError);
    await expect(lake.writePartition('raw_listed_info', '2024-1-4', COLUMNS, [], META)).rejects.toBeInstanceOf(LakeSchemaError);
  });

  it('writes a 4,000 × 30 partition and reads it back intact', async () => {
    const cols: ColumnSpec[] = [{ name: 'date', type: 'date' }, { name: 'code', type: 'string' }, { name: 'n', type: 'integer' },
      ...Array.from({ length: 27 }, (_, i) => ({ name: `f${i}`, type: 'double' as const }))];
    const rows: Row[] = Array.from({ length: 4000 }, (_, r) => {
      const row: Row = { date: '2024-02-01', code: `${1300 + r}0`, n: r };
      for (let i = 0; i < 27; i++) row[`f${i}`] = r % 13 === i % 13 ? null : Math.sin(r + i);
      return row;
    });
    const manifest = await lake.writePartition('features', '2024-02-01', cols, rows, META);
    expect(manifest.rows).toBe(4000);
    const back = await lake.readPartition('features', '2024-02-01');
    expect(back).toEqual(rows);
  });
});

describe('empty partitions', () => {
  it('commit as a manifest alone, read back as [], and are skipped by the views', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { FileObjectStore } = await import('./file-object-store');
    const { ParquetLake } = await import('./lake');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-empty-'));
    const lake = new ParquetLake(new FileObjectStore(`file://${dir}`));
    try {
      const columns = [{ name: 'ticker', type: 'string' as const }];
      await lake.writePartition('raw_rejected', '2024-06-03', columns, [{ ticker: 'x' }], { runId: 'r', inputFingerprint: 'f' });
      await lake.writePartition('raw_rejected', '2024-06-03', columns, [], { runId: 'r', inputFingerprint: 'f' });
      expect(await lake.readPartition('raw_rejected', '2024-06-03')).toEqual([]);
      expect(await lake.partitions('raw_rejected')).toEqual(['2024-06-03']);
      expect(await lake.committedFiles('raw_rejected')).toEqual([]);
      expect(fs.readdirSync(path.join(dir, 'raw_rejected/date=2024-06-03'))).toEqual(['_SUCCESS.json']);
    } finally {
      await lake.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
