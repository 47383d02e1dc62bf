import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { parseAllDocuments } from 'yaml';
import { captureStack, PLACEHOLDER_PREFIX, renderStack, writeRendered } from './render';
import { KIND_ORDER, renderManifests, RenderError } from './manifests';
import type { CapturedResource } from './capture';

/** A tiny stand-in for Platform: two components, a Secret fed from secret config, a chart. */
class Part extends pulumi.ComponentResource {
  constructor(type: string, name: string, build: (self: Part) => void, opts?: pulumi.ComponentResourceOptions) {
    super(`gogooku3:test:${type}`, name, {}, opts);
    build(this);
    this.registerOutputs({});
  }
}

function fixtureProgram(leak = false) {
  return async () => {
    const config = new pulumi.Config('gogooku3');
    const ns = config.require('namespace');
    new Part('Platform', 'p', (root) => {
      new k8s.core.v1.Namespace('ns', { metadata: { name: ns } }, { parent: root });
      new Part('Warehouse', 'wh', (wh) => {
        const pw = config.requireSecret('clickhousePassword');
        new k8s.core.v1.Secret('wh-auth', { metadata: { name: 'clickhouse-auth', namespace: ns, labels: { app: 'clickhouse' } }, stringData: { password: pw, user: 'gogooku3' } }, { parent: wh });
        new k8s.core.v1.Service('wh-svc', { metadata: { name: 'clickhouse', namespace: ns }, spec: { ports: [{ port: 8123 }] } }, { parent: wh });
        new k8s.apps.v1.StatefulSet('wh-sts', {
          metadata: { name: 'clickhouse', namespace: ns },
          spec: { serviceName: 'clickhouse', selector: { matchLabels: { app: 'clickhouse' } }, template: { metadata: { labels: { app: 'clickhouse' } }, spec: { containers: [{ name: 'ch', image: 'clickhouse/clickhouse-server:25.8.2.29' }] } } },
        }, { parent: wh });
        if (leak) new k8s.core.v1.ConfigMap('wh-leak', { metadata: { name: 'leak', namespace: ns }, data: { password: pw } }, { parent: wh });
      }, { parent: root });
      new Part('Monitoring', 'mon', (mon) => {
        new k8s.helm.v3.Release('kps', {
          name: 'kube-prometheus-stack', chart: 'kube-prometheus-stack', version: '70.4.2', namespace: 'monitoring',
          repositoryOpts: { repo: 'https://prometheus-community.github.io/helm-charts' }, values: { grafana: { admin: { existingSecret: 'grafana-admin' } } },
        }, { parent: mon });
      }, { parent: root });
    });
    return {};
  };
}

const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>).filter(Boolean);

