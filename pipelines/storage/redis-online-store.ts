/**
 * The Redis online store.
 *
 * Layout, for key prefix P and feature set S (neither may contain ':'):
 * - `P:S:<version>:<ticker>`  one hash per ticker: the feature values (absent field = null) plus the
 *   reserved fields `as_of`, `run_id`, `manifest_version`;
 * - `P:S:<version>`           the set of the version's tickers (so the next publish can retire them);
 * - `P:S:current`             the pointer: a hash naming the live `version`, its `run_id`, the ordered
 *   `features` (JSON) and the ticker count.
 *
 * `<version>` is `<runId>~<random>`: a publish never writes a key a reader may be reading, even when the same
 * run is published twice (a retry), and a version is never its own predecessor.
 *
 * A publish stages every hash under the new version in pipelined batches (with a staging TTL, so a crashed
 * publish leaves nothing behind for long), then one Lua script checks the staged keys are all there, makes
 * them permanent (or gives them the configured TTL), switches the pointer, and gives the previous version's
 * keys `graceSeconds` to live. A reader reads the pointer, then HMGETs only keys of that version: every vector
 * it gets belongs to one publish. Keys of a version are never modified after staging, so a reader that is
 * slower than the grace period can miss tickers (it retries when the pointer moved meanwhile), never mix them.
 *
 * The switch script touches keys it derives from the pointer, so it needs a standalone Redis (or all keys of a
 * feature set on one cluster slot).
 */

import { randomBytes } from 'node:crypto';
import { UnknownFeatureError } from './errors';
import { Redis, type RedisOptions } from 'ioredis';
import type { OnlineStore, OnlineVector } from './types';
import {
  RedisOnlineStoreOptions, OnlineStoreError, RESERVED_FIELDS, KEY_PREFIX_RE, STAGING_TTL_MS, RedisConnectionInfo, parseRedisUrl, retryDelay, onlineKeys, checkFeatureSet, planPublish, encodeVector, decodeVector,
} from './redis-support';

export * from './redis-support';

/**
 * KEYS: pointer, index of the new version. ARGV: key base, new version, ticker count, grace ms, ttl ms (0: none),
 * then the pointer's field/value pairs. Returns 1 after a switch, 0 when the version is already live (a
 * resend after a reconnect).
 */
const SWITCH_LUA = `
local pointer, index = KEYS[1], KEYS[2]
local base, version = ARGV[1], ARGV[2]
local count, grace, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local current = redis.call('HGET', pointer, 'version')
if current == version then return 0 end
local tickers = redis.call('SMEMBERS', index)
if #tickers ~= count then
  return redis.error_reply('ERR staged version ' .. version .. ' has ' .. #tickers .. ' of ' .. count .. ' tickers (staging expired?)')
end
local prefix = base .. version .. ':'
for i = 1, #tickers do
  if redis.call('EXISTS', prefix .. tickers[i]) == 0 then
    return redis.error_reply('ERR staged version ' .. version .. ' lost ticker ' .. tickers[i] .. ' (staging expired?)')
  end
end
local deadline = nil
if ttl > 0 then
  local now = redis.call('TIME')
  deadline = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + ttl
end
local function settle(key)
  if deadline then redis.call('PEXPIREAT', key, deadline) else redis.call('PERSIST', key) end
end
for i = 1, #tickers do settle(prefix .. tickers[i]) end
if count > 0 then settle(index) end
redis.call('DEL', pointer)
redis.call('HSET', pointer, unpack(ARGV, 6))
if deadline then redis.call('PEXPIREAT', pointer, deadline) end
if current then
  local function retire(key)
    local left = redis.call('PTTL', key)
    if left == -1 or left > grace then redis.call('PEXPIRE', key, grace) end
  end
  local oldIndex = base .. current
  local old = redis.call('SMEMBERS', oldIndex)
  for i = 1, #old do retire(oldIndex .. ':' .. old[i]) end
  retire(oldIndex)
end
return 1
`;

type PipelineReplies = Array<[Error | null, unknown]> | null;

