import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, parseStackConfig, type Environment } from './config';
import { parseStackFile, stackFilePath } from './stackfile';
import { captureStack, PLACEHOLDER_PREFIX, renderStack } from './render/render';
import { isSecretValue, type CapturedResource } from './render/capture';
import { renderManifests } from './render/manifests';
import { KNOWN_KINDS, validateManifest } from './render/validate';

/**
 * The real program (stacks/program.ts → components/Platform) run under mocks with each committed stack file.
 * Secret config gets placeholder values; they must never appear outside a value Pulumi marks secret.
 */

type Obj = Record<string, any>;
const captured = new Map<Environment, CapturedResource[]>();
const cfgOf = (env: Environment) => parseStackConfig(parseStackFile(readFileSync(stackFilePath(env), 'utf8'), env).raw);

beforeAll(async () => {
  for (const env of ENVIRONMENTS) captured.set(env, (await captureStack(env)).resources);
});

const k8sObjects = (env: Environment) => captured.get(env)!.filter((r) => r.type.startsWith('kubernetes:') && !r.type.includes(':helm.sh/'));
const kindOf = (r: CapturedResource) => r.type.split(':').pop()!;
const unwrap = (v: unknown): any => (isSecretValue(v) ? v.value : v);

function podSpecOf(r: CapturedResource): Obj | undefined {
  const spec = unwrap(r.inputs.spec) as Obj | undefined;
  switch (kindOf(r)) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'Job': return spec?.template?.spec;
    case 'CronJob': return spec?.jobTemplate?.spec?.template?.spec;
    default: return undefined;
  }
}

/** Every string reachable from `v` that is not inside a secret wrapper, with its path. */
function plainStrings(v: unknown, path: string, out: Array<[string, string]>): void {
  if (isSecretValue(v)) return;
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => plainStrings(x, `${path}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) plainStrings(x, `${path}.${k}`, out);
}

describe.each(ENVIRONMENTS)('stack %s', (env) => {
  test('resource counts by type', () => {
    const counts: Record<string, number> = {};
    for (const r of captured.get(env)!) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts['kubernetes:core/v1:Namespace']).toBeGreaterThanOrEqual(1);
    expect(Object.keys(counts).some((t) => /kubernetes:apps\/v1:(StatefulSet|Deployment)/.test(t))).toBe(true);
    expect(Object.fromEntries(Object.entries(counts).sort())).toMatchSnapshot();
  });

  test('every rendered object validates against the schema of its apiVersion/kind', () => {
    const problems: string[] = [];
    const methods: Record<string, number> = {};
    for (const [name, text] of renderManifests(captured.get(env)!, { env }).files) {
      // kustomization.yaml is read by Flux's kustomize, never applied to the cluster.
      if (name === 'kustomization.yaml') continue;
      for (const d of parseAllDocuments(text).map((x) => x.toJS() as Obj)) {
        problems.push(...validateManifest(d).map((p) => `${name}: ${p}`));
        const method = KNOWN_KINDS.get(`${d.apiVersion}/${d.kind}`) ?? 'unknown';
        methods[method] = (methods[method] ?? 0) + 1;
      }
    }
    expect(problems).toEqual([]);
    expect(methods['kubernetes-models']).toBeGreaterThan(0);
    expect(methods).toMatchSnapshot();
  });

  test('GPUs are requested only by the model server, and exactly as configured', () => {
    const gpus = cfgOf(env).modelServer.gpus;
    const requests: Array<[string, unknown]> = [];
    for (const r of k8sObjects(env)) {
      for (const c of [...(podSpecOf(r)?.containers ?? []), ...(podSpecOf(r)?.initContainers ?? [])]) {
        const g = c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'];
        if (g !== undefined) requests.push([`${kindOf(r)} ${r.name}/${c.name}`, g]);
      }
    }
    if (gpus === 0) expect(requests).toEqual([]);
    else {
      expect(requests.length).toBeGreaterThan(0);
      for (const [, g] of requests) expect(Number(g)).toBe(gpus);
    }
  });

  test('no secret value appears anywhere unmarked', () => {
    const leaks: string[] = [];
    for (const r of captured.get(env)!) {
      const strings: Array<[string, string]> = [];
      plainStrings(r.inputs, `${r.type} ${r.name}`, strings);
      for (const [where, s] of strings) if (s.includes(PLACEHOLDER_PREFIX)) leaks.push(where);
    }
    expect(leaks).toEqual([]);
  });

  test('every workload container has limits and a securityContext; images are pinned', () => {
    const problems: string[] = [];
    const workloads = k8sObjects(env).filter((r) => podSpecOf(r));
    expect(workloads.length).toBeGreaterThan(0);
    for (const r of workloads) {
      const pod = podSpecOf(r)!;
      for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
        const where = `${kindOf(r)} ${r.name}/${c.name}`;
        if (!c.resources?.limits?.cpu || !c.resources?.limits?.memory) problems.push(`${where}: no cpu/memory limits`);
        if (!c.securityContext && !pod.securityContext) problems.push(`${where}: no securityContext`);
        if (c.securityContext?.privileged) problems.push(`${where}: privileged`);
        const image = String(c.image ?? '');
        if (!/[:@]/.test(image.slice(image.lastIndexOf('/') + 1)) || /:latest$/.test(image)) problems.push(`${where}: image ${image} not pinned`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('dev render', () => {
  let files: Map<string, string>;
  // The capture made for the stack tests above; the determinism test runs the program a second time.
  beforeAll(() => {
    files = renderManifests(captured.get('dev')!, { env: 'dev' }).files;
  });

  test('file list and content hashes (snapshot)', () => {
    const hashes = Object.fromEntries([...files].map(([name, text]) => [name, createHash('sha256').update(text).digest('hex').slice(0, 16)]));
    expect([...files.keys()]).toMatchSnapshot('files');
    expect(hashes).toMatchSnapshot('sha256');
  });

  test('structural check of every manifest (no schema download: required fields per kind)', () => {
    const problems: string[] = [];
    for (const [name, text] of files) {
      if (name === 'kustomization.yaml') continue;
      for (const d of parseAllDocuments(text).map((x) => x.toJS() as Obj)) {
        const id = `${name}: ${d?.kind}/${d?.metadata?.name}`;
        if (typeof d?.apiVersion !== 'string' || typeof d?.kind !== 'string' || typeof d?.metadata?.name !== 'string') problems.push(`${id}: apiVersion/kind/metadata.name`);
        if (d.kind === 'Secret') problems.push(`${id}: plaintext Secret`);
        if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(d.kind) && !(d.spec?.selector && d.spec?.template?.spec?.containers?.length)) problems.push(`${id}: selector/containers`);
        if (d.kind === 'Service' && !(Array.isArray(d.spec?.ports) && d.spec.ports.length > 0)) problems.push(`${id}: ports`);
        if (d.kind === 'HelmRelease' && !/^\d+\.\d+\.\d+/.test(String(d.spec?.chart?.spec?.version))) problems.push(`${id}: chart version not pinned`);
      }
    }
    expect(problems).toEqual([]);
    expect([...files.values()].join('\n')).not.toContain(PLACEHOLDER_PREFIX);
  });

  test('deterministic: a second render is byte-equal', async () => {
    expect([...(await renderStack('dev')).files]).toEqual([...files]);
  });
});
