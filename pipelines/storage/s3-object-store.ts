import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type BucketLocationConstraint,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { InvalidKeyError, InvalidStoreUrlError } from './errors';
import { validateKey } from './file-object-store';
import type { ObjectStore } from './types';

const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB..5 GiB (the last may be smaller), at most 10,000 parts, keys of at most 1024 UTF-8 bytes. */
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PART_BYTES = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
export const MAX_KEY_BYTES = 1024;
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 16 * MiB;
export const DEFAULT_PART_SIZE_BYTES = 8 * MiB;
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_REGION = 'us-east-1';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ObjectStoreOptions {
  /** A custom endpoint (MinIO, s3rver, …); absent means AWS S3 for `region`. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Absent: the SDK's default provider chain (environment, profile, instance role, …). */
  credentials?: S3Credentials;
  /** Path-style addressing (`http://host/bucket/key`); defaults to true when `endpoint` is set, false otherwise. */
  forcePathStyle?: boolean;
  /** Attempts per request, first one included, under the SDK's standard retry mode (5xx, throttling, network). Default 5. */
  maxAttempts?: number;
  /** Objects larger than this go up as a multipart upload. Default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Multipart part size, at least 5 MiB (S3's minimum); grown if the object would need more than 10,000 parts. Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once. Default 4. */
  partConcurrency?: number;
  /** `MaxKeys` per ListObjectsV2 page (1..1000). Default 1000. */
  listPageSize?: number;
  /** Connection timeout per attempt. Default 5 s. */
  connectionTimeoutMs?: number;
  /** A socket idle for this long fails the attempt (retried as a timeout). Default 120 s. */
  socketTimeoutMs?: number;
}

/**
 * A failed S3 operation after the SDK's retries. The message names the operation, the bucket, the full object
 * key and the endpoint (without credentials); the SDK's error is the `cause`.
 */
export class ObjectStoreError extends Error {
  readonly operation: string;
  readonly bucket: string;
  /** The full object key in the bucket (store prefix included), when the operation concerns one. */
  readonly key: string | undefined;
  readonly endpoint: string;
  /** The S3 error code (`NoSuchBucket`, `InvalidAccessKeyId`, …) or the network error code (`ECONNREFUSED`). */
  readonly code: string | undefined;
  readonly httpStatus: number | undefined;
  readonly attempts: number | undefined;

  constructor(info: { operation: string; bucket: string; key?: string; endpoint: string }, options: { cause: unknown }) {
    const described = describeCause(options.cause);
    const target = info.key === undefined ? `s3://${info.bucket}` : `s3://${info.bucket}/${info.key}`;
    const detail = [
      described.code,
      described.httpStatus !== undefined ? `HTTP ${described.httpStatus}` : undefined,
      described.attempts !== undefined ? `after ${described.attempts} attempt${described.attempts === 1 ? '' : 's'}` : undefined,
    ].filter(Boolean).join(', ');
    super(`S3 ${info.operation} ${target} at ${info.endpoint} failed${detail ? ` (${detail})` : ''}: ${described.message}`, { cause: options.cause });
    this.name = 'ObjectStoreError';
    this.operation = info.operation;
    this.bucket = info.bucket;
    this.key = info.key;
    this.endpoint = info.endpoint;
    this.code = described.code;
    this.httpStatus = described.httpStatus;
    this.attempts = described.attempts;
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  errors?: unknown[];
}

/** The parts of an SDK (or Node network) error worth putting in a message. */
export function describeCause(cause: unknown): { code?: string; httpStatus?: number; attempts?: number; message: string } {
  if (!(cause instanceof Error) && (typeof cause !== 'object' || cause === null)) return { message: String(cause) };
  const e = cause as SdkErrorShape;
  // Node's AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) has an empty message but a code.
  let code = e.code ?? e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined);
  let message = e.message ?? '';
  if (!message && Array.isArray(e.errors) && e.errors.length > 0) {
    const first = e.errors[0] as SdkErrorShape;
    message = first.message ?? '';
    code ??= first.code;
  }
  // The SDK wraps non-Error throwables (e.g. a network error from another realm, as under jest) and keeps only
  // their text; recover the system error code from it.
  const wrapped = /^AWS SDK error wrapper for (?:\w*Error: )?(.*)$/s.exec(message);
  if (wrapped) {
    message = wrapped[1];
    if (!code || code === 'Error') code = /\b(E[A-Z][A-Z_]{2,})\b/.exec(message)?.[1];
  }
  if (!message) message = code ?? 'unknown error';
  return { code, httpStatus: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts, message };
}

