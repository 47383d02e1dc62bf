import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedOnlineStore } from './embedded-online-store';
import { UnknownFeatureError } from './errors';
import type { OnlineVector } from './types';

const vec = (ticker: string, runId: string, values: Record<string, number | null>): OnlineVector => ({
  ticker, asOf: '2024-01-04', runId, manifestVersion: 'm1', values,
});

describe('EmbeddedOnlineStore', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-online-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('publishes one JSON document per feature set and returns vectors in the order asked', async () => {
    const store = new EmbeddedOnlineStore(dir);
    await store.publish('default', [vec('72030', 'run-1', { mom_5: 0.1, vol_20: 0.2 }), vec('130A0', 'run-1', { mom_5: NaN, vol_20: -1.5 })]);
    expect(fs.existsSync(path.join(dir, 'online', 'default.json'))).toBe(true);
    expect(await store.get('default', ['130A0', 'nope', '72030'])).toEqual([
      vec('130A0', 'run-1', { mom_5: null, vol_20: -1.5 }),
      undefined,
      vec('72030', 'run-1', { mom_5: 0.1, vol_20: 0.2 }),
    ]);
    expect(await store.get('never-published', ['72030'])).toEqual([undefined]);
  });

  it('projects a feature subset in the order asked and refuses unknown features', async () => {
    const store = new EmbeddedOnlineStore(dir);
    await store.publish('subset', [vec('1301', 'run-1', { a: 1, b: 2, c: 3 }), vec('1332', 'run-1', { a: 4, c: 6 })]);
    const [first, second] = await store.get('subset', ['1301', '1332'], ['c', 'a']);
    expect(Object.entries(first!.values)).toEqual([['c', 3], ['a', 1]]);
    expect(second!.values).toEqual({ c: 6, a: 4 });
    expect((await store.get('subset', ['1332'], ['b']))[0]!.values).toEqual({ b: null });
    await expect(store.get('subset', ['1301'], ['a', 'typo'])).rejects.toBeInstanceOf(UnknownFeatureError);
  });

  it('replaces the whole set on publish, also as seen by another store instance', async () => {
    const writer = new EmbeddedOnlineStore(dir);
    const reader = new EmbeddedOnlineStore(dir);
    await writer.publish('swap', [vec('A', 'run-1', { x: 1 }), vec('B', 'run-1', { x: 2 })]);
    expect((await reader.get('swap', ['A', 'B'])).map((v) => v?.runId)).toEqual(['run-1', 'run-1']);
    await writer.publish('swap', [vec('B', 'run-2', { x: 20, y: 5 })]);
    expect(await reader.get('swap', ['A', 'B'])).toEqual([undefined, vec('B', 'run-2', { x: 20, y: 5 })]);
    expect(fs.readdirSync(path.join(dir, 'online')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('never shows a mix of two publishes to concurrent readers', async () => {
    const writer = new EmbeddedOnlineStore(dir);
    const reader = new EmbeddedOnlineStore(dir);
    const tickers = Array.from({ length: 300 }, (_, i) => `${1000 + i}0`);
    const publish = (runId: string) => writer.publish('race', tickers.map((t) => vec(t, runId, { f: Number(runId.slice(4)) })));
    await publish('run-0');
    const reads: Array<Promise<Array<OnlineVector | undefined>>> = [];
    const writes: Array<Promise<void>> = [];
    for (let i = 1; i <= 10; i++) {
      writes.push(publish(`run-${i}`));
      reads.push(reader.get('race', tickers));
    }
    await Promise.all(writes);
    for (const vectors of await Promise.all(reads)) {
      expect(new Set(vectors.map((v) => v?.runId)).size).toBe(1);
    }
  });

  it('refuses unsafe feature set names and duplicate tickers', async () => {
    const store = new EmbeddedOnlineStore(dir);
    await expect(store.publish('../x', [])).rejects.toThrow(/feature set name/);
    await expect(store.publish('dup', [vec('A', 'r', {}), vec('A', 'r', {})])).rejects.toThrow(/twice/);
    await expect(store.get('a/b', ['A'])).rejects.toThrow(/feature set name/);
  });
});
