import { InvalidKeyError, InvalidStoreUrlError } from './errors';
import type { ObjectStore } from './types';
import {
  MAX_PARTS,
  ObjectStoreError,
  S3ObjectStore,
  checkBucketName,
  describeCause,
  isMissingBucket,
  isNoSuchKey,
  isUnsupported,
  joinKey,
  parseS3Url,
  planParts,
  redactUrl,
  s3OptionsFromEnv,
} from './s3-object-store';

const MiB = 1024 * 1024;

/** What the SDK throws for a modeled S3 error, reduced to the fields the store reads. */
function sdkError(name: string, status: number, attempts: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, Code: name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, attempts } });
}

describe('parseS3Url', () => {
  it.each([
    ['s3://lake', { bucket: 'lake', prefix: '' }],
    ['s3://lake/', { bucket: 'lake', prefix: '' }],
    ['s3://my-lake.prod/gogooku3/v1/', { bucket: 'my-lake.prod', prefix: 'gogooku3/v1' }],
    ['s3://lake//a/b//', { bucket: 'lake', prefix: 'a/b' }],
    ['s3://lake/%E6%97%A5%E6%9C%AC/x', { bucket: 'lake', prefix: '日本/x' }],
    ['S3://lake/p', { bucket: 'lake', prefix: 'p' }],
  ])('%s', (url, expected) => {
    expect(parseS3Url(url)).toEqual(expected);
  });

  it.each([
    ['file:///tmp/lake', 'expected s3://'],
    ['s3:/lake', 'expected s3://'],
    ['s3://', 'bucket name'],
    ['s3://Upper', 'bucket name'],
    ['s3://ab', 'bucket name'],
    ['s3://a..b', 'adjacent dots'],
    ['s3://10.0.0.1', 'IP address'],
    ['s3://lake/a/../b', 'prefix'],
    ['s3://lake/a/.tmp-x', 'prefix'],
    ['s3://lake/p?versionId=1', 'query'],
    ['s3://lake/%E6%97', 'percent-encoding'],
  ])('refuses %s', (url, reason) => {
    expect(() => parseS3Url(url)).toThrow(InvalidStoreUrlError);
    expect(() => parseS3Url(url)).toThrow(reason);
  });

  it('refuses credentials in the URL without repeating them', () => {
    let error: unknown;
    try {
      parseS3Url('s3://AKIAEXAMPLE:very-secret@lake/prefix');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidStoreUrlError);
    expect((error as Error).message).toContain('credentials');
    expect((error as Error).message).toContain('s3://lake/prefix');
    expect((error as Error).message).not.toContain('very-secret');
    expect((error as Error).message).not.toContain('AKIAEXAMPLE');
  });
});

describe('checkBucketName', () => {
  it('accepts S3 bucket names and explains refusals', () => {
    expect(checkBucketName('gogooku3-lake')).toBeUndefined();
    expect(checkBucketName('a'.repeat(63))).toBeUndefined();
    expect(checkBucketName('a'.repeat(64))).toMatch(/3 to 63/);
    expect(checkBucketName('-lake')).toMatch(/start and end/);
    expect(checkBucketName('lake_1')).toMatch(/lowercase/);
  });
});

describe('redactUrl', () => {
  it.each([
    ['http://minio:minio123@127.0.0.1:9000', 'http://127.0.0.1:9000'],
    ['https://user:pw@minio.internal/', 'https://minio.internal/'],
    ['http://127.0.0.1:9000?X-Amz-Signature=abc#frag', 'http://127.0.0.1:9000'],
    ['http://127.0.0.1:9000/base/path', 'http://127.0.0.1:9000/base/path'],
    ['s3://key:secret@lake/p', 's3://lake/p'],
    ['not a url with user:secret@host', '<redacted>@host'],
  ])('%s → %s', (url, expected) => {
    const out = redactUrl(url);
    expect(out.endsWith(expected) || out === expected).toBe(true);
    expect(out).not.toMatch(/secret|minio123|pw@|Signature/);
  });
});

describe('joinKey', () => {
  it('puts keys under the prefix', () => {
    expect(joinKey('', 'a/b')).toBe('a/b');
    expect(joinKey('lake/v1', 'a/b')).toBe('lake/v1/a/b');
  });
});

