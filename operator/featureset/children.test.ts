import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { closeInForce, dailySchedule, desiredChildren, FeatureSetChildrenError, PLACEHOLDER_UID, tokyoDate, type FeatureSetResource, type KubeObject } from './children';
import { parseFeatureSetSpec, type FeatureSetSpecInput } from './spec';

const BEFORE = new Date('2024-11-01T12:00:00+09:00'); // Friday, close 15:00
const AFTER = new Date('2024-11-05T12:00:00+09:00'); // Tuesday, first day of the 15:30 close

// What the user's Secrets would hold; none of it may ever appear in a rendered child.
const SECRET_VALUES = ['jq-api-key-Zx81q', 'AKIAEXAMPLE7Q2', 'wJalrXUtnFEMIsecretK7MDENG', 'ch-password-Pq99', 'redis-password-Lm42'];

function spec(overrides: Partial<FeatureSetSpecInput> = {}) {
  return parseFeatureSetSpec({
    featureManifest: { name: 'core', version: '2.0.0' },
    pipelineImage: 'ghcr.io/gogooku3/pipelines:1.2.3',
    jquants: { credentialsSecretRef: { name: 'jq' } },
    stores: {
      objectStore: { url: 's3://bucket/lake', credentialsSecretRef: { name: 's3-creds' } },
      dwh: { url: 'clickhouse://dwh:8123/db', credentialsSecretRef: { name: 'dwh-creds' } },
      online: { url: 'redis://online:6379/0', credentialsSecretRef: { name: 'redis-creds' } },
    },
    ...overrides,
  });
}

const resource = (overrides: Partial<FeatureSetSpecInput> = {}, meta: Partial<FeatureSetResource['metadata']> = {}): FeatureSetResource =>
  ({ metadata: { name: 'fs1', namespace: 'ml', ...meta }, spec: spec(overrides) });

const byKind = (children: KubeObject[], kind: string, component: string) => children.find((c) =>
  c.kind === kind && (c.metadata as { labels: Record<string, string> }).labels['app.kubernetes.io/component'] === component) as any;
const podSpec = (child: any) => (child.kind === 'CronJob' ? child.spec.jobTemplate.spec.template.spec : child.spec.template.spec);
/** Every container of a pod, init containers first. */
const allContainers = (child: any): any[] => [...(podSpec(child).initContainers ?? []), ...podSpec(child).containers];
const componentsOf = (children: KubeObject[]) => children.map((c: any) => `${c.kind}/${c.metadata.name}`);

describe('dailySchedule', () => {
  it.each([
    [30, BEFORE, '30 15 * * 1-5'],
    [30, AFTER, '0 16 * * 1-5'],
    [45, BEFORE, '45 15 * * 1-5'],
    [45, AFTER, '15 16 * * 1-5'],
    [0, BEFORE, '0 15 * * 1-5'],
    [0, AFTER, '30 15 * * 1-5'],
    [539, BEFORE, '59 23 * * 1-5'],
    [509, AFTER, '59 23 * * 1-5'],
  ])('afterCloseMinutes %i at %s → %s (Asia/Tokyo)', (minutes, now, expected) => {
    expect(dailySchedule(minutes, 'Asia/Tokyo', now)).toBe(expected);
  });

  it.each([
    // Friday 23:59 JST still has the 15:00 close; a minute later the next session is 2024-11-05 (Monday 11-04 is a holiday).
    ['2024-11-01T14:59:00Z', '2024-11-01', '15:00'],
    ['2024-11-01T15:00:00Z', '2024-11-05', '15:30'],
    ['2024-11-04T23:00:00Z', '2024-11-05', '15:30'],
    ['2020-06-15T03:00:00Z', '2020-06-15', '15:00'],
  ])('the close in force at %s is that of session %s: %s', (now, session, close) => {
    expect(closeInForce(new Date(now))).toEqual({ session, close });
  });

  it.each([[540, BEFORE, 'at most 539'], [510, AFTER, 'at most 509'], [720, AFTER, 'at most 509']])('refuses %i minutes at %s (past 23:59), naming the field', (minutes, now, bound) => {
    const run = () => dailySchedule(minutes, 'Asia/Tokyo', now);
    expect(run).toThrow(FeatureSetChildrenError);
    expect(run).toThrow(/^spec\.schedule\.afterCloseMinutes: expected at most/);
    expect(run).toThrow(bound);
  });

  it.each([
    ['UTC', AFTER, '0 7 * * 1-5'],
    ['Asia/Seoul', AFTER, '0 16 * * 1-5'],
    ['Pacific/Honolulu', AFTER, '0 21 * * 0-4'], // the Tokyo evening is the previous day there
    ['Pacific/Kiritimati', BEFORE, '30 20 * * 1-5'],
  ])('writes the Tokyo run time in the CronJob zone %s', (tz, now, expected) => {
    expect(dailySchedule(30, tz, now)).toBe(expected);
  });
});

