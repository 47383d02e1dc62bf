import { silentLogger } from '../../pipelines/log';
import { LeaderElector } from './leader-election';
import { AlreadyExistsError, ConflictError, keyOf, type KubeClient, type KubeObject } from './types';

/** An API server holding Leases in memory, with resourceVersion checks and a switch to fail one caller. */
function memoryLeases() {
  const store = new Map<string, KubeObject>();
  let rv = 0;
  const clientFor = (broken: () => boolean): KubeClient => {
    const check = () => {
      if (broken()) throw new Error('connection refused');
    };
    return {
      async get(ref) {
        check();
        const o = store.get(keyOf(ref));
        return o ? structuredClone(o) as never : undefined;
      },
      async create(o) {
        check();
        if (store.has(keyOf(o.metadata))) throw new AlreadyExistsError({ ...o, ...o.metadata });
        const stored = { ...structuredClone(o), metadata: { ...o.metadata, resourceVersion: String(++rv) } };
        store.set(keyOf(o.metadata), stored);
        return structuredClone(stored);
      },
      async replace(o) {
        check();
        const current = store.get(keyOf(o.metadata));
        if (!current || current.metadata.resourceVersion !== o.metadata.resourceVersion) throw new ConflictError({ ...o, ...o.metadata });
        const stored = { ...structuredClone(o), metadata: { ...o.metadata, resourceVersion: String(++rv) } };
        store.set(keyOf(o.metadata), stored);
        return structuredClone(stored);
      },
      list: () => Promise.reject(new Error('unused')),
      mergePatch: () => Promise.reject(new Error('unused')),
      replaceStatus: () => Promise.reject(new Error('unused')),
      delete: () => Promise.reject(new Error('unused')),
    };
  };
  return { store, clientFor };
}

async function until(check: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

describe('LeaderElector', () => {
  const config = { name: 'op', namespace: 'ns', leaseDurationSeconds: 1, renewDeadlineMs: 400, retryPeriodMs: 50 };
  const electors: LeaderElector[] = [];
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
  });

  function elector(identity: string, client: KubeClient, log: string[]) {
    const e = new LeaderElector(client, { ...config, identity }, {
      onStartedLeading: (signal) => {
        log.push(`${identity} started`);
        signal.addEventListener('abort', () => log.push(`${identity} signal aborted`));
      },
      onStoppedLeading: () => { log.push(`${identity} stopped`); },
    }, silentLogger);
    electors.push(e);
    return e;
  }

  it('elects exactly one of several candidates and keeps it while it renews', async () => {
    const { store, clientFor } = memoryLeases();
    const log: string[] = [];
    const all = ['a', 'b', 'c'].map((id) => elector(id, clientFor(() => false), log));
    all.forEach((e) => e.start());
    await until(() => all.some((e) => e.isLeader()), 2000);
    await new Promise((r) => setTimeout(r, 1500)); // longer than the lease: renewals must keep it
    expect(all.filter((e) => e.isLeader())).toHaveLength(1);
    expect(log.filter((l) => l.endsWith('started'))).toHaveLength(1);
    const leader = all.find((e) => e.isLeader())!;
    expect((store.get('ns/op')!.spec as { holderIdentity: string }).holderIdentity).toBe(leader.leader());
    expect(all.every((e) => e.leader() === leader.leader())).toBe(true);
  });

  it('a leader that cannot renew steps down by the renew deadline; a standby takes over once the lease expires', async () => {
    const { clientFor } = memoryLeases();
    const log: string[] = [];
    let partitioned = false;
    const a = elector('a', clientFor(() => partitioned), log);
    a.start();
    await until(() => a.isLeader(), 1000);
    const b = elector('b', clientFor(() => false), log);
    b.start();
    partitioned = true;
    const stepDownMs = await until(() => !a.isLeader(), 2000);
    expect(stepDownMs).toBeLessThan(800);
    expect(log).toEqual(['a started', 'a signal aborted', 'a stopped']);
    expect(a.healthy()).toBe(true); // still within one lease duration of the last success
    await until(() => b.isLeader(), 3000);
    expect(log.slice(3)).toEqual(['b started']);
  });

  it('stop() releases the Lease so a standby acquires it without waiting for expiry', async () => {
    const { store, clientFor } = memoryLeases();
    const log: string[] = [];
    const a = elector('a', clientFor(() => false), log);
    a.start();
    await until(() => a.isLeader(), 1000);
    const b = elector('b', clientFor(() => false), log);
    b.start();
    await new Promise((r) => setTimeout(r, 200));
    await a.stop();
    expect(log).toEqual(['a started', 'a signal aborted', 'a stopped']);
    const handover = await until(() => b.isLeader(), 2000);
    expect(handover).toBeLessThan(500); // well under the 1 s lease
    expect(store.get('ns/op')!.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, leaseDurationSeconds: 1 });
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    expect(() => new LeaderElector(memoryLeases().clientFor(() => false), { ...config, identity: 'x', renewDeadlineMs: 1000 }, { onStartedLeading: () => undefined, onStoppedLeading: () => undefined }, silentLogger))
      .toThrow(/renewDeadlineMs \(1000\) must be less than leaseDurationSeconds/);
  });
});
