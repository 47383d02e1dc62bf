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
import {
  MIN_PART_BYTES, MAX_PART_BYTES, MAX_KEY_BYTES, DEFAULT_MULTIPART_THRESHOLD_BYTES, DEFAULT_PART_SIZE_BYTES, DEFAULT_MAX_ATTEMPTS, DEFAULT_REGION, S3ObjectStoreOptions, ObjectStoreError, SdkErrorShape, parseS3Url, redactUrl, joinKey, planParts, s3OptionsFromEnv, isNoSuchKey, isMissingBucket, isUnsupported, ignoredSubresource, positiveInt,
} from './s3-support';

export * from './s3-support';

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