export class RedisOnlineStore implements OnlineStore {
  /** The URL with the password masked. */
  readonly url: string;
  readonly keyPrefix: string;
  // Truly private (#): neither JSON.stringify nor util.inspect of the store may show the password.
  readonly #connection: RedisConnectionInfo;
  private readonly ttlMs: number;
  private readonly graceMs: number;
  private readonly maxRetries: number;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly batchSize: number;
  #client: Redis | undefined;
  private lastConnectionError: Error | undefined;
  private closed = false;

  constructor(url: string, options: RedisOnlineStoreOptions = {}) {
    this.#connection = parseRedisUrl(url);
    this.url = this.#connection.redacted;
    this.keyPrefix = options.keyPrefix ?? 'gogooku3';
    if (!KEY_PREFIX_RE.test(this.keyPrefix)) throw new Error(`keyPrefix ${JSON.stringify(this.keyPrefix)} must match ${KEY_PREFIX_RE}`);
    const positive = (name: string, value: number | undefined, fallback: number, min = 0) => {
      if (value === undefined) return fallback;
      if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got ${value}`);
      return value;
    };
    this.ttlMs = Math.round(positive('ttlSeconds', options.ttlSeconds, 0, 0.001) * 1000);
    this.graceMs = Math.round(positive('graceSeconds', options.graceSeconds, 60) * 1000);
    this.maxRetries = Math.floor(positive('maxRetries', options.maxRetries, 3));
    this.connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs, 5_000, 1);
    this.commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs, 30_000, 1);
    this.batchSize = Math.floor(positive('batchSize', options.batchSize, 250, 1));
  }

  async publish(featureSet: string, vectors: OnlineVector[]): Promise<void> {
    const plan = planPublish(featureSet, vectors);
    const keys = onlineKeys(this.keyPrefix, featureSet);
    const version = `${plan.runId || 'empty'}~${randomBytes(6).toString('hex')}`;
    await this.redis('publish', async (client) => {
      for (let start = 0; start < vectors.length; start += this.batchSize) {
        const batch = vectors.slice(start, start + this.batchSize);
        const pipeline = client.pipeline();
        for (const v of batch) {
          const key = keys.vector(version, v.ticker);
          pipeline.hset(key, encodeVector(v, plan.features));
          pipeline.pexpire(key, STAGING_TTL_MS);
        }
        pipeline.sadd(keys.index(version), ...batch.map((v) => v.ticker));
        pipeline.pexpire(keys.index(version), STAGING_TTL_MS);
        replies(await pipeline.exec());
      }
      const pointer = ['version', version, 'run_id', plan.runId, 'features', JSON.stringify(plan.features), 'tickers', String(vectors.length), 'published_at', new Date().toISOString()];
      await client.eval(SWITCH_LUA, 2, keys.pointer, keys.index(version), keys.base, version, String(vectors.length), String(this.graceMs), String(this.ttlMs), ...pointer);
    });
  }

  /** Vectors in the order of `tickers` (undefined where unknown); `features` projects and orders the values. */
  async get(featureSet: string, tickers: readonly string[], features?: readonly string[]): Promise<Array<OnlineVector | undefined>> {
    checkFeatureSet(featureSet);
    const keys = onlineKeys(this.keyPrefix, featureSet);
    return this.redis('get', async (client) => {
      for (let attempt = 1; ; attempt++) {
        const pointer = await client.hgetall(keys.pointer);
        const version = pointer.version;
        if (!version) return tickers.map(() => undefined);
        const published: string[] = JSON.parse(pointer.features ?? '[]');
        const wanted = features ?? published;
        if (features) {
          const known = new Set(published);
          const missing = features.filter((name) => !known.has(name));
          if (missing.length) throw new UnknownFeatureError(featureSet, missing);
        }
        const pipeline = client.pipeline();
        for (const ticker of tickers) pipeline.hmget(keys.vector(version, ticker), ...RESERVED_FIELDS, ...wanted);
        pipeline.hget(keys.pointer, 'version');
        const results = replies(await pipeline.exec());
        const vectors = tickers.map((ticker, i) => decodeVector(ticker, wanted, results[i] as Array<string | null>));
        // Keys of a version never change, so these vectors are one publish. A ticker can only be missing
        // wrongly if the version was retired under us; then read again from the new pointer.
        const moved = results[tickers.length] !== version;
        if (moved && attempt < 3 && vectors.some((v) => v === undefined)) continue;
        return vectors;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (client.status === 'ready') {
      // QUIT, then wait for the socket to close (at most 2 s): disconnecting a socket that already closed
      // would leave ioredis' 2 s destroy timer behind.
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([client.quit().then(() => ended), new Promise((resolve) => { timer = setTimeout(resolve, 2_000); })]);
      } catch {
        // Closing anyway.
      } finally {
        clearTimeout(timer);
      }
    }
    if (client.status !== 'end') client.disconnect();
  }

  /** Runs `body` on a live client; any failure of Redis becomes an OnlineStoreError naming the redacted URL. */
  private async redis<T>(operation: string, body: (client: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new OnlineStoreError(this.url, operation, 'the store is closed');
    try {
      return await body(this.liveClient());
    } catch (error) {
      if (error instanceof UnknownFeatureError || error instanceof OnlineStoreError) throw error;
      throw this.wrap(operation, error);
    }
  }

  /** The current client, or a new one (with a fresh retry budget) when the previous gave up reconnecting. */
  private liveClient(): Redis {
    if (this.#client && this.#client.status !== 'end') return this.#client;
    const { host, port, username, password, db, tls } = this.#connection;
    const options: RedisOptions = {
      host,
      port,
      username,
      password,
      db,
      tls: tls ? { servername: host } : undefined,
      lazyConnect: true,
      connectionName: 'gogooku3-online',
      disableClientInfo: true,
      connectTimeout: this.connectTimeoutMs,
      // After close() a socket that does not close promptly is destroyed (ioredis' default waits 2 s).
      disconnectTimeout: 500,
      commandTimeout: this.commandTimeoutMs,
      maxRetriesPerRequest: this.maxRetries,
      retryStrategy: (times) => retryDelay(times, this.maxRetries),
    };
    const client = new Redis(options);
    // Without a listener ioredis logs every failed reconnect as an unhandled error event.
    client.on('error', (error: Error) => { this.lastConnectionError = error; });
    client.on('ready', () => { this.lastConnectionError = undefined; });
    this.#client = client;
    return client;
  }

  private wrap(operation: string, error: unknown): OnlineStoreError {
    let detail = error instanceof Error ? error.message : String(error);
    const last = this.lastConnectionError;
    if (last && last !== error && last.message !== detail) detail += ` (last connection error: ${last.message})`;
    const { password } = this.#connection;
    if (password) {
      for (const secret of new Set([password, encodeURIComponent(password)])) detail = detail.split(secret).join('***');
    }
    return new OnlineStoreError(this.url, operation, detail, { cause: error });
  }
}

/** Pipeline replies, throwing the first command error (a dropped connection fails every command). */
function replies(results: PipelineReplies): unknown[] {
  if (!results) throw new Error('pipeline was discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/** Feature rows for a model: one row per ticker, values in the order of `features`. */
export interface OnlineFeatureMatrix {
  tickers: string[];
  features: string[];
  /** `values[i][j]`: ticker i, feature j; a row of nulls for a ticker the set does not have. */
  values: Array<Array<number | null>>;
  /** The run that published the vectors; null when no ticker was found. */
  runId: string | null;
  /** The latest `asOf` among the vectors found; null when none was. */
  asOf: string | null;
  /** Tickers the feature set has no vector for. */
  missing: string[];
}

/** Reads a matrix for the inference router from any OnlineStore (feature set `default` unless told). */
export async function getOnlineFeatures(store: OnlineStore, tickers: readonly string[], features: readonly string[], options: { featureSet?: string } = {}): Promise<OnlineFeatureMatrix> {
  const vectors = await store.get(options.featureSet ?? 'default', tickers, features);
  const runIds = new Set<string>();
  let asOf: string | null = null;
  const missing: string[] = [];
  const values = vectors.map((v, i) => {
    if (!v) {
      missing.push(tickers[i]);
      return features.map(() => null);
    }
    runIds.add(v.runId);
    if (asOf === null || v.asOf > asOf) asOf = v.asOf;
    return features.map((name) => v.values[name] ?? null);
  });
  if (runIds.size > 1) throw new Error(`online store ${store.url} returned vectors of ${runIds.size} runs (${[...runIds].join(', ')}) in one read`);
  return { tickers: [...tickers], features: [...features], values, runId: runIds.size ? [...runIds][0] : null, asOf, missing };
}
