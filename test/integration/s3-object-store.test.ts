/**
 * S3ObjectStore against a real S3 wire protocol: s3rver, in-process, on an ephemeral port with a temp directory.
 * s3rver checks access key ids but not V4 signatures, and has no bucket versioning.
 */
import fs from 'node:fs';
import util from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CREDENTIALS, countCommands, enableS3rverContinuationTokens, pattern, rejection, startServer, type S3rverServer } from '../helpers/s3-server';
import { ObjectStoreError, S3ObjectStore, type S3ObjectStoreOptions } from '../../pipelines/storage/s3-object-store';
import type { ObjectStore } from '../../pipelines/storage/types';

// The project-level testTimeout is not applied per file; the pagination and multipart cases need more than 5 s on slow disks.
jest.setTimeout(120_000);
const MiB = 1024 * 1024;

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
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