describe('tokyoDate', () => {
  it.each([
    ['2024-11-04T14:59:59Z', 0, '2024-11-04'],
    ['2024-11-04T15:00:00Z', 0, '2024-11-05'],
    ['2024-11-04T15:00:00Z', -1, '2024-11-04'],
    ['2024-03-01T02:00:00Z', -1, '2024-02-29'],
  ])('%s shifted %i day(s) is %s in Tokyo', (now, days, expected) => {
    expect(tokyoDate(new Date(now), days)).toBe(expected);
  });
});

describe('desiredChildren', () => {
  it('renders the example FeatureSet (snapshot)', () => {
    const raw = parse(readFileSync(path.join(__dirname, '../examples/featureset.yaml'), 'utf8'));
    const children = desiredChildren({ metadata: raw.metadata, spec: parseFeatureSetSpec(raw) }, { now: AFTER });
    expect(componentsOf(children)).toEqual(['ServiceAccount/prime-daily-pipeline', 'CronJob/prime-daily-daily', 'Job/prime-daily-backfill-2020-01-06', 'CronJob/prime-daily-train']);
    expect(children).toMatchSnapshot();
  });

  it('renders a minimal FeatureSet with defaults (snapshot)', () => {
    const children = desiredChildren(resource({}, { uid: 'c0ffee00-1111-2222-3333-444455556666', generation: 3 }), { now: BEFORE });
    expect(componentsOf(children)).toEqual(['ServiceAccount/fs1-pipeline', 'ConfigMap/fs1-manifest', 'CronJob/fs1-daily']);
    expect(children).toMatchSnapshot();
  });

  it('is deterministic: equal input renders byte-equal JSON, key order included', () => {
    const input = resource({ backfill: { from: '2023-01-04' }, training: { image: 't:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5' } });
    expect(JSON.stringify(desiredChildren(input, { now: AFTER }))).toBe(JSON.stringify(desiredChildren(structuredClone(input), { now: new Date(AFTER) })));
  });

  it('labels and owns every child, with the placeholder uid when the resource has none', () => {
    const all = resource({ backfill: { from: '2023-01-04' }, training: { image: 't:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5' } });
    for (const [meta, uid] of [[{}, PLACEHOLDER_UID], [{ uid: 'abc-123' }, 'abc-123']] as const) {
      const children = desiredChildren({ ...all, metadata: { ...all.metadata, ...meta } }, { now: AFTER });
      expect(children.map((c: any) => c.metadata.labels['app.kubernetes.io/component'])).toEqual(['serviceaccount', 'manifest', 'daily', 'backfill', 'train']);
      for (const c of children as any[]) {
        expect(c.metadata.namespace).toBe('ml');
        expect(c.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'gogooku3', 'app.kubernetes.io/managed-by': 'gogooku3-operator', 'gogooku3.io/featureset': 'fs1' });
        expect(c.metadata.ownerReferences).toEqual([{ apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet', name: 'fs1', uid, controller: true, blockOwnerDeletion: true }]);
      }
    }
  });

  it('creates the manifest ConfigMap only for a { name, version } reference', () => {
    const own = byKind(desiredChildren(resource(), { now: AFTER }), 'ConfigMap', 'manifest');
    expect(own.data).toEqual({ name: 'core', version: '2.0.0' });
    const referenced = desiredChildren(resource({ featureManifest: { configMapRef: { name: 'mine', key: 'm.yaml' } } }), { now: AFTER });
    expect(referenced.filter((c) => c.kind === 'ConfigMap')).toEqual([]);
  });

  it('daily CronJob: schedule, policies, retries, hardened pod, stores and plan', () => {
    const daily = byKind(desiredChildren(resource({ retries: 4, jquants: { credentialsSecretRef: { name: 'jq' }, plan: 'premium' }, schedule: { afterCloseMinutes: 45 } }), { now: AFTER }), 'CronJob', 'daily');
    expect(daily.spec).toMatchObject({ schedule: '15 16 * * 1-5', timeZone: 'Asia/Tokyo', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 5, suspend: false });
    expect(daily.spec.jobTemplate.spec.backoffLimit).toBe(4);
    const pod = podSpec(daily);
    expect(pod.restartPolicy).toBe('Never');
    const [container] = pod.containers;
    expect(container.command).toEqual(['gogooku3', 'run', 'daily']);
    expect(container.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(pod.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    const env = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(env).toEqual({ GOGOOKU3_DATA_DIR: '/data', GOGOOKU3_FEATURE_SET: 'fs1', GOGOOKU3_OBJECT_STORE: 's3://bucket/lake', GOGOOKU3_DWH: 'clickhouse://dwh:8123/db', GOGOOKU3_ONLINE_STORE: 'redis://online:6379/0', GOGOOKU3_JQUANTS_PLAN: 'premium' });
  });

  it('gives every run pod (daily, backfill, training) the Pushgateway URL when spec.metrics names one', () => {
    const withGateway = desiredChildren(resource({ backfill: { from: '2023-01-04' }, training: { image: 't:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5' }, metrics: { pushgatewayUrl: 'http://pg.ns.svc:9091' } }), { now: AFTER });
    const pods = withGateway.filter((c) => c.kind === 'CronJob' || c.kind === 'Job');
    expect(pods.length).toBe(3);
    for (const container of pods.flatMap(allContainers)) expect(container.env).toContainEqual({ name: 'GOGOOKU3_PUSHGATEWAY_URL', value: 'http://pg.ns.svc:9091' });
    const without = desiredChildren(resource({}), { now: AFTER });
    expect(JSON.stringify(without)).not.toContain('GOGOOKU3_PUSHGATEWAY_URL');
  });

  it('passes credentials only by Secret reference, never a value', () => {
    const children = desiredChildren(resource({ backfill: { from: '2023-01-04' }, training: { image: 't:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5' } }), { now: AFTER });
    const json = JSON.stringify(children);
    for (const secret of SECRET_VALUES) expect(json).not.toContain(secret);
    for (const container of children.filter((c) => c.kind !== 'ServiceAccount' && c.kind !== 'ConfigMap').flatMap(allContainers)) {
      const refs = container.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
      expect(refs).toEqual([['JQUANTS_API_KEY', 'jq', 'JQUANTS_API_KEY'], ['AWS_ACCESS_KEY_ID', 's3-creds', 'AWS_ACCESS_KEY_ID'], ['AWS_SECRET_ACCESS_KEY', 's3-creds', 'AWS_SECRET_ACCESS_KEY']]);
      expect(container.env.map((e: any) => e.name).filter((n: string) => /KEY|SECRET|PASSWORD|TOKEN/.test(n))).toEqual(['JQUANTS_API_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
      expect(container.env.filter((e: any) => /KEY|SECRET/.test(e.name) && 'value' in e)).toEqual([]);
      expect(container.envFrom).toEqual([{ secretRef: { name: 'dwh-creds' } }, { secretRef: { name: 'redis-creds' } }]);
    }
  });

  it('leaves out AWS keys and envFrom when the stores have no credentials', () => {
    const bare = resource({ stores: { objectStore: { url: 'file:///data/lake' }, dwh: { url: 'duckdb:///data/w.duckdb' }, online: { url: 'redis://r:6379' } } });
    const [container] = podSpec(byKind(desiredChildren(bare, { now: AFTER }), 'CronJob', 'daily')).containers;
    expect(container.env.filter((e: any) => e.valueFrom).map((e: any) => e.name)).toEqual(['JQUANTS_API_KEY']);
    expect(container).not.toHaveProperty('envFrom');
  });

  it.each([
    ['dwh', { url: 'clickhouse://admin:ch-password-Pq99@dwh:8123/db' }],
    ['online', { url: 'redis://:redis-password-Lm42@online:6379/0' }],
    ['objectStore', { url: 's3://AKIAEXAMPLE7Q2:wJalrXUtnFEMIsecretK7MDENG@bucket/lake' }],
  ])('refuses a %s URL with embedded credentials without repeating them', (key, store) => {
    const stores = { objectStore: { url: 's3://bucket/lake' }, dwh: { url: 'duckdb:///w.duckdb' }, online: { url: 'redis://r:6379' }, [key]: store };
    let message = '';
    try {
      desiredChildren(resource({ stores }), { now: AFTER });
    } catch (error) {
      expect(error).toBeInstanceOf(FeatureSetChildrenError);
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`^spec\\.stores\\.${key}\\.url: expected a URL without embedded credentials`));
    for (const secret of SECRET_VALUES) expect(message).not.toContain(secret);
  });

  it('adds the backfill Job only when spec.backfill is set, ending yesterday in Tokyo', () => {
    expect(desiredChildren(resource(), { now: AFTER }).filter((c) => c.kind === 'Job')).toEqual([]);
    // 00:30 JST on 2024-11-05 is still 2024-11-04 in UTC; yesterday in Tokyo is 2024-11-04.
    const job = byKind(desiredChildren(resource({ backfill: { from: '2023-01-04' }, retries: 1 }), { now: new Date('2024-11-04T15:30:00Z') }), 'Job', 'backfill');
    expect(job.metadata.name).toBe('fs1-backfill-2023-01-04');
    expect(job.spec.backoffLimit).toBe(1);
    expect(podSpec(job).containers[0].command).toEqual(['gogooku3', 'run', 'backfill', '--from', '2023-01-04', '--to', '2024-11-04']);
    expect(podSpec(job).restartPolicy).toBe('Never');
  });

  it('refuses a backfill starting after yesterday in Tokyo, naming the field', () => {
    expect(() => desiredChildren(resource({ backfill: { from: '2024-11-05' } }), { now: AFTER })).toThrow(/^spec\.backfill\.from: expected a date on or before yesterday in Tokyo \(2024-11-04\)/);
  });

  it('adds the training CronJob only when spec.training is set: contract → trainer (GPUs) → register', () => {
    expect(desiredChildren(resource(), { now: AFTER }).map((c: any) => c.metadata.name)).not.toContain('fs1-train');
    const training = { image: 'ghcr.io/x/train:2', command: ['python', 'train.py', '--epochs', "it's 5"], gpus: 2, schedule: '0 20 * * 1-5', sessions: 500, seed: 7 };
    const train = byKind(desiredChildren(resource({ training }), { now: AFTER }), 'CronJob', 'train');
    expect(train.metadata.name).toBe('fs1-train');
    expect(train.spec).toMatchObject({ schedule: '0 20 * * 1-5', concurrencyPolicy: 'Forbid', timeZone: 'Asia/Tokyo' });
    const pod = podSpec(train);
    expect(allContainers(train).map((c) => [c.name, c.image])).toEqual([['contract', 'ghcr.io/gogooku3/pipelines:1.2.3'], ['train', 'ghcr.io/x/train:2'], ['register', 'ghcr.io/gogooku3/pipelines:1.2.3']]);
    const [contract, trainer] = pod.initContainers;
    expect(contract.command).toEqual(['gogooku3', 'models', 'contract', '--feature-set', 'fs1', '--sessions', '500', '--target', 'target_1_2', '--folds', '5', '--seed', '7', '--output-dir', '/out', '--out', '/contract/env']);
    // the trainer's argv reaches it unchanged, after the contract is exported
    expect(trainer.command).toEqual(['/bin/sh', '-c', '. /contract/env && exec "$@"', 'g3-train', 'python', 'train.py', '--epochs', "it's 5"]);
    expect(trainer.resources.requests['nvidia.com/gpu']).toBe('2');
    expect(trainer.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(pod.containers[0].command).toEqual(['gogooku3', 'models', 'register', '--name', 'fs1', '--dir', '/out', '--contract', '/contract/env', '--format', 'json']);
    expect(allContainers(train).filter((c) => JSON.stringify(c.resources).includes('nvidia.com/gpu')).map((c) => c.name)).toEqual(['train']);
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'out', mountPath: '/out', readOnly: true }]));
    for (const c of allContainers(train)) expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    const named = byKind(desiredChildren(resource({ training: { ...training, model: 'alpha' } }), { now: AFTER }), 'CronJob', 'train');
    expect(podSpec(named).containers[0].command).toContain('alpha');
    const cpuOnly = byKind(desiredChildren(resource({ training: { image: 't:1', command: ['python', 'train.py'], gpus: 0, schedule: '0 20 * * 1-5' } }), { now: AFTER }), 'CronJob', 'train');
    expect(JSON.stringify(cpuOnly)).not.toContain('nvidia.com/gpu');
  });

  it.each([true, false])('propagates suspend=%s to the CronJobs and the backfill Job', (suspend) => {
    const children = desiredChildren(resource({ suspend, backfill: { from: '2023-01-04' }, training: { image: 't:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5' } }), { now: AFTER });
    expect(children.filter((c) => c.kind === 'CronJob' || c.kind === 'Job').map((c: any) => c.spec.suspend)).toEqual([suspend, suspend, suspend]);
  });

  it('refuses a name too long for the CronJob it names', () => {
    const name = 'a'.repeat(47); // + '-daily' = 53 > 52
    expect(() => desiredChildren(resource({}, { name }), { now: AFTER })).toThrow(/^metadata\.name: .*at most 52 characters\), got 53$/);
    expect(() => desiredChildren(resource({}, { name: 'a'.repeat(46) }), { now: AFTER })).not.toThrow();
  });
});
