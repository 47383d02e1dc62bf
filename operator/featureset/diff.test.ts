import type { KubeObject } from '../runtime/types';
import { covers, diffChildren, overlay } from './diff';

const obj = (kind: string, name: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'v1', kind, metadata: { name, namespace: 'ns', ...meta }, ...rest });

describe('covers', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal scalars', 1, 1, true],
    ['different scalars', 1, 2, false],
    ['server-added fields are ignored', { a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }, true],
    ['a field we set that differs', { a: 1, b: { c: 2 } }, { b: { c: 3 } }, false],
    ['a field we set that is missing', { a: 1 }, { b: 1 }, false],
    ['array items with server defaults', [{ name: 'x', imagePullPolicy: 'IfNotPresent' }], [{ name: 'x' }], true],
    ['array of another length', [{ name: 'x' }, { name: 'y' }], [{ name: 'x' }], false],
    ['undefined desired fields are not ours', { a: 1 }, { a: 1, b: undefined }, true],
    ['false is a value', {}, { suspend: false }, false],
  ])('%s', (_name, observed, desired, expected) => {
    expect(covers(observed, desired)).toBe(expected);
  });
});

describe('overlay', () => {
  it('lays desired fields over observed ones, keeping what the server added', () => {
    expect(overlay({ spec: { schedule: 'a', x: 1, list: [{ n: 1, d: 'def' }] }, status: { s: 1 } }, { spec: { schedule: 'b', list: [{ n: 2 }] } }))
      .toEqual({ spec: { schedule: 'b', x: 1, list: [{ n: 2, d: 'def' }] }, status: { s: 1 } });
  });

  it('replaces an array whose length changed', () => {
    expect(overlay({ env: [{ name: 'A', extra: 1 }] }, { env: [{ name: 'A' }, { name: 'B' }] })).toEqual({ env: [{ name: 'A' }, { name: 'B' }] });
  });
});

describe('diffChildren', () => {
  const sa = obj('ServiceAccount', 'fs-pipeline', { automountServiceAccountToken: false });
  const cron = obj('CronJob', 'fs-daily', { spec: { schedule: '0 16 * * 1-5', suspend: false } });
  const job = obj('Job', 'fs-backfill', { spec: { suspend: false, template: { spec: { containers: [{ command: ['--to', '2026-12-03'] }] } } } });

  it('creates what is missing', () => {
    expect(diffChildren([], [sa, cron])).toEqual({ create: [sa, cron], update: [], delete: [] });
  });

  it('writes nothing when only server defaults, status and resourceVersion differ', () => {
    const observedCron = { ...cron, metadata: { ...cron.metadata, resourceVersion: '7', uid: 'u' }, spec: { ...(cron.spec as object), concurrencyPolicy: 'Allow' }, status: { lastScheduleTime: 't' } };
    expect(diffChildren([{ ...sa, secrets: [] }, observedCron], [sa, cron])).toEqual({ create: [], update: [], delete: [] });
  });

  it('updates a changed field on top of the observed object (resourceVersion kept for the conflict check)', () => {
    const observedCron = { ...cron, metadata: { ...cron.metadata, resourceVersion: '7' }, status: { active: [] } };
    const desired = { ...cron, spec: { schedule: '15 16 * * 1-5', suspend: false } };
    const diff = diffChildren([observedCron], [desired]);
    expect(diff.update).toHaveLength(1);
    expect(diff.update[0].next).toMatchObject({ metadata: { resourceVersion: '7' }, spec: { schedule: '15 16 * * 1-5' }, status: { active: [] } });
  });

  it('never rewrites a Job\'s immutable template, only its suspend flag', () => {
    const observed = { ...job, spec: { suspend: false, template: { spec: { containers: [{ command: ['--to', '2026-12-01'] }] } } } };
    expect(diffChildren([observed], [job]).update).toEqual([]);
    const suspended = diffChildren([observed], [{ ...job, spec: { ...(job.spec as object), suspend: true } }]).update;
    expect(suspended.map((u) => (u.next.spec as { suspend: boolean; template: unknown })))
      .toEqual([{ suspend: true, template: { spec: { containers: [{ command: ['--to', '2026-12-01'] }] } } }]);
  });

  it('deletes owned objects no longer desired, and leaves objects being deleted alone', () => {
    const train = obj('CronJob', 'fs-train', { spec: {} });
    const going = obj('ConfigMap', 'fs-manifest', {}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(diffChildren([sa, train, going], [sa, { ...going, metadata: { name: 'fs-manifest', namespace: 'ns' } }])).toEqual({ create: [], update: [], delete: [train] });
  });

  it('tells kinds apart by apiVersion and kind, not only by name', () => {
    const cm = obj('ConfigMap', 'fs-daily');
    expect(diffChildren([cm], [cron])).toEqual({ create: [cron], update: [], delete: [cm] });
  });
});
