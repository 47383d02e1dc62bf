import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { operatorCrds } from '../../operator/crds/generate';
import { checkStructural } from './structural';
import { rootTypeName } from './unknown-fields';
import { KNOWN_KINDS, STRUCTURAL_ONLY, validateManifest } from './validate';

type Obj = Record<string, any>;

const deployment = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'gogooku3-dev', labels: { app: 'api' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'api' } },
    template: {
      metadata: { labels: { app: 'api' } },
      spec: { containers: [{ name: 'api', image: 'ghcr.io/gogooku3/api:0.1.0', ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
    },
  },
});
const example = (file: string): Obj => parse(readFileSync(path.join(__dirname, '../../operator/examples', file), 'utf8'));
const edit = (o: Obj, f: (o: Obj) => void): Obj => {
  const c = structuredClone(o);
  f(c);
  return c;
};

describe('validateManifest', () => {
  test.each<[string, Obj]>([
    ['a Deployment (kubernetes-models)', deployment()],
    ['the FeatureSet example (our CRD schema)', example('featureset.yaml')],
    ['the ModelRollout example (our CRD schema)', example('modelrollout.yaml')],
    ['our CRDs themselves (apiextensions model)', operatorCrds()[0]],
    ['an ExternalSecret (structural only)', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 's' }, spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'g' } } }],
  ])('%s validates', (_, obj) => {
    expect(validateManifest(obj)).toEqual([]);
  });

  test.each<[string, Obj, RegExp]>([
    ['replicas: "two"', edit(deployment(), (d) => { d.spec.replicas = 'two'; }), /^Deployment\/api: spec\.replicas: must be integer$/],
    ['a container without name', edit(deployment(), (d) => { delete d.spec.template.spec.containers[0].name; }), /^Deployment\/api: spec\.template\.spec\.containers\[0\]\.name: is required$/],
    ['a bad enum value', edit(deployment(), (d) => { d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes'; }), /containers\[0\]\.imagePullPolicy: must be one of .*IfNotPresent/],
    ['metadata.labels not strings', edit(deployment(), (d) => { d.metadata.labels.app = 3; }), /^Deployment\/api: metadata\.labels\.app: must be string$/],
    ['no metadata.name', edit(deployment(), (d) => { delete d.metadata.name; }), /^Deployment\/undefined: metadata\.name: is required$/],
    ['an unknown (typo) field in a Deployment spec', edit(deployment(), (d) => { d.spec.replica = 2; }), /^Deployment\/api: spec\.replica: unknown field \(DeploymentSpec has .*replicas/],
    ['an unknown field in a container', edit(deployment(), (d) => { d.spec.template.spec.containers[0].imagePolicy = 'Always'; }), /^Deployment\/api: spec\.template\.spec\.containers\[0\]\.imagePolicy: unknown field \(Container has/],
    ['an unknown metadata field on a structural-only kind', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 's', label: {} }, spec: { secretStoreRef: { name: 'g' } } }, /^ExternalSecret\/s: metadata\.label: unknown field/],
    ['an unknown field where the CRD schema forbids it', edit(example('featureset.yaml'), (f) => { f.spec.retry = 2; }), /^FeatureSet\/prime-daily: spec\.retry: unknown field/],
    ['a CRD field of the wrong type', edit(example('featureset.yaml'), (f) => { f.spec.retries = 'two'; }), /^FeatureSet\/prime-daily: spec\.retries: must be integer/],
    ['a CRD resource missing spec', edit(example('featureset.yaml'), (f) => { delete f.spec; }), /^FeatureSet\/prime-daily: spec: is required$/],
    ['a CRD resource with bad metadata', edit(example('modelrollout.yaml'), (f) => { f.metadata.annotations = { a: 1 }; }), /^ModelRollout\/\S+: metadata\.annotations\.a: must be string$/],
    ['a structural-only kind missing a needed field', { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'r' }, spec: { interval: '1h', chart: { spec: { chart: 'c' } } } }, /^HelmRelease\/r: spec\.chart\.spec\.sourceRef\.kind: is required$/],
    ['an unknown kind', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, /^Widget\/w: unknown apiVersion\/kind example\.com\/v1\/Widget/],
    ['a known kind under another apiVersion', edit(deployment(), (d) => { d.apiVersion = 'apps/v1beta1'; }), /unknown apiVersion\/kind apps\/v1beta1\/Deployment/],
    ['no apiVersion', edit(deployment(), (d) => { delete d.apiVersion; }), /apiVersion and kind: must be strings/],
  ])('%s fails, naming the field', (_, obj, message) => {
    const problems = validateManifest(obj);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  test('a document that is not an object fails', () => {
    expect(validateManifest(null)).toEqual(['(document): must be an object, got null']);
  });

  test('KNOWN_KINDS: every rendered kind family has a method; third-party kinds say why they are structural only', () => {
    expect(KNOWN_KINDS.get('apps/v1/Deployment')).toBe('kubernetes-models');
    expect(KNOWN_KINDS.get('gogooku3.io/v1alpha1/FeatureSet')).toBe('crd-schema');
    expect(KNOWN_KINDS.get('gogooku3.io/v1alpha1/ModelRollout')).toBe('crd-schema');
    expect(KNOWN_KINDS.get('monitoring.coreos.com/v1/PrometheusRule')).toBe('structural-only');
    for (const s of Object.values(STRUCTURAL_ONLY)) expect(s.reason).toMatch(/not installed/);
  });

  test('every kubernetes-models kind also has a client-node model, so its unknown-field check cannot be skipped', () => {
    const models = [...KNOWN_KINDS].filter(([, m]) => m === 'kubernetes-models').map(([k]) => k);
    expect(models.length).toBeGreaterThanOrEqual(20);
    expect(models.filter((k) => rootTypeName(k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)) === undefined)).toEqual([]);
  });
});

describe('checkStructural', () => {
  const schema = {
    type: 'object' as const,
    required: ['a'],
    properties: {
      a: { type: 'integer' as const, minimum: 1, maximum: 3 },
      b: { type: 'string' as const, enum: ['x', 'y'], nullable: true },
      c: { 'x-kubernetes-int-or-string': true },
      d: { type: 'array' as const, maxItems: 1, items: { type: 'object' as const, properties: {}, 'x-kubernetes-preserve-unknown-fields': true } },
      e: { type: 'object' as const, properties: { f: { type: 'string' as const } }, oneOf: [{ required: ['f'] }, { required: ['g'] }] },
    },
  };
  test.each<[unknown, string[]]>([
    [{ a: 2, b: null, c: '50%', d: [{ anything: 1 }], e: { f: 'z' } }, []],
    [{ a: 0 }, ['a: must be >= 1']],
    [{ a: 1.5 }, ['a: must be integer, got number 1.5']],
    [{ b: 'z' }, ['a: is required', 'b: must be one of "x", "y", got "z"']],
    [{ a: 1, c: true, d: [{}, {}] }, ['c: must be an integer or a string', 'd: must have at most 1 items']],
    [{ a: 1, e: {} }, ['e: must have exactly one of {f} | {g} (matched 0)']],
    [{ a: 1, zz: 1 }, ['zz: unknown field (the schema declares a, b, c, d, e)']],
  ])('%j → %j', (value, problems) => {
    expect(checkStructural(value, schema)).toEqual(problems);
  });
});
