import { createEventRecorder } from './events';
import type { KubeClient, KubeObject } from './types';
import { silentLogger } from '../../pipelines/log';

const involved: KubeObject = { apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', metadata: { name: 'r1', namespace: 'ml', uid: 'u-1', resourceVersion: '7' } };

function fakeClient(failCreate = false) {
  const calls: Array<[string, unknown, unknown?]> = [];
  const client = {
    create: async (o: KubeObject) => {
      calls.push(['create', o]);
      if (failCreate) throw new Error('forbidden');
      return o;
    },
    mergePatch: async (ref: unknown, patch: unknown) => {
      calls.push(['patch', ref, patch]);
      return {} as KubeObject;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

describe('createEventRecorder', () => {
  it('creates a core/v1 Event, then aggregates repeats into count/lastTimestamp', async () => {
    let now = new Date('2026-01-05T00:00:00.123Z');
    const { client, calls } = fakeClient();
    const record = createEventRecorder({ client, logger: silentLogger, host: 'pod-1', now: () => now, aggregateWindowMs: 60_000 });
    await record(involved, { type: 'Warning', reason: 'AnalysisFailed', message: 'p95 too high' });
    now = new Date('2026-01-05T00:00:30Z');
    await record(involved, { type: 'Warning', reason: 'AnalysisFailed', message: 'p95 too high' });
    await record(involved, { type: 'Normal', reason: 'Promoted', message: 'step 2' });
    now = new Date('2026-01-05T00:05:00Z'); // past the window: a new Event
    await record(involved, { type: 'Warning', reason: 'AnalysisFailed', message: 'p95 too high' });

    expect(calls.map((c) => c[0])).toEqual(['create', 'patch', 'create', 'create']);
    const first = calls[0][1] as KubeObject;
    expect(first).toMatchObject({
      apiVersion: 'v1', kind: 'Event', metadata: { namespace: 'ml' },
      involvedObject: { apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', name: 'r1', namespace: 'ml', uid: 'u-1', resourceVersion: '7' },
      reason: 'AnalysisFailed', message: 'p95 too high', type: 'Warning', count: 1,
      source: { component: 'gogooku3-operator', host: 'pod-1' },
      firstTimestamp: '2026-01-05T00:00:00Z', lastTimestamp: '2026-01-05T00:00:00Z',
    });
    expect(first.metadata.name).toMatch(/^r1\.[0-9a-f]{12,}$/);
    expect(calls[1][1]).toEqual({ apiVersion: 'v1', kind: 'Event', namespace: 'ml', name: first.metadata.name });
    expect(calls[1][2]).toEqual({ count: 2, lastTimestamp: '2026-01-05T00:00:30Z' });
    expect((calls[3][1] as KubeObject).metadata.name).not.toBe(first.metadata.name);
  });

  it('logs and swallows a failed write', async () => {
    const { client } = fakeClient(true);
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (o: unknown) => warnings.push(o) } as unknown as typeof silentLogger;
    const record = createEventRecorder({ client, logger, host: 'pod-1' });
    await expect(record(involved, { type: 'Normal', reason: 'X', message: 'y' })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