describe('planParts', () => {
  it('covers the object with contiguous parts, the last one possibly short', () => {
    expect(planParts(20 * MiB, 5 * MiB)).toEqual([1, 2, 3, 4].map((n) => ({ partNumber: n, start: (n - 1) * 5 * MiB, end: n * 5 * MiB })));
    const uneven = planParts(17 * MiB + 3, 8 * MiB);
    expect(uneven.map((p) => p.end - p.start)).toEqual([8 * MiB, 8 * MiB, MiB + 3]);
    expect(uneven.map((p) => p.partNumber)).toEqual([1, 2, 3]);
  });

  it('grows the part size to stay within 10,000 parts', () => {
    const size = MAX_PARTS * 5 * MiB + 1;
    const parts = planParts(size, 5 * MiB);
    expect(parts.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(parts[parts.length - 1].end).toBe(size);
  });

  it('has one empty part for an empty object and refuses nonsense sizes', () => {
    expect(planParts(0, 5 * MiB)).toEqual([{ partNumber: 1, start: 0, end: 0 }]);
    expect(() => planParts(-1, 5 * MiB)).toThrow(RangeError);
    expect(() => planParts(1.5, 5 * MiB)).toThrow(RangeError);
  });
});

describe('s3OptionsFromEnv', () => {
  it('defaults to us-east-1 and the SDK credential chain', () => {
    expect(s3OptionsFromEnv({})).toEqual({ region: 'us-east-1' });
  });

  it('reads the standard variables; a custom endpoint means path-style addressing', () => {
    expect(s3OptionsFromEnv({
      AWS_ACCESS_KEY_ID: 'minio',
      AWS_SECRET_ACCESS_KEY: 'minio123',
      AWS_REGION: 'ap-northeast-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_MAX_ATTEMPTS: '3',
    })).toEqual({
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio123' },
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      maxAttempts: 3,
    });
  });

  it('prefers the S3-specific endpoint and passes a session token through', () => {
    const options = s3OptionsFromEnv({
      AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't', AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://general:1', AWS_ENDPOINT_URL_S3: 'http://s3only:2',
    });
    expect(options).toMatchObject({ region: 'eu-west-1', endpoint: 'http://s3only:2', credentials: { sessionToken: 't' } });
  });

  it.each([
    [{ AWS_ACCESS_KEY_ID: 'k' }, 'AWS_SECRET_ACCESS_KEY is not set'],
    [{ AWS_SECRET_ACCESS_KEY: 'hidden-value' }, 'AWS_ACCESS_KEY_ID is not set'],
    [{ AWS_MAX_ATTEMPTS: 'many' }, 'AWS_MAX_ATTEMPTS'],
  ])('refuses %j', (env, message) => {
    expect(() => s3OptionsFromEnv(env)).toThrow(message);
    try {
      s3OptionsFromEnv(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('hidden-value');
    }
  });
});

describe('error classification', () => {
  it('tells a missing key from a missing bucket', () => {
    expect(isNoSuchKey(sdkError('NoSuchKey', 404, 1))).toBe(true);
    expect(isNoSuchKey(sdkError('NoSuchBucket', 404, 1))).toBe(false);
    expect(isNoSuchKey(undefined)).toBe(false);
    expect(isMissingBucket(sdkError('NotFound', 404, 1))).toBe(true);
    expect(isMissingBucket(sdkError('Forbidden', 403, 1))).toBe(false);
  });

  it('recognises servers without bucket versioning', () => {
    expect(isUnsupported(sdkError('NotImplemented', 501, 1))).toBe(true);
    expect(isUnsupported(sdkError('AccessDenied', 403, 1))).toBe(false);
  });

  it('describes SDK and network errors', () => {
    expect(describeCause(sdkError('SlowDown', 503, 5, 'Please reduce your request rate.'))).toEqual({ code: 'SlowDown', httpStatus: 503, attempts: 5, message: 'Please reduce your request rate.' });
    const refused = Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED', $metadata: { attempts: 2 } });
    expect(describeCause(refused)).toEqual({ code: 'ECONNREFUSED', httpStatus: undefined, attempts: 2, message: 'connect ECONNREFUSED 127.0.0.1:9' });
    expect(describeCause('boom')).toEqual({ message: 'boom' });
    // The SDK's wrapper for a network error it could not recognise as an Error (another realm).
    const wrapped = Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9'), { $metadata: { attempts: 3 } });
    expect(describeCause(wrapped)).toEqual({ code: 'ECONNREFUSED', httpStatus: undefined, attempts: 3, message: 'connect ECONNREFUSED 127.0.0.1:9' });
  });
});

describe('ObjectStoreError', () => {
  it('names the operation, bucket, key and endpoint, and keeps the cause', () => {
    const cause = sdkError('InternalError', 500, 5, 'We encountered an internal error.');
    const error = new ObjectStoreError({ operation: 'PutObject', bucket: 'lake', key: 'v1/features/date=2024-01-04/part-0.parquet', endpoint: 'http://127.0.0.1:9000' }, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ObjectStoreError');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('S3 PutObject s3://lake/v1/features/date=2024-01-04/part-0.parquet at http://127.0.0.1:9000 failed (InternalError, HTTP 500, after 5 attempts): We encountered an internal error.');
    expect(error).toMatchObject({ operation: 'PutObject', bucket: 'lake', code: 'InternalError', httpStatus: 500, attempts: 5 });
  });

  it('leaves the key out for bucket operations', () => {
    const error = new ObjectStoreError({ operation: 'HeadBucket', bucket: 'lake', endpoint: 'https://s3.us-east-1.amazonaws.com' }, { cause: sdkError('Forbidden', 403, 1, 'Forbidden') });
    expect(error.message).toBe('S3 HeadBucket s3://lake at https://s3.us-east-1.amazonaws.com failed (Forbidden, HTTP 403, after 1 attempt): Forbidden');
  });
});

describe('S3ObjectStore (no network)', () => {
  const stores: S3ObjectStore[] = [];
  const open = (url: string, options: ConstructorParameters<typeof S3ObjectStore>[1] = {}): S3ObjectStore => {
    const store = new S3ObjectStore(url, { credentials: { accessKeyId: 'k', secretAccessKey: 'not-in-the-url' }, ...options });
    stores.push(store);
    return store;
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it('keeps credentials out of url and endpoint', () => {
    const store = open('s3://lake/v1/', { endpoint: 'http://admin:hunter2@127.0.0.1:9000', region: 'ap-northeast-1' });
    expect(store.url).toBe('s3://lake/v1');
    expect(store.endpoint).toBe('http://127.0.0.1:9000');
    expect(JSON.stringify({ url: store.url, endpoint: store.endpoint })).not.toMatch(/hunter2|not-in-the-url/);
    expect((store as ObjectStore).localPath).toBeUndefined();
    expect(open('s3://lake').endpoint).toBe('https://s3.us-east-1.amazonaws.com');
  });

  it('builds from the environment', async () => {
    const store = S3ObjectStore.fromEnv('s3://lake/p', { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    stores.push(store);
    expect(store.endpoint).toBe('http://127.0.0.1:1');
    expect(store.region).toBe('us-east-1');
    expect(await store.client.config.forcePathStyle).toBe(true);
    expect(await store.client.config.maxAttempts()).toBe(5);
  });

  it.each([
    [{ partSizeBytes: 4 * MiB }, 'partSizeBytes'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ listPageSize: 1001 }, 'listPageSize'],
    [{ multipartThresholdBytes: -1 }, 'multipartThresholdBytes'],
  ])('refuses options %j', (options, name) => {
    expect(() => new S3ObjectStore('s3://lake', options)).toThrow(name);
  });

  it('refuses an endpoint that is not http(s) without echoing its credentials', () => {
    expect(() => new S3ObjectStore('s3://lake', { endpoint: 'ftp://u:pw@host' })).toThrow(InvalidStoreUrlError);
    expect(() => new S3ObjectStore('s3://lake', { endpoint: 'ftp://u:pw@host' })).not.toThrow(/pw/);
  });

  it.each(['../escape', '/abs', 'a//b', '', 'a\\b', 'a/.tmp-x'])('refuses key %j before any request', async (key) => {
    // The endpoint is unroutable: a request would fail with ObjectStoreError, not InvalidKeyError.
    const store = open('s3://lake/p', { endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('refuses keys longer than S3 allows with the prefix, and list prefixes that climb out', async () => {
    const store = open('s3://lake/p', { endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    await expect(store.put('日'.repeat(341), 'x')).rejects.toThrow(/1024 bytes/);
    await expect(store.list('../')).rejects.toBeInstanceOf(InvalidKeyError);
  });
});
