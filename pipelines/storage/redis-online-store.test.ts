import { inspect } from 'node:util';
import fc from 'fast-check';
import { InvalidStoreUrlError } from './errors';
import {
  decodeValue, decodeVector, encodeValue, encodeVector, getOnlineFeatures, onlineKeys, parseRedisUrl, planPublish,
  redactUrl, RedisOnlineStore, retryDelay,
} from './redis-online-store';
import type { OnlineStore, OnlineVector } from './types';

const vec = (ticker: string, runId: string, values: Record<string, number | null>): OnlineVector => ({
  ticker, asOf: '2024-01-04', runId, manifestVersion: 'm1', values,
});

describe('parseRedisUrl', () => {
  it('reads host, port, credentials and db, and masks the password', () => {
    expect(parseRedisUrl('redis://alice:p%40ss%3Aw@cache.internal:6380/2')).toEqual({
      host: 'cache.internal', port: 6380, username: 'alice', password: 'p@ss:w', db: 2, tls: false,
      redacted: 'redis://alice:***@cache.internal:6380/2',
    });
    expect(parseRedisUrl('redis://:secret@127.0.0.1:7000/0')).toMatchObject({ username: undefined, password: 'secret', redacted: 'redis://:***@127.0.0.1:7000/0' });
    expect(parseRedisUrl('rediss://[::1]')).toEqual({ host: '::1', port: 6379, username: undefined, password: undefined, db: 0, tls: true, redacted: 'rediss://[::1]' });
  });

  it('refuses what it cannot connect to, without echoing the password', () => {
    for (const url of ['http://u:hunter2@h/0', 'redis://u:hunter2@h/x', 'redis://u:hunter2@h/0?tls=1', 'redis://u:hunter2@', 'redis://u:hun%ZZter2@h']) {
      let error: unknown;
      try {
        parseRedisUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidStoreUrlError);
      expect(String((error as Error).message)).not.toMatch(/hun.*ter2/);
    }
  });

  it('redactUrl masks credentials of strings that are not URLs', () => {
    expect(redactUrl('redis://bob:top secret@host:1/0')).toBe('redis://bob:***@host:1/0');
    expect(redactUrl('redis://host:1/0')).toBe('redis://host:1/0');
  });
});

describe('values', () => {
  it('round-trip every finite double exactly (including -0); null, NaN and ±Infinity are no field', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(Object.is(decodeValue(encodeValue(x)), x)).toBe(true);
    }), { numRuns: 2000 });
    for (const x of [null, undefined, NaN, Infinity, -Infinity]) expect(encodeValue(x)).toBeUndefined();
    expect(encodeValue(0.1)).toBe('0.1');
    expect(encodeValue(1e21)).toBe('1e+21');
    expect([decodeValue(null), decodeValue(undefined), decodeValue(''), decodeValue('x')]).toEqual([null, null, null, null]);
  });

  it('encode/decode a vector through the hash layout', () => {
    const v = vec('72030', 'run-1', { a: 1.5, b: null, c: -0 });
    const hash = encodeVector(v, ['a', 'b', 'c', 'd']);
    expect(hash).toEqual({ as_of: '2024-01-04', run_id: 'run-1', manifest_version: 'm1', a: '1.5', c: '-0' });
    const reply = ['as_of', 'run_id', 'manifest_version', 'c', 'b', 'a'].map((f) => hash[f] ?? null);
    const back = decodeVector('72030', ['c', 'b', 'a'], reply)!;
    expect(Object.entries(back.values)).toEqual([['c', -0], ['b', null], ['a', 1.5]]);
    expect(back).toMatchObject({ ticker: '72030', runId: 'run-1', asOf: '2024-01-04', manifestVersion: 'm1' });
    expect(decodeVector('nope', ['a'], [null, null, null, null])).toBeUndefined();
  });
});

describe('planPublish', () => {
  it('collects features in first-seen order and the single run id', () => {
    expect(planPublish('default', [vec('A', 'r1', { x: 1, y: 2 }), vec('B', 'r1', { z: 3, x: 4 })])).toEqual({ runId: 'r1', features: ['x', 'y', 'z'] });
    expect(planPublish('default', [])).toEqual({ runId: '', features: [] });
  });

  it('refuses duplicates, mixed runs, reserved names and key-breaking segments', () => {
    expect(() => planPublish('default', [vec('A', 'r', {}), vec('A', 'r', {})])).toThrow(/twice/);
    expect(() => planPublish('default', [vec('A', 'r1', {}), vec('B', 'r2', {})])).toThrow(/one publish is one run/);
    expect(() => planPublish('default', [vec('A', 'r', { run_id: 1 })])).toThrow(/reserved/);
    expect(() => planPublish('default', [vec('A:B', 'r', {})])).toThrow(/ticker/);
    expect(() => planPublish('default', [vec('A', 'r 1', {})])).toThrow(/run id/);
    expect(() => planPublish('../x', [])).toThrow(/feature set name/);
    expect(() => planPublish('a:b', [])).toThrow(/feature set name/);
  });
});

describe('keys and retries', () => {
  it('lays keys out under prefix and set; the pointer cannot collide with a version (versions contain ~)', () => {
    const keys = onlineKeys('gogooku3', 'default');
    expect(keys.pointer).toBe('gogooku3:default:current');
    expect(keys.index('r1~ab')).toBe('gogooku3:default:r1~ab');
    expect(keys.vector('r1~ab', '72030')).toBe('gogooku3:default:r1~ab:72030');
  });

  it('backs off 100, 200, 400 ms and gives up past the limit', () => {
    expect([1, 2, 3, 4].map((t) => retryDelay(t, 3))).toEqual([100, 200, 400, null]);
    expect(retryDelay(10, 20)).toBe(2000);
    expect(retryDelay(1, 0)).toBeNull();
  });

  it('the store validates its options and exposes only the masked URL', async () => {
    const store = new RedisOnlineStore('redis://u:hunter2@127.0.0.1:1/0');
    expect(store.url).toBe('redis://u:***@127.0.0.1:1/0');
    expect(JSON.stringify(store)).not.toContain('hunter2');
    expect(inspect(store, { depth: 5, showHidden: true })).not.toContain('hunter2');
    await store.close();
    await expect(store.get('default', ['A'])).rejects.toThrow(/closed/);
    expect(() => new RedisOnlineStore('redis://h', { keyPrefix: 'a:b' })).toThrow(/keyPrefix/);
    expect(() => new RedisOnlineStore('redis://h', { ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });
});

describe('getOnlineFeatures', () => {
  it('returns a ticker x feature matrix, null rows for missing tickers, the run and the latest asOf', async () => {
    const store: OnlineStore = {
      url: 'fake',
      publish: async () => undefined,
      close: async () => undefined,
      get: async (_set, tickers, features) => tickers.map((t) => (t === 'X' ? undefined : {
        ticker: t, asOf: t === 'B' ? '2024-01-05' : '2024-01-04', runId: 'r9', manifestVersion: 'm',
        values: Object.fromEntries((features ?? []).map((f, i) => [f, f === 'n' ? null : i + (t === 'A' ? 0 : 10)])),
      })),
    };
    expect(await getOnlineFeatures(store, ['A', 'X', 'B'], ['f', 'n', 'g'])).toEqual({
      tickers: ['A', 'X', 'B'], features: ['f', 'n', 'g'],
      values: [[0, null, 2], [null, null, null], [10, null, 12]],
      runId: 'r9', asOf: '2024-01-05', missing: ['X'],
    });
    expect(await getOnlineFeatures(store, ['X'], ['f'])).toMatchObject({ runId: null, asOf: null, missing: ['X'] });
  });
});
