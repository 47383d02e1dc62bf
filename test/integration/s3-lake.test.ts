/**
 * ParquetLake on S3 (s3rver, in-process): partitions committed by their marker, and the local copies DuckDB reads
 * (the cache behind the lake's SQL engine when the lake is remote).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { DuckDbWarehouse } from '../../pipelines/storage/duckdb-warehouse';
import { LakeIntegrityError } from '../../pipelines/storage/errors';
import { DATA_FILE, MANIFEST_FILE, ParquetLake, partitionKeys, sha256 } from '../../pipelines/storage/lake';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../pipelines/storage/s3-object-store';
import type { ColumnSpec, Dataset, PartitionManifest, Row } from '../../pipelines/storage/types';
import { CREDENTIALS, countCommands, enableS3rverContinuationTokens, pattern, rejection, startServer, type S3rverServer } from '../helpers/s3-server';

jest.setTimeout(120_000);

let server: S3rverServer;
let endpoint: string;
let directory: string;
let store: S3ObjectStore;
let restoreCrypto: () => void;
const stores: S3ObjectStore[] = [];
const open = (url: string, options: S3ObjectStoreOptions = {}): S3ObjectStore => {
  const s = new S3ObjectStore(url, { endpoint, credentials: CREDENTIALS, ...options });
  stores.push(s);
  return s;
};

beforeAll(async () => {
  restoreCrypto = enableS3rverContinuationTokens();
  ({ server, endpoint, directory } = await startServer());
  store = open('s3://gogooku3-lake/v1');
  await store.init();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await server.close();
  fs.rmSync(directory, { recursive: true, force: true });
  restoreCrypto();
});

describe('the lake on S3', () => {
  const COLUMNS: ColumnSpec[] = [
    { name: 'date', type: 'date' },
    { name: 'code', type: 'string' },
    { name: 'volume', type: 'integer' },
    { name: 'close', type: 'double' },
    { name: 'halted', type: 'boolean' },
  ];
  const ROWS: Row[] = [
    { date: '2024-01-04', code: '72030', volume: 12_345_678, close: 2_590.5, halted: false },
    { date: '2024-01-04', code: '130A0', volume: 0, close: null, halted: true },
    { date: '2024-01-04', code: '日本株', volume: null, close: -0.000123, halted: null },
  ];
  let lake: ParquetLake;
  beforeAll(() => {
    lake = new ParquetLake(store);
  });
  afterAll(async () => {
    await lake.close();
  });

  it('writes, lists and reads partitions (downloading the data file: the store has no local paths)', async () => {
    const manifest = await lake.writePartition('raw_daily_bars', '2024-01-04', COLUMNS, ROWS, { runId: 'run-s3', inputFingerprint: 'fp' });
    expect(manifest).toMatchObject({ dataset: 'raw_daily_bars', date: '2024-01-04', rows: 3, runId: 'run-s3' });
    await lake.writePartition('raw_daily_bars', '2024-01-05', COLUMNS, [], { runId: 'run-s3', inputFingerprint: 'fp' });

    const keys = partitionKeys('raw_daily_bars', '2024-01-04');
    const bytes = await store.get(keys.data);
    expect(Buffer.from(bytes!).subarray(0, 4).toString()).toBe('PAR1');
    expect(await store.list('raw_daily_bars/')).toEqual([keys.manifest, keys.data, partitionKeys('raw_daily_bars', '2024-01-05').manifest]);

    expect(await lake.partitions('raw_daily_bars')).toEqual(['2024-01-04', '2024-01-05']);
    expect(await lake.readPartition('raw_daily_bars', '2024-01-04')).toEqual(ROWS);
    expect(await lake.readPartition('raw_daily_bars', '2024-01-05')).toEqual([]);
    expect(await lake.manifest('raw_daily_bars', '2024-01-04')).toEqual(manifest);
  });

  it('does not list a partition whose data object has no _SUCCESS.json', async () => {
    const orphan = partitionKeys('raw_daily_bars', '2024-01-09');
    const committed = await store.get(partitionKeys('raw_daily_bars', '2024-01-04').data);
    await store.put(orphan.data, committed!);
    expect(await store.list('raw_daily_bars/date=2024-01-09/')).toEqual([orphan.data]);
    expect(await lake.partitions('raw_daily_bars')).toEqual(['2024-01-04', '2024-01-05']);
    expect(await lake.readPartition('raw_daily_bars', '2024-01-09')).toBeUndefined();
    expect(await lake.manifest('raw_daily_bars', '2024-01-09')).toBeUndefined();
  });

  describe('committedFiles (local copies of the data files, for DuckDB)', () => {
    const cacheDirs: string[] = [];
    const lakes: ParquetLake[] = [];
    const tempCache = (): string => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-lake-cache-'));
      cacheDirs.push(dir);
      return dir;
    };
    /** A lake on its own client (so its S3 calls can be observed) with its own cache directory. */
    const openLake = (options: { downloadConcurrency?: number } = {}): { lake: ParquetLake; s3: S3ObjectStore; cacheDir: string } => {
      const s3 = open('s3://gogooku3-lake/v1');
      const cacheDir = tempCache();
      const l = new ParquetLake(s3, { cacheDir, ...options });
      lakes.push(l);
      return { lake: l, s3, cacheDir };
    };
    /** The store-relative key of every GetObject the client sends, in order. */
    const recordGets = (client: S3Client, prefix = 'v1/'): string[] => {
      const keys: string[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const key = (args.input as { Key?: string }).Key;
          if (context.commandName === 'GetObjectCommand' && key) keys.push(key.startsWith(prefix) ? key.slice(prefix.length) : key);
          return next(args);
        },
        { step: 'initialize', name: 'g3RecordGets' },
      );
      return keys;
    };
    const meta = { runId: 'run-cache', inputFingerprint: 'fp-cache' };
    const rowsFor = (date: string, n: number, seed = 0): Row[] =>
      Array.from({ length: n }, (_, i) => ({ date, code: `${1000 + i}0`, volume: i * 100 + seed, close: 1_000.25 + i + seed, halted: i % 2 === 0 }));
    const fileSha = (file: string): string => sha256(fs.readFileSync(file));
    const cachedFiles = (cacheDir: string, dataset: string, date: string): string[] => {
      const dir = path.join(cacheDir, dataset, `date=${date}`);
      return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    };

    afterAll(async () => {
      for (const l of lakes) await l.close();
      for (const dir of cacheDirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    it.each<[Dataset, number | undefined]>([
      ['raw_listed_info', 1],
      ['validated_prices', 2],
      ['adjusted_prices', undefined],
    ])('%s (downloadConcurrency %s): one verified local file per committed, non-empty partition, by date', async (dataset, downloadConcurrency) => {
      const { lake: l, cacheDir } = openLake({ downloadConcurrency });
      // Written out of date order; 2024-01-08 is empty, 2024-01-11 has a data object but no manifest.
      const written = new Map<string, PartitionManifest>();
      for (const [date, n] of [['2024-01-10', 4], ['2024-01-04', 3], ['2024-01-08', 0], ['2024-01-05', 2]] as const) {
        written.set(date, await l.writePartition(dataset, date, COLUMNS, rowsFor(date, n), meta));
      }
      const committed = await store.get(partitionKeys(dataset, '2024-01-04').data);
      await store.put(partitionKeys(dataset, '2024-01-11').data, committed!);
      expect(await l.partitions(dataset)).toEqual(['2024-01-04', '2024-01-05', '2024-01-08', '2024-01-10']);

      const files = await l.committedFiles(dataset);
      expect(files.map((f) => f.date)).toEqual(['2024-01-04', '2024-01-05', '2024-01-10']);
      for (const f of files) {
        const manifest = written.get(f.date)!;
        expect(f.key).toBe(partitionKeys(dataset, f.date).data);
        expect(f.path).toBe(path.join(cacheDir, dataset, `date=${f.date}`, `${manifest.checksum.slice(0, 32)}.parquet`));
        expect(fileSha(f.path)).toBe(manifest.checksum);
        expect(Buffer.from(fs.readFileSync(f.path)).equals(Buffer.from((await store.get(f.key))!))).toBe(true);
      }
      // Nothing cached for the empty or the uncommitted partition, and no temp files left behind.
      expect(fs.readdirSync(path.join(cacheDir, dataset)).sort()).toEqual(['date=2024-01-04', 'date=2024-01-05', 'date=2024-01-10']);
      for (const f of files) expect(cachedFiles(cacheDir, dataset, f.date)).toEqual([path.basename(f.path)]);
    });

    it('concurrent downloads into one shared cache (two lakes, overlapping calls) all succeed with verified files', async () => {
      const { lake: writer, cacheDir } = openLake();
      const dates = Array.from({ length: 12 }, (_, i) => `2024-02-${String(i + 1).padStart(2, '0')}`);
      for (const date of dates) await writer.writePartition('raw_dividends', date, COLUMNS, rowsFor(date, 3, 7), meta);
      for (let round = 0; round < 5; round++) {
        fs.rmSync(path.join(cacheDir, 'raw_dividends'), { recursive: true, force: true });
        const other = new ParquetLake(open('s3://gogooku3-lake/v1'), { cacheDir });
        lakes.push(other);
        const results = await Promise.all([writer.committedFiles('raw_dividends'), writer.committedFiles('raw_dividends'), other.committedFiles('raw_dividends')]);
        for (const files of results) {
          expect(files.map((f) => f.date)).toEqual(dates);
          for (const f of files) expect(fs.existsSync(f.path)).toBe(true);
        }
        for (const date of dates) expect(cachedFiles(cacheDir, 'raw_dividends', date)).toHaveLength(1);
      }
    });

    it('a second call reuses the cached copies: it reads manifests but GETs no data object again', async () => {
      const dataset: Dataset = 'features';
      const { lake: l, s3 } = openLake();
      for (const date of ['2024-01-04', '2024-01-05', '2024-01-09']) await l.writePartition(dataset, date, COLUMNS, rowsFor(date, 3), meta);
      const gets = recordGets(s3.client);
      const calls = countCommands(s3.client);

      const first = await l.committedFiles(dataset);
      expect(first).toHaveLength(3);
      const dataKeys = ['2024-01-04', '2024-01-05', '2024-01-09'].map((d) => partitionKeys(dataset, d).data);
      const manifestKeys = ['2024-01-04', '2024-01-05', '2024-01-09'].map((d) => partitionKeys(dataset, d).manifest);
      expect(gets.filter((k) => k.endsWith(DATA_FILE)).sort()).toEqual(dataKeys);
      expect(gets.filter((k) => k.endsWith(MANIFEST_FILE)).sort()).toEqual(manifestKeys);
      const mtimes = first.map((f) => fs.statSync(f.path).mtimeMs);

      gets.length = 0;
      calls.clear();
      const second = await l.committedFiles(dataset);
      expect(second).toEqual(first);
      // Each call re-reads the manifests (a rewrite must be noticed) but no data object.
      expect(gets.filter((k) => k.endsWith(DATA_FILE))).toEqual([]);
      expect(gets.sort()).toEqual(manifestKeys);
      expect(calls.get('GetObjectCommand')).toBe(3);
      expect(second.map((f) => fs.statSync(f.path).mtimeMs)).toEqual(mtimes);
    });

    it('a rewritten partition gets a new cached file and its old copy is removed', async () => {
      const dataset: Dataset = 'labels';
      const { lake: l, s3, cacheDir } = openLake();
      const before = await l.writePartition(dataset, '2024-01-04', COLUMNS, rowsFor('2024-01-04', 3), meta);
      const other = await l.writePartition(dataset, '2024-01-05', COLUMNS, rowsFor('2024-01-05', 2), meta);
      const [oldFile, otherFile] = await l.committedFiles(dataset);
      expect(path.basename(oldFile.path)).toBe(`${before.checksum.slice(0, 32)}.parquet`);

      const after = await l.writePartition(dataset, '2024-01-04', COLUMNS, rowsFor('2024-01-04', 3, 7), meta);
      expect(after.checksum).not.toBe(before.checksum);
      const gets = recordGets(s3.client);
      const files = await l.committedFiles(dataset);
      expect(files.map((f) => f.date)).toEqual(['2024-01-04', '2024-01-05']);
      const [newFile, sameOther] = files;
      expect(newFile.path).not.toBe(oldFile.path);
      expect(path.basename(newFile.path)).toBe(`${after.checksum.slice(0, 32)}.parquet`);
      expect(fileSha(newFile.path)).toBe(after.checksum);
      expect(fs.existsSync(oldFile.path)).toBe(false);
      expect(cachedFiles(cacheDir, dataset, '2024-01-04')).toEqual([path.basename(newFile.path)]);
      // The untouched partition keeps its copy and is not downloaded again; only the rewritten one is.
      expect(sameOther).toEqual(otherFile);
      expect(fileSha(sameOther.path)).toBe(other.checksum);
      expect(gets.filter((k) => k.endsWith(DATA_FILE))).toEqual([partitionKeys(dataset, '2024-01-04').data]);
      expect(await l.readPartition(dataset, '2024-01-04')).toEqual(rowsFor('2024-01-04', 3, 7));
    });

    it.each<[string, Dataset, (key: string) => Promise<void>, RegExp]>([
      ['overwritten with other bytes', 'raw_dividends', (key) => store.put(key, pattern(2048, 11)), /does not match the manifest checksum/],
      ['overwritten with another partition\'s valid Parquet', 'quarantine', async (key) => {
        const neighbour = await store.get(key.replace('2024-01-05', '2024-01-04'));
        await store.put(key, neighbour!);
      }, /does not match the manifest checksum/],
      ['deleted', 'raw_rejected', (key) => store.delete(key), /_SUCCESS\.json present but part-0\.parquet missing/],
    ])('a data object %s behind the lake\'s back fails with LakeIntegrityError (not yet cached)', async (_name, dataset, tamper, detail) => {
      const { lake: l, cacheDir } = openLake();
      await l.writePartition(dataset, '2024-01-04', COLUMNS, rowsFor('2024-01-04', 2), meta);
      const manifest = await l.writePartition(dataset, '2024-01-05', COLUMNS, rowsFor('2024-01-05', 3), meta);
      await tamper(partitionKeys(dataset, '2024-01-05').data);
      expect(await l.manifest(dataset, '2024-01-05')).toEqual(manifest);

      const error = await rejection(l.committedFiles(dataset));
      expect(error).toBeInstanceOf(LakeIntegrityError);
      expect(error).toMatchObject({ dataset, date: '2024-01-05' });
      expect((error as Error).message).toContain(`${dataset}/date=2024-01-05`);
      expect((error as Error).message).toMatch(detail);
      // The bad bytes never reach the cache.
      expect(cachedFiles(cacheDir, dataset, '2024-01-05')).toEqual([]);
    });

    it('DuckDbWarehouse over the S3 lake: refresh builds the view from cached copies and queries return the rows', async () => {
      const { lake: l } = openLake();
      const jan4 = rowsFor('2024-01-04', 3);
      const jan5 = rowsFor('2024-01-05', 2, 1);
      await l.writePartition('validated_listed_info', '2024-01-04', COLUMNS, jan4, meta);
      await l.writePartition('validated_listed_info', '2024-01-05', COLUMNS, jan5, meta);
      await l.writePartition('validated_listed_info', '2024-01-08', COLUMNS, [], meta);
      // A dataset without a date column: the view takes the date from the cached copy's date=YYYY-MM-DD directory.
      const noDate = COLUMNS.filter((c) => c.name !== 'date');
      await l.writePartition('validated_investor_types', '2024-01-09', noDate, [{ code: 'TSEPrime', volume: 5, close: 1.5, halted: false }], meta);
      await store.put(partitionKeys('validated_investor_types', '2024-01-10').data, (await store.get(partitionKeys('validated_investor_types', '2024-01-09').data))!);

      const warehouse = await DuckDbWarehouse.open('duckdb::memory:', l);
      try {
        await warehouse.refresh(['validated_listed_info', 'validated_investor_types']);
        const counts = await warehouse.query(`SELECT CAST(date AS VARCHAR) AS d, count(*) AS n FROM validated_listed_info GROUP BY 1 ORDER BY 1`);
        expect(counts.map((r) => [r.d, Number(r.n)])).toEqual([['2024-01-04', 3], ['2024-01-05', 2]]);
        const rows = await warehouse.query(`SELECT * FROM validated_listed_info ORDER BY date, code`);
        const expected = [...jan4, ...jan5].sort((a, b) => `${a.date}${a.code}`.localeCompare(`${b.date}${b.code}`));
        expect(rows).toEqual(expected);
        const investor = await warehouse.query(`SELECT CAST(date AS VARCHAR) AS d, code, volume FROM validated_investor_types`);
        expect(investor).toEqual([{ d: '2024-01-09', code: 'TSEPrime', volume: 5 }]);
      } finally {
        await warehouse.close();
      }
    });
  });
});
