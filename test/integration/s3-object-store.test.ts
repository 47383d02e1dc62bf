/**
 * S3ObjectStore against a real S3 wire protocol: s3rver, in-process, on an ephemeral port with a temp directory.
 * s3rver checks access key ids but not V4 signatures, and has no bucket versioning.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DATA_FILE, MANIFEST_FILE, ParquetLake, partitionKeys, sha256 } from '../../pipelines/storage/lake';
import { DuckDbWarehouse } from '../../pipelines/storage/duckdb-warehouse';
import { LakeIntegrityError } from '../../pipelines/storage/errors';
import { CREDENTIALS, enableS3rverContinuationTokens, startServer, type S3rverServer } from '../helpers/s3-server';
import { ObjectStoreError, S3ObjectStore, type S3ObjectStoreOptions } from '../../pipelines/storage/s3-object-store';
import type { ColumnSpec, Dataset, ObjectStore, PartitionManifest, Row } from '../../pipelines/storage/types';

// The project-level testTimeout is not applied per file; the pagination and multipart cases need more than 5 s on slow disks.
jest.setTimeout(120_000);
const MiB = 1024 * 1024;

/** Counts the commands a client sends (by SDK command name), for asserting which S3 calls an operation made. */
function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'g3CountCommands' },
  );
  return counts;
}