describe('stack render (fixture program, real dev config)', () => {
  test('one file per component, ordered kinds, ExternalSecret instead of Secret, no secret values', async () => {
    const r = await renderStack('dev', { program: fixtureProgram() });
    expect([...r.files.keys()]).toEqual(['platform.yaml', 'monitoring.yaml', 'warehouse.yaml', 'kustomization.yaml']);
    const all = [...r.files.values()].join('\n');
    expect(all).not.toContain(PLACEHOLDER_PREFIX);
    expect(all).not.toMatch(/^kind: Secret$/m);
    const wh = docsOf(r.files.get('warehouse.yaml')!);
    expect(wh.map((d) => d.kind)).toEqual(['ExternalSecret', 'Service', 'StatefulSet']);
    expect(wh[0].spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'gogooku3/dev/clickhouse-auth', property: 'password' } },
      { secretKey: 'user', remoteRef: { key: 'gogooku3/dev/clickhouse-auth', property: 'user' } },
    ]);
    expect(wh[0].spec.target.template.metadata.labels).toEqual({ app: 'clickhouse' });
    const mon = docsOf(r.files.get('monitoring.yaml')!);
    expect(mon.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['HelmRepository/prometheus-community-github-io-helm-charts', 'HelmRelease/kube-prometheus-stack']);
    expect(mon[1].spec.chart.spec).toMatchObject({ chart: 'kube-prometheus-stack', version: '70.4.2' });
    expect(docsOf(r.files.get('platform.yaml')!)[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gogooku3-dev' } });
    expect(docsOf(r.files.get('kustomization.yaml')!)[0].resources).toEqual(['platform.yaml', 'monitoring.yaml', 'warehouse.yaml']);
    for (const [name, text] of r.files) {
      if (name === 'kustomization.yaml') continue;
      for (const d of docsOf(text)) {
        expect(typeof d.apiVersion).toBe('string');
        expect(typeof d.kind).toBe('string');
        expect(typeof d.metadata?.name).toBe('string');
      }
    }
  });

  test('deterministic: two renders are byte-equal', async () => {
    const a = await renderStack('dev', { program: fixtureProgram() });
    const b = await renderStack('dev', { program: fixtureProgram() });
    expect([...b.files]).toEqual([...a.files]);
  });

  test('a secret value outside a Secret is refused, naming the object and field (Pulumi marks the whole top-level field)', async () => {
    await expect(renderStack('dev', { program: fixtureProgram(true) })).rejects.toThrow(/ConfigMap wh-leak data: a secret value outside a Secret/);
  });

  test('captured inputs mark secret config as secret', async () => {
    const { resources } = await captureStack('dev', { program: fixtureProgram() });
    const secret = resources.find((x) => x.name === 'wh-auth')!;
    expect(JSON.stringify(secret.inputs.stringData)).toContain('1b47061264138c4ac30d75fd1eb44270');
  });

  test('writeRendered replaces earlier renders and keeps hand-written files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'g3-render-'));
    await writeFile(path.join(dir, 'old.yaml'), '# Rendered by `gogooku3 stack render --stack dev`; x\n');
    await writeFile(path.join(dir, 'mine.yaml'), 'kind: Thing\n');
    const r = await renderStack('dev', { program: fixtureProgram() });
    const { removed } = await writeRendered(dir, r);
    expect(removed).toEqual(['old.yaml']);
    expect((await readdir(dir)).sort()).toEqual(['kustomization.yaml', 'mine.yaml', 'monitoring.yaml', 'platform.yaml', 'warehouse.yaml']);
    expect(await readFile(path.join(dir, 'warehouse.yaml'), 'utf8')).toBe(r.files.get('warehouse.yaml'));
  });
});

describe('renderManifests (pure)', () => {
  const res = (type: string, name: string, inputs: Record<string, unknown>, parent = ''): CapturedResource => ({ urn: `urn:${type}::${name}`, type, name, parent, custom: true, inputs });
  test('orders by kind rank then name, unknown kinds last', () => {
    const r = renderManifests([
      res('kubernetes:networking.k8s.io/v1:NetworkPolicy', 'np', { metadata: { name: 'a' } }),
      res('example.com:x/v1:Widget', 'w', {}),
      res('kubernetes:example.com/v1:Widget', 'w2', { metadata: { name: 'w' } }),
      res('kubernetes:apps/v1:Deployment', 'b', { metadata: { name: 'b' } }),
      res('kubernetes:apps/v1:Deployment', 'a', { metadata: { name: 'a' } }),
      res('kubernetes:core/v1:ServiceAccount', 'sa', { metadata: { name: 'z' } }),
    ], { env: 'dev' });
    expect(docsOf(r.files.get('platform.yaml')!).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['ServiceAccount/z', 'Deployment/a', 'Deployment/b', 'NetworkPolicy/a', 'Widget/w']);
    expect(r.skipped).toEqual(['example.com:x/v1:Widget w']);
    expect(KIND_ORDER.indexOf('Namespace')).toBe(0);
  });
  test('duplicate objects are an error; a chart without a version is an error', () => {
    expect(() => renderManifests([res('kubernetes:core/v1:ConfigMap', 'a', { metadata: { name: 'x' } }), res('kubernetes:core/v1:ConfigMap', 'b', { metadata: { name: 'x' } })], { env: 'dev' })).toThrow(RenderError);
    expect(() => renderManifests([res('kubernetes:helm.sh/v3:Release', 'r', { chart: 'c', repositoryOpts: { repo: 'https://x' } })], { env: 'dev' })).toThrow(/pinned version/);
  });
});
