import { Platform, platformLayout, type PlatformArgs } from './platform';
import { ComponentArgsError } from './common';
import { dashboardFiles, prometheusRuleGroups } from '../dashboards';
import { PUSHGATEWAY_SCRAPE_JOB } from '../dashboards/rules/operations';
import { plaintextOccurrences, podSpecs, promiseOf, recordResources, reveal, settled, workloadViolations, type Recorded } from './test-support';

const recorded = recordResources();

const SECRETS = {
  minioRootUser: 'sentinel-minio-root-user',
  minioRootPassword: 'sentinel-minio-root-password',
  objectStoreAccessKey: 'sentinel-app-access-key',
  objectStoreSecretKey: 'sentinel-app-secret-key',
  clickhousePassword: 'sentinel-clickhouse-password',
  redisPassword: 'sentinel-redis-password',
  grafanaAdminPassword: 'sentinel-grafana-password',
  pagerDutyRoutingKey: 'sentinel-pagerduty-key',
  slackWebhookUrl: 'https://hooks.slack.invalid/sentinel-slack',
};

function args(overrides: Partial<PlatformArgs> = {}): PlatformArgs {
  // Plain strings on purpose: the components must make them secret themselves.
  return { env: 'dev', image: { repository: 'acme/gogooku3', tag: '1.2.3' }, secrets: SECRETS, ...overrides };
}

async function run(a: PlatformArgs): Promise<{ platform: Platform; resources: Recorded[] }> {
  recorded.length = 0;
  const platform = new Platform('gogooku3-test', a);
  await promiseOf(platform.routerUrl);
  await settled(recorded);
  return { platform, resources: recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers')) };
}

const count = (rs: Recorded[]) => rs.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }), {});
const containers = (rs: Recorded[]) => podSpecs(rs).flatMap(({ owner, spec }) => spec.containers.map((c: any) => ({ owner, c })));

describe('platformLayout', () => {
  it('defaults the namespaces from env and turns everything on', () => {
    expect(platformLayout({ env: 'prod' })).toEqual({ namespace: 'gogooku3-prod', monitoringNamespace: 'monitoring', monitoringEnabled: true, networkPoliciesEnabled: true, pushgatewayEnabled: true });
  });
  it.each([
    [{ env: 'Prod' }, /^env: expected a DNS label/],
    [{ env: 'dev', namespace: 'x_y' }, /^namespace: /],
    [{ env: 'dev', namespace: 'm', monitoringNamespace: 'm' }, /^monitoringNamespace: expected a namespace other than/],
  ])('refuses %j', (a, message) => {
    expect(() => platformLayout(a)).toThrow(ComponentArgsError);
    expect(() => platformLayout(a)).toThrow(message);
  });
});