function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('S3ObjectStore on s3rver', () => {
  let server: S3rverServer;
  let endpoint: string;
  let directory: string;
  let store: S3ObjectStore;
  const stores: S3ObjectStore[] = [];
  const open = (url: string, options: S3ObjectStoreOptions = {}): S3ObjectStore => {
    const s = new S3ObjectStore(url, { endpoint, credentials: CREDENTIALS, ...options });
    stores.push(s);
    return s;
  };

  let restoreCrypto: () => void;

  beforeAll(async () => {
    restoreCrypto = enableS3rverContinuationTokens();
    ({ server, endpoint, directory } = await startServer());
    store = open('s3://gogooku3-lake/v1');
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    await server.close();
    fs.rmSync(directory, { recursive: true, force: true });
    restoreCrypto();
  });

  it('init creates the bucket once and reports versioning as unsupported on s3rver', async () => {
    expect(await store.init()).toEqual({ bucketCreated: true, versioning: 'unsupported' });
    expect(await store.init()).toEqual({ bucketCreated: false, versioning: 'unsupported' });
    expect(store.url).toBe('s3://gogooku3-lake/v1');
    expect((store as ObjectStore).localPath).toBeUndefined();
  });

  const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  it.each<[string, string, Uint8Array | string]>([
    ['binary bytes 0..255', 'bin/all-bytes.bin', allBytes],
    ['a UTF-8 string', 'text/note.txt', '日本語 130A\r\n\u0000end'],
    ['a hive partition key', 'raw_daily_bars/date=2024-01-04/part-0.parquet', pattern(4096, 7)],
    ['a non-ASCII key', '銘柄/トヨタ自動車 7203.json', '{"code":"72030"}'],
    ['a key with URL-special characters', 'odd/a+b c&d=e%f;g,h~i!.txt', 'x'],
    ['an empty object', 'empty/zero.bin', new Uint8Array(0)],
  ])('round-trips %s', async (_name, key, data) => {
    const expected = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    await store.put(key, data);
    const back = await store.get(key);
    expect(back).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back!).equals(expected)).toBe(true);
    const dir = key.slice(0, key.lastIndexOf('/') + 1);
    expect(await store.list(dir)).toEqual([key]);

    // Overwrite, then delete (twice: idempotent).
    await store.put(key, 'replaced');
    expect(Buffer.from((await store.get(key))!).toString('utf8')).toBe('replaced');
    await store.delete(key);
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.list(dir)).toEqual([]);
  });

  it('get of a missing key is undefined', async () => {
    expect(await store.get('nothing/here.json')).toBeUndefined();
  });

  it('lists by string prefix relative to the store prefix, sorted, skipping what is not a store key', async () => {
    const keys = ['x/date=2024-01-05/part-0.parquet', 'x/date=2024-01-04/_SUCCESS.json', 'x/date=2024-01-04/part-0.parquet', 'y/z.json', 'top.txt', 'x/日本/a'];
    for (const key of keys) await store.put(key, key);
    // Outside the store's prefix (same bucket), and a console-style folder marker inside it.
    const root = open('s3://gogooku3-lake');
    await root.put('elsewhere/x/date=2024-01-04/part-0.parquet', 'not ours');
    await root.put('v1x/sibling-prefix.txt', 'not ours either');
    await store.client.send(new PutObjectCommand({ Bucket: 'gogooku3-lake', Key: 'v1/x/folder/', Body: new Uint8Array(0), ContentLength: 0 }));

    expect(await store.list('x/')).toEqual(['x/date=2024-01-04/_SUCCESS.json', 'x/date=2024-01-04/part-0.parquet', 'x/date=2024-01-05/part-0.parquet', 'x/日本/a']);
    expect(await store.list('x/date=2024-01-04')).toEqual(['x/date=2024-01-04/_SUCCESS.json', 'x/date=2024-01-04/part-0.parquet']);
    expect(await store.list('')).toEqual([...keys].sort());
    expect(await store.list('nothing/here/')).toEqual([]);
    expect(await root.list('elsewhere/')).toEqual(['elsewhere/x/date=2024-01-04/part-0.parquet']);
    for (const key of keys) await store.delete(key);
  });

  it('paginates listings of more than 1000 keys with continuation tokens', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `many/date=2024-01-04/k-${String(i).padStart(4, '0')}.json`);
    await mapLimit(keys, 32, (key) => store.put(key, '{}'));

    const small = open('s3://gogooku3-lake/v1', { listPageSize: 100 });
    const smallCalls = countCommands(small.client);
    expect(await small.list('many/')).toEqual(keys);
    expect(smallCalls.get('ListObjectsV2Command')).toBe(11);

    // The server's own 1000-key page limit.
    const full = open('s3://gogooku3-lake/v1');
    const fullCalls = countCommands(full.client);
    expect(await full.list('many/date=2024-01-04/')).toEqual(keys);
    expect(fullCalls.get('ListObjectsV2Command')).toBe(2);
  });

  it('uploads a 20 MiB object as a multipart upload and reads it back intact', async () => {
    const big = open('s3://gogooku3-lake/v1', { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
    const calls = countCommands(big.client);
    const data = pattern(20 * MiB, 42);
    await big.put('big/blob.bin', data);
    expect(Object.fromEntries(calls)).toEqual({ CreateMultipartUploadCommand: 1, UploadPartCommand: 4, CompleteMultipartUploadCommand: 1 });
    const back = await big.get('big/blob.bin');
    expect(back?.byteLength).toBe(data.byteLength);
    expect(Buffer.from(back!).equals(Buffer.from(data))).toBe(true);

    // Below the threshold: one PutObject.
    calls.clear();
    await big.put('big/small.bin', data.subarray(0, MiB));
    expect(Object.fromEntries(calls)).toEqual({ PutObjectCommand: 1 });
    await big.delete('big/blob.bin');
    await big.delete('big/small.bin');
  });

  it('aborts a multipart upload whose part fails, leaving no object', async () => {
    const big = open('s3://gogooku3-lake/v1', { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, partConcurrency: 1 });
    const calls = countCommands(big.client);
    big.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === 'UploadPartCommand' && input.PartNumber === 3) throw new Error('injected part failure');
        return next(args);
      },
      { step: 'initialize', name: 'g3FailPart3' },
    );
    const error = await rejection(big.put('big/doomed.bin', pattern(12 * MiB, 3)));
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).toMatchObject({ operation: 'UploadPart', bucket: 'gogooku3-lake', key: 'v1/big/doomed.bin' });
    expect((error as Error).message).toContain('injected part failure');
    expect(calls.get('AbortMultipartUploadCommand')).toBe(1);
    expect(calls.get('CompleteMultipartUploadCommand')).toBeUndefined();
    expect(await store.get('big/doomed.bin')).toBeUndefined();
  });

  type Op = [string, (s: S3ObjectStore) => Promise<unknown>, string];
  const OPS: Op[] = [
    ['put', (s) => s.put('secret-test/date=2024-01-04/part-0.parquet', 'x'), 'PutObject'],
    ['get', (s) => s.get('secret-test/date=2024-01-04/part-0.parquet'), 'GetObject'],
    ['list', (s) => s.list('secret-test/'), 'ListObjectsV2'],
    ['delete', (s) => s.delete('secret-test/date=2024-01-04/part-0.parquet'), 'DeleteObject'],
  ];

  it.each(OPS)('%s with wrong credentials fails with ObjectStoreError naming bucket and key, not the secret', async (_op, run, operation) => {
    const secret = 'wJalrXUtnFEMI-do-not-print-me';
    const bad = open('s3://gogooku3-lake/v1', { credentials: { accessKeyId: 'AKIA-NOT-A-KEY', secretAccessKey: secret } });
    const error = await rejection(run(bad));
    expect(error).toBeInstanceOf(ObjectStoreError);
    const e = error as ObjectStoreError;
    expect(e).toMatchObject({ operation, bucket: 'gogooku3-lake', code: 'InvalidAccessKeyId', httpStatus: 403, attempts: 1 });
    expect(e.message).toContain('gogooku3-lake');
    expect(e.message).toContain('v1/secret-test/');
    expect(e.message).toContain(endpoint);
    expect(e.message).not.toContain(secret);
    expect(util.inspect(e, { depth: 10 })).not.toContain(secret);
    expect(e.cause).toBeDefined();
  });

  it.each(OPS)('%s on an unknown bucket fails with ObjectStoreError (a missing bucket is not a missing key)', async (_op, run, operation) => {
    const missing = open('s3://no-such-bucket/v1');
    const error = await rejection(run(missing));
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).toMatchObject({ operation, bucket: 'no-such-bucket', code: 'NoSuchBucket', httpStatus: 404 });
    expect((error as Error).message).toMatch(/s3:\/\/no-such-bucket\/v1\/secret-test\//);
  });

  it('init with wrong credentials fails instead of creating anything', async () => {
    const bad = open('s3://another-bucket', { credentials: { accessKeyId: 'AKIA-NOT-A-KEY', secretAccessKey: 'nope-secret' } });
    const error = await rejection(bad.init());
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).toMatchObject({ operation: 'HeadBucket', bucket: 'another-bucket', httpStatus: 403 });
    expect((error as Error).message).not.toContain('nope-secret');
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
});