/** `s3://bucket/some/prefix/` → `{ bucket, prefix: 'some/prefix' }`. Credentials, queries and fragments are refused. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?([?#].*)?$/i.exec(url);
  if (!m) throw new InvalidStoreUrlError(redactUrl(url), 'expected s3://bucket[/prefix]');
  const [, authority, rawPath = '', rest] = m;
  if (authority.includes('@')) {
    throw new InvalidStoreUrlError(redactUrl(url), 'credentials do not belong in the URL (use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)');
  }
  if (rest) throw new InvalidStoreUrlError(url, 'query strings and fragments are not supported');
  const bucketProblem = checkBucketName(authority);
  if (bucketProblem) throw new InvalidStoreUrlError(url, `bucket name ${JSON.stringify(authority)} ${bucketProblem}`);
  let prefix: string;
  try {
    prefix = decodeURIComponent(rawPath).replace(/^\/+/, '').replace(/\/+$/, '');
  } catch {
    throw new InvalidStoreUrlError(url, 'malformed percent-encoding in the prefix');
  }
  try {
    validateKey(prefix, { allowEmpty: true });
  } catch (error) {
    throw new InvalidStoreUrlError(url, `prefix: ${(error as Error).message}`);
  }
  return { bucket: authority, prefix };
}

/** S3's general-purpose bucket naming rules; returns what is wrong, or undefined. */
export function checkBucketName(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'must be 3 to 63 characters';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) return 'may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit';
  if (bucket.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not look like an IP address';
  return undefined;
}

/**
 * A URL with user info, query and fragment removed, safe to print. Anything unparsable is cut at the first
 * `@` run (the most a secret could hide behind).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 's3:') {
      // WHATWG URL treats s3: as opaque-host; rebuild by hand.
      const m = /^s3:\/\/(?:[^/?#]*@)?([^/?#]*)([^?#]*)/i.exec(url);
      return m ? `s3://${m[1]}${m[2]}` : 's3://<redacted>';
    }
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    const out = parsed.href;
    // Keep `http://host:9000` as given rather than `http://host:9000/`.
    return !url.endsWith('/') && parsed.pathname === '/' && out.endsWith('/') ? out.slice(0, -1) : out;
  } catch {
    const at = url.lastIndexOf('@');
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
    return at >= 0 ? `${scheme}<redacted>@${url.slice(at + 1).replace(/[?#].*$/, '')}` : url.replace(/[?#].*$/, '');
  }
}

/** `prefix` + `/` + `key` (just `key` without a prefix). */
export function joinKey(prefix: string, key: string): string {
  return prefix ? `${prefix}/${key}` : key;
}

/** Byte ranges `[start, end)` of a multipart upload; the part size grows if `size` would need more than 10,000 parts. */
export function planParts(size: number, partSize: number): Array<{ partNumber: number; start: number; end: number }> {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`object size must be a non-negative integer, got ${size}`);
  const effective = Math.max(partSize, Math.ceil(size / MAX_PARTS));
  if (effective > MAX_PART_BYTES) throw new RangeError(`an object of ${size} bytes does not fit in ${MAX_PARTS} parts of at most 5 GiB`);
  if (size === 0) return [{ partNumber: 1, start: 0, end: 0 }];
  const parts: Array<{ partNumber: number; start: number; end: number }> = [];
  for (let start = 0; start < size; start += effective) {
    parts.push({ partNumber: parts.length + 1, start, end: Math.min(size, start + effective) });
  }
  return parts;
}

/** The constructor options `fromEnv` derives from the standard AWS variables. */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv): S3ObjectStoreOptions {
  const options: S3ObjectStoreOptions = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION,
  };
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    options.credentials = { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  } else if (accessKeyId || secretAccessKey) {
    throw new Error(`${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} is not set but ${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is; set both or neither`);
  }
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint) {
    options.endpoint = endpoint;
    options.forcePathStyle = true;
  }
  if (env.AWS_MAX_ATTEMPTS) {
    const n = Number(env.AWS_MAX_ATTEMPTS);
    if (!Number.isInteger(n) || n < 1) throw new Error(`AWS_MAX_ATTEMPTS must be a positive integer, got ${JSON.stringify(env.AWS_MAX_ATTEMPTS)}`);
    options.maxAttempts = n;
  }
  return options;
}

/** True for GetObject's "no such key" (not for a missing bucket, which must stay an error). */
export function isNoSuchKey(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey';
}

/** HeadBucket's "bucket does not exist" (HEAD responses carry no body, so the SDK names it NotFound). */
export function isMissingBucket(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return e?.name === 'NotFound' || e?.name === 'NoSuchBucket' || e?.Code === 'NoSuchBucket' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchKey');
}

/** A server that does not implement bucket versioning (s3rver; some gateways) rather than one refusing it. */
export function isUnsupported(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  const code = e?.Code ?? e?.name;
  return code === 'NotImplemented' || code === 'MethodNotAllowed' || e?.$metadata?.httpStatusCode === 501;
}

