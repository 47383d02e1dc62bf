/** Typed storage errors, so callers (CLI, jobs) can tell a bad input from an I/O failure without parsing messages. */

/** A key that could escape the store's root or is not a plain `a/b/c` path. */
export class InvalidKeyError extends Error {
  constructor(readonly key: string, readonly reason: string) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}

/** A storage URL whose scheme no backend implements. */
export class UnsupportedBackendError extends Error {
  constructor(readonly url: string, readonly scheme: string, readonly setting: string) {
    super(`${setting}: the ${scheme}:// backend (${url}) is not available; ` +
      `supported: GOGOOKU3_OBJECT_STORE file:// | s3://, GOGOOKU3_DWH duckdb:// | clickhouse://, GOGOOKU3_ONLINE_STORE embedded | redis:// | rediss://`);
    this.name = 'UnsupportedBackendError';
  }
}

/** A storage URL that cannot be turned into a location (e.g. `file://relative/path`). */
export class InvalidStoreUrlError extends Error {
  constructor(readonly url: string, reason: string) {
    super(`invalid storage URL ${JSON.stringify(url)}: ${reason}`);
    this.name = 'InvalidStoreUrlError';
  }
}

/** Rows or columns that do not fit the declared dataset schema; nothing was written. */
export class LakeSchemaError extends Error {
  constructor(readonly dataset: string, readonly date: string, detail: string) {
    super(`${dataset}/date=${date}: ${detail}`);
    this.name = 'LakeSchemaError';
  }
}

/** A committed partition whose data file does not match its manifest (corruption or a concurrent rewrite). */
export class LakeIntegrityError extends Error {
  constructor(readonly dataset: string, readonly date: string, detail: string) {
    super(`${dataset}/date=${date}: ${detail}`);
    this.name = 'LakeIntegrityError';
  }
}

/** Features asked for that the published feature set does not have (a typo must not serve nulls silently). */
export class UnknownFeatureError extends Error {
  constructor(readonly featureSet: string, readonly features: string[]) {
    super(`feature set ${featureSet} has no feature(s) ${features.join(', ')}`);
    this.name = 'UnknownFeatureError';
  }
}