describe('S3ObjectStore with the server down', () => {
  it.each<[string, (s: S3ObjectStore) => Promise<unknown>, string]>([
    ['put', (s) => s.put('k/date=2024-01-04/part-0.parquet', 'x'), 'PutObject'],
    ['get', (s) => s.get('k/date=2024-01-04/part-0.parquet'), 'GetObject'],
    ['list', (s) => s.list('k/'), 'ListObjectsV2'],
    ['delete', (s) => s.delete('k/date=2024-01-04/part-0.parquet'), 'DeleteObject'],
    ['init', (s) => s.init(), 'HeadBucket'],
  ])('%s fails with ObjectStoreError after bounded retries', async (_op, run, operation) => {
    const { server, endpoint, directory } = await startServer();
    const store = new S3ObjectStore('s3://down-lake/v1', { endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
    try {
      await store.init();
      await store.put('k/date=2024-01-04/part-0.parquet', 'before');
      await server.close();
      const calls = countCommands(store.client);
      const started = Date.now();
      const error = await rejection(run(store));
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(error).toBeInstanceOf(ObjectStoreError);
      const e = error as ObjectStoreError;
      expect(e).toMatchObject({ operation, bucket: 'down-lake', endpoint, code: 'ECONNREFUSED', attempts: 2 });
      expect(e.message).toContain(endpoint);
      expect(e.message).toContain('after 2 attempts');
      if (operation !== 'HeadBucket') expect(e.message).toContain('s3://down-lake/v1/k/');
      // One command, retried inside the SDK: the store does not add its own retry loop on top.
      expect([...calls.values()].reduce((a, b) => a + b, 0)).toBe(1);
    } finally {
      await store.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