describe('Platform', () => {
  let resources: Recorded[];
  let platform: Platform;
  beforeAll(async () => {
    ({ platform, resources } = await run(args()));
  });

  it('registers the expected resources', () => {
    expect(count(resources)).toEqual({
      'kubernetes:core/v1:Namespace': 2,
      // MinIO root + app, ClickHouse password + URL, Redis password + URL, Grafana, Alertmanager config + 2 receivers.
      'kubernetes:core/v1:Secret': 10,
      'kubernetes:core/v1:Service': 7,
      // MinIO init, ClickHouse config, Redis config, router weights, one per dashboard from dashboards/.
      'kubernetes:core/v1:ConfigMap': 4 + Object.keys(dashboardFiles()).length,
      'kubernetes:core/v1:ServiceAccount': 1,
      // MinIO, ClickHouse, Redis, Pushgateway.
      'kubernetes:apps/v1:StatefulSet': 4,
      'kubernetes:apps/v1:Deployment': 3,
      'kubernetes:batch/v1:Job': 2,
      'kubernetes:batch/v1:CronJob': 1,
      'kubernetes:autoscaling/v2:HorizontalPodAutoscaler': 1,
      'kubernetes:policy/v1:PodDisruptionBudget': 1,
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole': 1,
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding': 1,
      'kubernetes:rbac.authorization.k8s.io/v1:Role': 1,
      'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding': 1,
      'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition': 2,
      'kubernetes:helm.sh/v3:Release': 1,
      'kubernetes:monitoring.coreos.com/v1:PrometheusRule': 1,
      'kubernetes:monitoring.coreos.com/v1:PodMonitor': 6,
      'kubernetes:networking.k8s.io/v1:NetworkPolicy': 13,
    });
  });

  it('exposes the in-cluster endpoints the stack exports', async () => {
    expect(await promiseOf(platform.objectStoreEndpoint)).toBe('http://minio.gogooku3-dev.svc.cluster.local:9000');
    expect(await promiseOf(platform.onlineStoreUrl)).toBe('redis://redis.gogooku3-dev.svc.cluster.local:6379');
    expect(await promiseOf(platform.imageRef)).toBe('acme/gogooku3:1.2.3');
    expect(await promiseOf(platform.pushgatewayUrl!)).toBe('http://pushgateway.gogooku3-dev.svc.cluster.local:9091');
  });

  it('puts no secret in plain text anywhere', () => {
    const leaks = resources.flatMap((r) => plaintextOccurrences(r.inputs, Object.values(SECRETS)).map((p) => `${r.type} ${r.name}: ${p}`));
    expect(leaks).toEqual([]);
    // ... and the secrets did arrive, inside Secrets only.
    const secretText = JSON.stringify(resources.filter((r) => r.type === 'kubernetes:core/v1:Secret').map((r) => reveal(r.inputs)));
    for (const v of Object.values(SECRETS)) expect(secretText).toContain(v);
  });

  it('gives every workload limits, a restrictive securityContext and a pinned image', () => {
    const specs = podSpecs(resources);
    expect(specs.length).toBe(10);
    expect(specs.flatMap(({ owner, spec }) => workloadViolations(owner, spec))).toEqual([]);
  });

  it('requests GPUs nowhere by default', () => {
    expect(containers(resources).filter(({ c }) => JSON.stringify(c.resources).includes('nvidia.com/gpu'))).toEqual([]);
  });

  it('runs our image for storage init, the operator and the router', () => {
    const ours = containers(resources).filter(({ c }) => c.image === 'acme/gogooku3:1.2.3').map(({ c }) => c.command.slice(0, 3).join(' ')).sort();
    expect(ours).toEqual(['gogooku3 metrics prune', 'gogooku3 operator run', 'gogooku3 serve --host', 'gogooku3 storage init']);
  });

  it('runs a persisted Pushgateway, scraped with honorLabels, reachable from pipeline and prune pods only', () => {
    const prune = containers(resources).find(({ c }) => c.name === 'metrics-prune')!.c;
    expect(prune.env).toContainEqual({ name: 'GOGOOKU3_PUSHGATEWAY_URL', value: 'http://pushgateway.gogooku3-dev.svc.cluster.local:9091' });
    const monitor = resources.find((r) => r.type === 'kubernetes:monitoring.coreos.com/v1:PodMonitor' && r.name === 'pushgateway')!;
    expect(reveal(monitor.inputs.spec).podMetricsEndpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s', honorLabels: true }]);
    // the scrape job PushgatewayDown names: the pods' app.kubernetes.io/name, picked by the PodMonitor's jobLabel
    const gatewayPod = podSpecs(resources).find(({ owner }) => owner === 'kubernetes:apps/v1:StatefulSet pushgateway')!;
    const podLabels = reveal(resources.find((r) => r.type === 'kubernetes:apps/v1:StatefulSet' && r.name === 'pushgateway')!.inputs.spec).template.metadata.labels;
    expect(gatewayPod).toBeDefined();
    expect(podLabels[reveal(monitor.inputs.spec).jobLabel]).toBe(PUSHGATEWAY_SCRAPE_JOB);
    const policy = resources.find((r) => r.type === 'kubernetes:networking.k8s.io/v1:NetworkPolicy' && r.inputs.metadata.name === 'pushgateway')!;
    expect(policy.inputs.spec.ingress[0].from.map((f: any) => f.podSelector.matchLabels)).toEqual([
      { 'app.kubernetes.io/managed-by': 'gogooku3-operator' }, { 'gogooku3.io/role': 'metrics-prune' },
    ]);
  });

  it('denies by default and allows DNS in the platform namespace', () => {
    const policies = resources.filter((r) => r.type === 'kubernetes:networking.k8s.io/v1:NetworkPolicy');
    const deny = policies.find((p) => p.inputs.metadata.name === 'default-deny-all')!;
    expect(deny.inputs.metadata.namespace).toBe('gogooku3-dev');
    expect(deny.inputs.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
    expect(policies.map((p) => p.inputs.metadata.name)).toContain('allow-dns');
  });

  it('enforces Pod Security "restricted" on the platform namespace', () => {
    const ns = resources.find((r) => r.type === 'kubernetes:core/v1:Namespace' && r.name === 'gogooku3-dev')!;
    expect(ns.inputs.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('defaults the rules to the ones dashboards/ exports', () => {
    const rule = resources.find((r) => r.type === 'kubernetes:monitoring.coreos.com/v1:PrometheusRule')!;
    expect(rule.inputs.spec.groups).toEqual(JSON.parse(JSON.stringify(prometheusRuleGroups())));
  });

  it('mounts the Alertmanager receiver Secrets the default config reads', () => {
    const release = resources.find((r) => r.type === 'kubernetes:helm.sh/v3:Release')!;
    expect(release.inputs.values.alertmanager.alertmanagerSpec).toMatchObject({ useExistingSecret: true, secrets: ['alertmanager-pagerduty', 'alertmanager-slack'] });
  });
});

describe('Platform variants', () => {
  it('requests GPUs on Triton only, with the GPU toleration, when gpus > 0', async () => {
    const { resources } = await run(args({ modelServer: { gpus: 2, nodeSelector: { pool: 'gpu' } } }));
    const withGpu = containers(resources).filter(({ c }) => JSON.stringify(c.resources).includes('nvidia.com/gpu'));
    expect(withGpu.map(({ owner }) => owner)).toEqual(['kubernetes:apps/v1:Deployment triton']);
    expect(withGpu[0].c.resources.limits['nvidia.com/gpu']).toBe('2');
    const triton = podSpecs(resources).find(({ owner }) => owner.endsWith(' triton'))!.spec;
    expect(triton.nodeSelector).toEqual({ pool: 'gpu' });
    expect(triton.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('builds and pushes the image when a registry is configured, and runs the pushed digest', async () => {
    const { resources } = await run(args({ image: { repository: 'acme/gogooku3', tag: '1.2.3', registry: { server: 'registry.example.com', username: 'ci', password: 'sentinel-registry-password' } } }));
    const image = resources.find((r) => r.type === 'docker:index/image:Image')!;
    expect(image.inputs.imageName).toBe('registry.example.com/acme/gogooku3:1.2.3');
    expect(image.inputs.build).toMatchObject({ dockerfile: expect.stringMatching(/components\/images\/Dockerfile$/), platform: 'linux/amd64' });
    expect(resources.flatMap((r) => plaintextOccurrences(r.inputs, ['sentinel-registry-password']))).toEqual([]);
    const router = containers(resources).find(({ owner }) => owner.endsWith(' router'))!;
    expect(router.c.image).toBe(`registry.example.com/acme/gogooku3:1.2.3@sha256:${'0'.repeat(64)}`);
  });

  it('skips monitoring and NetworkPolicies when switched off, and uses the chart default Alertmanager config without receiver keys', async () => {
    const off = await run(args({ monitoring: { enabled: false }, networkPolicies: { enabled: false } }));
    expect(off.resources.filter((r) => /helm|monitoring.coreos|NetworkPolicy/.test(r.type))).toEqual([]);
    const { pagerDutyRoutingKey: _p, slackWebhookUrl: _s, ...noReceivers } = SECRETS;
    const on = await run(args({ secrets: noReceivers }));
    const release = on.resources.find((r) => r.type === 'kubernetes:helm.sh/v3:Release')!;
    expect(release.inputs.values.alertmanager.alertmanagerSpec).not.toHaveProperty('useExistingSecret');
    expect(release.inputs.values.alertmanager.alertmanagerSpec.secrets).toEqual([]);
  });

  it('leaves the Pushgateway out when disabled: no workload, no PodMonitor, no policy, no URL', async () => {
    const { platform, resources } = await run(args({ pushgateway: { enabled: false } }));
    expect(resources.filter((r) => r.name.startsWith('pushgateway') || r.inputs?.metadata?.name === 'metrics-prune')).toEqual([]);
    expect(platform.pushgatewayUrl).toBeUndefined();
  });

  it('refuses an unpinned image before registering anything', () => {
    expect(() => new Platform('bad', args({ image: { repository: 'acme/gogooku3', tag: 'latest' } }))).toThrow(/image.tag.*latest/);
  });
});
