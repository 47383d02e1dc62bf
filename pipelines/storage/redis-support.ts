/**
 * The pure parts of the Redis online store: URL parsing and redaction, the key layout, value encoding and the
 * checks a publish passes before anything is written.
 */
import { InvalidStoreUrlError, UnknownFeatureError } from './errors';
import type { OnlineVector } from './types';

export interface RedisOnlineStoreOptions {
  /** Published vectors (and the pointer) expire this long after the switch; default: never. */
  ttlSeconds?: number;
  /** Key namespace; default `gogooku3`. */
  keyPrefix?: string;
  /** How long the previous version's keys stay readable after a switch, for readers mid-read; default 60. */
  graceSeconds?: number;
  /** Reconnect attempts before pending and further commands fail with OnlineStoreError; default 3. */
  maxRetries?: number;
  /** Per connection attempt; default 5,000 ms. */
  connectTimeoutMs?: number;
  /** Per command (a hung server fails instead of hanging); default 30,000 ms. */
  commandTimeoutMs?: number;
  /** Tickers per pipelined batch while staging a publish; default 250. */
  batchSize?: number;
}

/** A Redis failure (unreachable, timed out, refused); `url` and the message never contain the password. */
export class OnlineStoreError extends Error {
  constructor(readonly url: string, readonly operation: string, detail: string, options?: { cause?: unknown }) {
    super(`online store ${url}: ${operation} failed: ${detail}`, options);
    this.name = 'OnlineStoreError';
  }
}

/** Hash fields that carry the vector's identity; feature names may not use them. */
export const RESERVED_FIELDS = ['as_of', 'run_id', 'manifest_version'] as const;
export const RESERVED = new Set<string>(RESERVED_FIELDS);

export const FEATURE_SET_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const KEY_PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Tickers and run ids become key segments: no ':' (the separator), no whitespace. */
export const SEGMENT_RE = /^[^\s:]{1,128}$/;
/** Staged keys of a publish that never switches (crash, error) expire after this. */
export const STAGING_TTL_MS = 3_600_000;

export interface RedisConnectionInfo {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** The URL with the password replaced by `***`, for messages and `store.url`. */
  redacted: string;
}

/** Best effort for strings that are not even parseable: blank out whatever sits between `//user:` and `@`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^@/]*@/i, '$1***@');
}

/** `redis://[user[:pass]@]host[:port][/db]` or `rediss://…` (TLS). Errors name the redacted URL only. */
export function parseRedisUrl(url: string): RedisConnectionInfo {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidStoreUrlError(redactUrl(url), 'not a URL');
  }
  if (parsed.password) parsed.password = '***';
  const redacted = parsed.toString();
  const fail = (reason: string): never => {
    throw new InvalidStoreUrlError(redacted, reason);
  };
  const real = new URL(url);
  const scheme = real.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') fail('expected redis:// or rediss://');
  const host = real.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) fail('no host');
  const port = real.port ? Number(real.port) : 6379;
  const dbText = real.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) fail(`database must be a number, got ${JSON.stringify(dbText)}`);
  if (real.search || real.hash) fail('query parameters and fragments are not supported');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return fail('bad percent-encoding in the credentials');
    }
  };
  return {
    host,
    port,
    username: real.username ? decode(real.username) : undefined,
    password: real.password ? decode(real.password) : undefined,
    db: dbText === '' ? 0 : Number(dbText),
    tls: scheme === 'rediss',
    redacted,
  };
}

/** Reconnect delay for attempt `times` (1-based): 100, 200, 400 … ms capped at 2 s; null (give up) past the limit. */
export function retryDelay(times: number, maxRetries: number): number | null {
  if (times > maxRetries) return null;
  return Math.min(100 * 2 ** (times - 1), 2_000);
}

/** A value as stored: the shortest string that parses back to the same double; undefined (no field) for null. */
export function encodeValue(value: number | null | undefined): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A stored field back to a value: absent, empty or not a number is null. */
export function decodeValue(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

export interface OnlineKeys {
  pointer: string;
  /** `<prefix>:<set>:`, the common start of every key of the set. */
  base: string;
  index(version: string): string;
  vector(version: string, ticker: string): string;
}

export function onlineKeys(prefix: string, featureSet: string): OnlineKeys {
  const base = `${prefix}:${featureSet}:`;
  return {
    pointer: `${base}current`,
    base,
    index: (version) => `${base}${version}`,
    vector: (version, ticker) => `${base}${version}:${ticker}`,
  };
}

export function checkFeatureSet(featureSet: string): void {
  if (!FEATURE_SET_RE.test(featureSet)) throw new Error(`feature set name ${JSON.stringify(featureSet)} must match ${FEATURE_SET_RE}`);
}

export interface PublishPlan {
  /** The run every vector belongs to ('' for an empty publish). */
  runId: string;
  /** The union of the vectors' feature names, in first-seen order (what `get` returns without a subset). */
  features: string[];
}

/** Validates a publish before anything is written; same rules as the embedded store plus the key alphabet. */
export function planPublish(featureSet: string, vectors: readonly OnlineVector[]): PublishPlan {
  checkFeatureSet(featureSet);
  const features: string[] = [];
  const seenFeatures = new Set<string>();
  const seenTickers = new Set<string>();
  let runId: string | undefined;
  for (const v of vectors) {
    if (!SEGMENT_RE.test(v.ticker)) throw new Error(`publish ${featureSet}: ticker ${JSON.stringify(v.ticker)} must be 1-128 characters without ':' or whitespace`);
    if (seenTickers.has(v.ticker)) throw new Error(`publish ${featureSet}: ticker ${v.ticker} appears twice`);
    seenTickers.add(v.ticker);
    if (runId === undefined) {
      if (!SEGMENT_RE.test(v.runId)) throw new Error(`publish ${featureSet}: run id ${JSON.stringify(v.runId)} must be 1-128 characters without ':' or whitespace`);
      runId = v.runId;
    } else if (v.runId !== runId) {
      throw new Error(`publish ${featureSet}: one publish is one run, got run ids ${runId} and ${v.runId}`);
    }
    for (const name of Object.keys(v.values)) {
      if (seenFeatures.has(name)) continue;
      if (RESERVED.has(name)) throw new Error(`publish ${featureSet}: feature name ${name} is reserved`);
      seenFeatures.add(name);
      features.push(name);
    }
  }
  return { runId: runId ?? '', features };
}

/** The hash of one vector: reserved fields plus one field per non-null value. */
export function encodeVector(v: OnlineVector, features: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = { as_of: v.asOf, run_id: v.runId, manifest_version: v.manifestVersion };
  for (const name of features) {
    const text = encodeValue(v.values[name]);
    if (text !== undefined) hash[name] = text;
  }
  return hash;
}

/** The vector back from HMGET replies ([as_of, run_id, manifest_version, ...features]); undefined when absent. */
export function decodeVector(ticker: string, features: readonly string[], reply: ReadonlyArray<string | null>): OnlineVector | undefined {
  const [asOf, runId, manifestVersion] = reply;
  if (runId === null || runId === undefined) return undefined;
  const values: Record<string, number | null> = {};
  for (let i = 0; i < features.length; i++) values[features[i]] = decodeValue(reply[i + RESERVED_FIELDS.length]);
  return { ticker, asOf: asOf ?? '', runId, manifestVersion: manifestVersion ?? '', values };
}

