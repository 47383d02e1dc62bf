/**
 * The pure parts of the S3 object store: URL parsing and redaction, bucket-name and part planning rules,
 * options from the standard AWS environment variables, and the typed error with its SDK-error classification.
 */
import { InvalidStoreUrlError } from './errors';
import { validateKey } from './file-object-store';

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

export interface SdkErrorShape {
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
export function ignoredSubresource(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'BucketAlreadyExists' || name === 'BucketAlreadyOwnedByYou';
}

export function positiveInt(name: string, value: number | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

