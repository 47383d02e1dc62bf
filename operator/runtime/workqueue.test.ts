import fc from 'fast-check';
import { backoffDelay, QUEUE_BACKOFF, WATCH_BACKOFF } from './backoff';
import { WorkQueue } from './workqueue';

/** Settles pending promise callbacks (get() resolutions) without advancing timers. */
const flush = () => new Promise((resolve) => jest.requireActual('timers').setImmediate(resolve));

describe('backoffDelay', () => {
  it.each([
    [0, 0],
    [1, 50],
    [2, 100],
    [3, 200],
    [10, 50 * 512],
    [14, 5 * 60_000], // 50 * 2^13 = 409.6 s, capped at 5 min
    [1000, 5 * 60_000],
  ])('queue policy: attempt %i waits %i ms', (attempt, expected) => {
    expect(backoffDelay(attempt, QUEUE_BACKOFF)).toBe(expected);
  });

  it('jitter stays within [delay * (1 - jitter), delay]', () => {
    expect(backoffDelay(3, WATCH_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelay(3, WATCH_BACKOFF, () => 1)).toBe(400);
    expect(backoffDelay(100, WATCH_BACKOFF, () => 0.999)).toBeGreaterThanOrEqual(15_000);
    expect(backoffDelay(100, WATCH_BACKOFF, () => 0)).toBe(30_000);
  });
});

describe('WorkQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('de-duplicates keys waiting in the queue and keeps FIFO order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands out a key being processed; a re-add during processing is processed once more after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => { second = k; });
    await flush();
    expect(second).toBeUndefined();
    q.done(first!);
    await flush();
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
    expect(q.inFlight()).toBe(0);
  });

  it('a waiting get receives the next added key', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
    expect(q.inFlight()).toBe(1);
  });

  it('addRateLimited backs off exponentially per key; forget resets', async () => {
    const q = new WorkQueue({ backoff: { baseMs: 10, capMs: 1000 } });
    q.addRateLimited('a');
    q.addRateLimited('a'); // the second failure asks for 20 ms; the pending 10 ms stands (earliest wins)
    expect(q.numRequeues('a')).toBe(2);
    jest.advanceTimersByTime(9);
    expect(q.len()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    q.done((await q.get())!);
    q.addRateLimited('a'); // third failure: 40 ms
    jest.advanceTimersByTime(39);
    expect(q.len()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('addAfter: the earliest requested time wins', () => {
    const q = new WorkQueue();
    q.addAfter('k', 1000);
    q.addAfter('k', 300);
    q.addAfter('k', 5000);
    jest.advanceTimersByTime(299);
    expect(q.len()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(q.len()).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(q.len()).toBe(1); // the superseded timers were cleared, the key is still held once
  });

  it('reports depth changes', async () => {
    const depths: number[] = [];
    const q = new WorkQueue({ onDepth: (d) => depths.push(d) });
    q.add('a');
    q.add('b');
    await q.get();
    expect(depths).toEqual([1, 2, 1]);
  });

  it('shutDown releases waiting gets, drops queued and delayed keys, and refuses new ones', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    q.addAfter('b', 10);
    jest.advanceTimersByTime(100);
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('shutDownWithDrain waits for in-flight keys, or gives up at the timeout', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    const a = (await q.get())!;
    let drained: boolean | undefined;
    void q.shutDownWithDrain(1000).then((d) => { drained = d; });
    await flush();
    expect(drained).toBeUndefined();
    expect(await q.get()).toBeUndefined(); // 'b' was dropped, not handed out
    q.done(a);
    await flush();
    expect(drained).toBe(true);

    const q2 = new WorkQueue();
    q2.add('slow');
    await q2.get();
    const result = q2.shutDownWithDrain(1000);
    jest.advanceTimersByTime(1000);
    expect(await result).toBe(false);
  });

  it('handles many keys without quadratic cost', async () => {
    jest.useRealTimers();
    const q = new WorkQueue();
    const n = 20_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) q.add(`ns/k${i}`);
    for (let i = 0; i < n; i++) q.add(`ns/k${i}`);
    for (let i = 0; i < n; i++) q.done((await q.get())!);
    expect(q.len()).toBe(0);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('WorkQueue properties', () => {
  it('never hands out a held key, and every add is followed by a later hand-out of that key', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({ kind: fc.constant('get' as const) }),
      fc.record({ kind: fc.constant('done' as const), pick: fc.nat() }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
      const q = new WorkQueue();
      const held: string[] = [];
      const lastAdd = new Map<string, number>();
      const lastHandOut = new Map<string, number>();
      const take = async (step: number) => {
        const key = (await q.get())!;
        expect(held).not.toContain(key);
        held.push(key);
        lastHandOut.set(key, step);
      };
      for (const [step, o] of ops.entries()) {
        if (o.kind === 'add') {
          q.add(o.key);
          lastAdd.set(o.key, step);
        } else if (o.kind === 'get' && q.len() > 0) {
          await take(step);
        } else if (o.kind === 'done' && held.length > 0) {
          q.done(held.splice(o.pick % held.length, 1)[0]);
        }
      }
      // Drain: finish everything held, then process what remains until the queue is empty.
      let step = ops.length;
      while (held.length > 0 || q.len() > 0) {
        while (held.length > 0) q.done(held.pop()!);
        while (q.len() > 0) await take(step++);
      }
      for (const [key, added] of lastAdd) expect(lastHandOut.get(key)).toBeGreaterThan(added);
    }), { numRuns: 300 });
  });
});