/**
 * s3rver routes `PUT /bucket?versioning` to CreateBucket (it does not know the subresource) and answers 409
 * BucketAlreadyExists; S3 itself never answers PutBucketVersioning so.
 */
function ignoredSubresource(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'BucketAlreadyExists' || name === 'BucketAlreadyOwnedByYou';
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

/**
 * ObjectStore over an S3 bucket (AWS, MinIO, s3rver, …); keys live under the URL's prefix. Single objects are one
 * PUT (atomic on S3); larger ones are a multipart upload, which is also atomic (the object appears only on
 * CompleteMultipartUpload) and is aborted on failure. Transient failures are retried by the SDK (standard
 * mode); what still fails becomes an ObjectStoreError. There is no localPath: the lake downloads what it reads.
 */
export class S3ObjectStore implements ObjectStore {
  /** `s3://bucket[/prefix]`; never credentials. */
  readonly url: string;
  readonly bucket: string;
  /** The key prefix without slashes at either end ('' for the bucket root). */
  readonly prefix: string;
  /** Where requests go, for messages: the custom endpoint without credentials, or the AWS regional endpoint. */
  readonly endpoint: string;
  /** The underlying client (exposed for middleware in tests and for callers needing other S3 calls). */
  readonly client: S3Client;
  readonly region: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly listPageSize: number;

  constructor(url: string, options: S3ObjectStoreOptions = {}) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = prefix ? `s3://${bucket}/${prefix}` : `s3://${bucket}`;
    this.region = options.region || DEFAULT_REGION;
    if (options.endpoint !== undefined) {
      try {
        const parsed = new URL(options.endpoint);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        throw new InvalidStoreUrlError(redactUrl(options.endpoint), 'the S3 endpoint must be an http:// or https:// URL');
      }
    }
    this.endpoint = options.endpoint !== undefined ? redactUrl(options.endpoint) : `https://s3.${this.region}.amazonaws.com`;
    this.multipartThreshold = positiveInt('multipartThresholdBytes', options.multipartThresholdBytes, DEFAULT_MULTIPART_THRESHOLD_BYTES, 0);
    this.partSize = positiveInt('partSizeBytes', options.partSizeBytes, DEFAULT_PART_SIZE_BYTES, MIN_PART_BYTES, MAX_PART_BYTES);
    this.partConcurrency = positiveInt('partConcurrency', options.partConcurrency, 4, 1, 64);
    this.listPageSize = positiveInt('listPageSize', options.listPageSize, 1000, 1, 1000);
    const maxAttempts = positiveInt('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 1, 20);
    this.client = new S3Client({
      region: this.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
      maxAttempts,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: positiveInt('connectionTimeoutMs', options.connectionTimeoutMs, 5_000),
        socketTimeout: positiveInt('socketTimeoutMs', options.socketTimeoutMs, 120_000),
      },
    });
  }

  /** Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), AWS_REGION, AWS_ENDPOINT_URL(_S3), AWS_MAX_ATTEMPTS. */
  static fromEnv(url: string, env: NodeJS.ProcessEnv = process.env, overrides: S3ObjectStoreOptions = {}): S3ObjectStore {
    return new S3ObjectStore(url, { ...s3OptionsFromEnv(env), ...overrides });
  }

  /**
   * Creates the bucket if it is missing and turns versioning on, so an overwritten or deleted partition can be
   * recovered. Servers without versioning (s3rver, some gateways) report 'unsupported' instead of failing.
   */
  async init(): Promise<{ bucketCreated: boolean; versioning: 'enabled' | 'unsupported' }> {
    let bucketCreated = false;
    let exists = true;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (!isMissingBucket(error)) throw this.fail('HeadBucket', undefined, error);
      exists = false;
    }
    if (!exists) {
      try {
        await this.client.send(new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that must not be named as a location constraint.
          ...(this.region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } } : {}),
        }));
        bucketCreated = true;
      } catch (error) {
        // Another process created it in between: fine.
        if ((error as SdkErrorShape).name !== 'BucketAlreadyOwnedByYou') throw this.fail('CreateBucket', undefined, error);
      }
    }
    try {
      await this.client.send(new PutBucketVersioningCommand({ Bucket: this.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    } catch (error) {
      if (isUnsupported(error) || ignoredSubresource(error)) return { bucketCreated, versioning: 'unsupported' };
      throw this.fail('PutBucketVersioning', undefined, error);
    }
    // A server that ignores `?versioning` may answer the PUT as something else and succeed; believe the status.
    try {
      const status = await this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket }));
      return { bucketCreated, versioning: status.Status === 'Enabled' ? 'enabled' : 'unsupported' };
    } catch (error) {
      if (isUnsupported(error)) return { bucketCreated, versioning: 'unsupported' };
      // Allowed to enable but not to read the setting (a narrow IAM policy): the PUT succeeded, trust it.
      if ((error as SdkErrorShape).name === 'AccessDenied') return { bucketCreated, versioning: 'enabled' };
      throw this.fail('GetBucketVersioning', undefined, error);
    }
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const fullKey = this.fullKey(key);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (body.byteLength > this.multipartThreshold && body.byteLength > 0) {
      await this.putMultipart(fullKey, body);
      return;
    }
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: fullKey, Body: body, ContentLength: body.byteLength }));
    } catch (error) {
      throw this.fail('PutObject', fullKey, error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const fullKey = this.fullKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: fullKey }));
      if (!out.Body) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw this.fail('GetObject', fullKey, error);
    }
  }

  /** Deleting a missing key succeeds (S3 semantics). On a versioned bucket this leaves a delete marker. */
  async delete(key: string): Promise<void> {
    const fullKey = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fullKey }));
    } catch (error) {
      throw this.fail('DeleteObject', fullKey, error);
    }
  }

  /**
   * Keys starting with `prefix` (a plain string prefix), relative to the store's prefix, sorted. Objects whose
   * names are not valid store keys (folder markers ending in `/`, `a//b`, …; written by other tools) are left out,
   * as the file store leaves out its temp files.
   */
  async list(prefix: string): Promise<string[]> {
    validateKey(prefix, { allowEmpty: true, allowTrailingSlash: true });
    const base = this.prefix ? `${this.prefix}/` : '';
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base + prefix, MaxKeys: this.listPageSize, ContinuationToken: token }));
      } catch (error) {
        throw this.fail('ListObjectsV2', `${base}${prefix}*`, error);
      }
      for (const object of page.Contents ?? []) {
        const full = object.Key;
        if (full === undefined || !full.startsWith(base)) continue;
        const rel = full.slice(base.length);
        if (isValidKey(rel)) keys.push(rel);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token) {
        throw this.fail('ListObjectsV2', `${base}${prefix}*`, new Error('truncated listing without a continuation token'));
      }
    } while (token);
    return keys.sort();
  }

  /** Releases the client's sockets. The store is unusable afterwards. */
  async close(): Promise<void> {
    this.client.destroy();
  }

  private fullKey(key: string): string {
    validateKey(key);
    const full = joinKey(this.prefix, key);
    if (Buffer.byteLength(full, 'utf8') > MAX_KEY_BYTES) throw new InvalidKeyError(key, `longer than S3's ${MAX_KEY_BYTES} bytes with the prefix`);
    return full;
  }

  private fail(operation: string, fullKey: string | undefined, cause: unknown): ObjectStoreError {
    return new ObjectStoreError({ operation, bucket: this.bucket, key: fullKey, endpoint: this.endpoint }, { cause });
  }

  /**
   * CRC32 per part, declared at creation and echoed back at completion, so AWS and MinIO verify every part and
   * the assembled object. The object appears only when the upload completes; any failure aborts the upload.
   */
  private async putMultipart(fullKey: string, body: Uint8Array): Promise<void> {
    let uploadId: string | undefined;
    try {
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, ChecksumAlgorithm: 'CRC32' }));
      uploadId = created.UploadId;
    } catch (error) {
      throw this.fail('CreateMultipartUpload', fullKey, error);
    }
    if (!uploadId) throw this.fail('CreateMultipartUpload', fullKey, new Error('the server returned no UploadId'));
    const plan = planParts(body.byteLength, this.partSize);
    const completed: CompletedPart[] = new Array(plan.length);
    let operation = 'UploadPart';
    try {
      let next = 0;
      let failed = false;
      const worker = async (): Promise<void> => {
        while (!failed && next < plan.length) {
          const part = plan[next++];
          try {
            const out = await this.client.send(new UploadPartCommand({
              Bucket: this.bucket,
              Key: fullKey,
              UploadId: uploadId,
              PartNumber: part.partNumber,
              Body: body.subarray(part.start, part.end),
              ContentLength: part.end - part.start,
              ChecksumAlgorithm: 'CRC32',
            }));
            if (!out.ETag) throw new Error(`the server returned no ETag for part ${part.partNumber}`);
            completed[part.partNumber - 1] = { PartNumber: part.partNumber, ETag: out.ETag, ...(out.ChecksumCRC32 ? { ChecksumCRC32: out.ChecksumCRC32 } : {}) };
          } catch (error) {
            failed = true;
            throw error;
          }
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.min(this.partConcurrency, plan.length) }, worker));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) throw rejected.reason;
      operation = 'CompleteMultipartUpload';
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, MultipartUpload: { Parts: completed } }));
    } catch (error) {
      // Best effort: an upload left behind holds storage until a lifecycle rule removes it, but no object appears.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId })).catch(() => undefined);
      throw this.fail(operation, fullKey, error);
    }
  }
}

function isValidKey(key: string): boolean {
  try {
    validateKey(key);
    return true;
  } catch {
    return false;
  }
}
