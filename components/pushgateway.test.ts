import { ComponentArgsError, PINNED_IMAGES } from './common';
import { Pushgateway, pruneCronJobSpec, pushgatewaySettings, pushgatewayStatefulSetSpec } from './pushgateway';
import { podSpecs, promiseOf, recordResources, reveal, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

describe('pushgatewaySettings', () => {
  it('defaults: pinned image, 2Gi volume, 1m persistence, 90-day retention, daily prune in Tokyo time', () => {
    expect(pushgatewaySettings({})).toMatchObject({
      image: PINNED_IMAGES.pushgateway, storageSize: '2Gi', persistenceInterval: '1m', retentionDays: 90, pruneSchedule: '30 4 * * *', pruneTimeZone: 'Asia/Tokyo',
    });
  });
  it.each([
    [{ retentionDays: 30 }, /^pushgateway.retentionDays: expected a whole number of days >= 35/],
    [{ retentionDays: 40.5 }, /^pushgateway.retentionDays: /],
    [{ persistenceInterval: '1 minute' }, /^pushgateway.persistenceInterval: expected a duration/],
    [{ pruneSchedule: '@daily now' }, /^pushgateway.pruneSchedule: expected a cron schedule of five fields/],
    [{ image: 'prom/pushgateway:latest' }, /^pushgateway.image: expected an image pinned/],
  ])('refuses %j', (s, message) => {
    expect(() => pushgatewaySettings(s)).toThrow(message);
  });
  it('refuses with typed errors', () => {
    expect(() => pushgatewaySettings({ retentionDays: 1 })).toThrow(ComponentArgsError);
  });
});

describe('pushgatewayStatefulSetSpec', () => {
  const spec = pushgatewayStatefulSetSpec({ name: 'pg', settings: pushgatewaySettings({ persistenceInterval: '30s', storageClass: 'fast' }), labels: { a: 'b' } });
  it('persists to its own volume, on the interval and at shutdown', () => {
    const c = spec.template.spec.containers[0];
    expect(c.args).toEqual(['--web.listen-address=:9091', '--persistence.file=/data/pushgateway.metrics', '--persistence.interval=30s']);
    expect(c.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } });
    expect(spec.replicas).toBe(1);
  });
  it('follows the platform rules (non-root, read-only root, limits, pinned image)', () => {
    expect(workloadViolations('pg', spec.template.spec)).toEqual([]);
  });
});

describe('pruneCronJobSpec', () => {
  const spec = pruneCronJobSpec({ image: 'acme/gogooku3:1.2.3', gatewayUrl: 'http://pg.ns.svc.cluster.local:9091', settings: pushgatewaySettings({ retentionDays: 120 }), labels: { a: 'b' } });
  it('runs gogooku3 metrics prune with the retention against the gateway, one job at a time', () => {
    const c = spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(['gogooku3', 'metrics', 'prune', '--older-than-days', '120', '--job', 'gogooku3', '--format', 'json']);
    expect(c.env).toContainEqual({ name: 'GOGOOKU3_PUSHGATEWAY_URL', value: 'http://pg.ns.svc.cluster.local:9091' });
    expect(spec).toMatchObject({ schedule: '30 4 * * *', timeZone: 'Asia/Tokyo', concurrencyPolicy: 'Forbid' });
    expect(spec.jobTemplate.spec.template.metadata.labels).toEqual({ a: 'b', 'gogooku3.io/role': 'metrics-prune' });
    expect(workloadViolations('prune', spec.jobTemplate.spec.template.spec)).toEqual([]);
  });
  it('refuses an unpinned app image', () => {
    expect(() => pruneCronJobSpec({ image: 'acme/gogooku3', gatewayUrl: 'http://x', settings: pushgatewaySettings({}), labels: {} })).toThrow(/pushgateway.appImage/);
  });
});

describe('Pushgateway', () => {
  it('registers a Service, a StatefulSet and the prune CronJob, and exports its in-cluster URL', async () => {
    const pg = new Pushgateway('pushgateway', { namespace: 'ns', appImage: 'acme/gogooku3:1.2.3' });
    expect(await promiseOf(pg.url)).toBe('http://pushgateway.ns.svc.cluster.local:9091');
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:StatefulSet pushgateway',
      'kubernetes:batch/v1:CronJob pushgateway-prune',
      'kubernetes:core/v1:Service pushgateway',
    ]);
    expect(podSpecs(custom).flatMap(({ owner, spec }) => workloadViolations(owner, spec))).toEqual([]);
    const service = reveal(custom.find((r) => r.type === 'kubernetes:core/v1:Service')!.inputs.spec);
    expect(service.ports).toEqual([{ name: 'http', port: 9091, targetPort: 'http' }]);
  });
});
