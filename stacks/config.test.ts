import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { ENVIRONMENTS, parseStackConfig, SECRET_KEYS, StackConfigError, type StackConfig } from './config';
import { parseStackFile, stackFilePath } from './stackfile';
import { platformArgs, resolveSecrets } from './program';
import { rulesFor, SopsRulesError } from './secrets/rules';

const load = (env: string): StackConfig => {
  const file = stackFilePath(env);
  return parseStackConfig(parseStackFile(readFileSync(file, 'utf8'), file).raw);
};

describe('the committed stack files', () => {
  test.each(ENVIRONMENTS)('%s parses, names itself and has no secrets in plaintext', (env) => {
    const cfg = load(env);
    expect(cfg.environment).toBe(env);
    const text = readFileSync(stackFilePath(env), 'utf8');
    for (const key of SECRET_KEYS) expect(text).not.toMatch(new RegExp(`gogooku3:${key}:\\s*(?!\\n\\s*secure:)\\S`));
  });
  test('sizes grow dev → staging → prod; GPUs only where configured; third-party versions shared', () => {
    const [dev, staging, prod] = ENVIRONMENTS.map(load);
    expect([dev.modelServer.gpus, staging.modelServer.gpus, prod.modelServer.gpus]).toEqual([0, 1, 2]);
    expect(dev.operator.replicas).toBe(1);
    expect(prod.operator.replicas).toBeGreaterThan(1);
    expect(prod.router.minReplicas).toBeGreaterThanOrEqual(3);
    const gi = (q: string) => (q.endsWith('Ti') ? 1024 : 1) * parseFloat(q);
    expect(gi(dev.warehouse.storage.size)).toBeLessThan(gi(staging.warehouse.storage.size));
    expect(gi(staging.warehouse.storage.size)).toBeLessThan(gi(prod.warehouse.storage.size));
    for (const k of ['minio', 'clickhouse', 'redis', 'triton', 'kubePrometheusStack'] as const) expect(new Set([dev, staging, prod].map((c) => c.versions[k])).size).toBe(1);
  });
});

describe('parseStackConfig errors name the key and the allowed values', () => {
  const raw = () => {
    const file = stackFilePath('dev');
    return { ...parseStackFile(readFileSync(file, 'utf8'), file).raw };
  };
  test.each<[string, (r: Record<string, string>) => void, RegExp]>([
    ['unknown environment', (r) => { r['gogooku3:environment'] = 'qa'; }, /gogooku3:environment: .*\(allowed: "dev", "staging", "prod"\)/],
    ['latest image tag', (r) => { r['gogooku3:versions'] = r['gogooku3:versions'].replace('"0.1.0"', '"latest"'); }, /gogooku3:versions\.image: a pinned version \(not "latest"\)/],
    ['GPU count', (r) => { r['gogooku3:modelServer'] = r['gogooku3:modelServer'].replace('"gpus":0', '"gpus":-1'); }, /gogooku3:modelServer\.gpus/],
    ['unknown key', (r) => { r['gogooku3:replicaz'] = '3'; }, /gogooku3:replicaz: unknown key \(known: environment, namespace, .*and the secrets minioRootUser/],
    ['missing section', (r) => { delete r['gogooku3:warehouse']; }, /gogooku3:warehouse: /],
    ['bad JSON', (r) => { r['gogooku3:router'] = '{oops'; }, /gogooku3:router: not valid JSON/],
    ['router min > max', (r) => { r['gogooku3:router'] = r['gogooku3:router'].replace('"maxReplicas":4', '"maxReplicas":0'); }, /gogooku3:router\.maxReplicas/],
  ])('%s', (_n, mutate, message) => {
    const r = raw();
    mutate(r);
    expect(() => parseStackConfig(r)).toThrow(StackConfigError);
    expect(() => parseStackConfig(r)).toThrow(message);
  });
  test('keys of other namespaces and secret keys are ignored', () => {
    expect(parseStackConfig({ ...raw(), 'kubernetes:context': 'x', 'gogooku3:redisPassword': 'not-read-here' }).environment).toBe('dev');
  });
});

describe('platformArgs', () => {
  const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, pulumi.secret(`s-${k}`)])) as never;
  test('maps pinned tags onto the upstream repositories and config onto each section', () => {
    const cfg = load('prod');
    const a = platformArgs(cfg, secrets);
    expect(a).toMatchObject({
      env: 'prod', namespace: 'gogooku3', storageClass: 'fast-ssd', image: { repository: 'ghcr.io/gogooku3/gogooku3', tag: cfg.versions.image },
      objectStore: { image: `quay.io/minio/minio:${cfg.versions.minio}`, storageSize: '2Ti' },
      warehouse: { image: `clickhouse/clickhouse-server:${cfg.versions.clickhouse}` },
      onlineStore: { image: `redis:${cfg.versions.redis}`, maxMemory: '12gb' },
      modelServer: { image: `nvcr.io/nvidia/tritonserver:${cfg.versions.triton}`, gpus: 2, replicas: 3 },
      monitoring: { chartVersion: cfg.versions.kubePrometheusStack, retention: '30d', storageSize: '500Gi' },
      operator: { replicas: 2 },
      router: { minReplicas: 3, initialWeights: { models: [{ name: 'lgbm-daily', sticky: false, variants: [{ name: 'champion', version: 3, weight: 100 }] }] } },
    });
    expect(a.secrets).toBe(secrets);
  });
});

describe('resolveSecrets', () => {
  const cfg = { ...load('dev'), secretsFile: 'stacks/secrets/dev.enc.yaml' };
  const some = new Set(['minioRootUser', 'minioRootPassword', 'objectStoreAccessKey']);
  test('Pulumi config first, the SOPS file for the rest', async () => {
    const loaded: string[] = [];
    const s = await resolveSecrets(cfg, (k) => (some.has(k) ? pulumi.secret(`cfg-${k}`) : undefined), async (file) => {
      loaded.push(file);
      return Object.fromEntries(SECRET_KEYS.map((k) => [k, pulumi.secret(`sops-${k}`)]));
    });
    expect(loaded).toEqual([expect.stringMatching(/stacks\/secrets\/dev\.enc\.yaml$/)]);
    const plain = await new Promise((r) => pulumi.all(s as unknown as Record<string, pulumi.Output<string>>).apply(r));
    expect(plain).toMatchObject({ minioRootUser: 'cfg-minioRootUser', redisPassword: 'sops-redisPassword' });
  });
  test('a secrets file that does not exist: the error says so', async () => {
    const enoent = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    await expect(resolveSecrets(cfg, () => undefined, async () => { throw enoent; })).rejects.toThrow(/stacks\/secrets\/dev\.enc\.yaml \(gogooku3:secretsFile\) does not exist/);
  });
  test('all in config: the file is not read', async () => {
    await expect(resolveSecrets(cfg, (k) => pulumi.secret(k), async () => { throw new Error('read'); })).resolves.toBeDefined();
  });
  test('missing everywhere: one error naming each key and both places', async () => {
    await expect(resolveSecrets({ ...cfg, secretsFile: undefined }, () => undefined)).rejects.toThrow(/missing secrets gogooku3:minioRootUser, .*gogooku3:grafanaAdminPassword: set each with `pulumi config set --secret gogooku3:<key>`$/);
    await expect(resolveSecrets(cfg, (k) => (some.has(k) ? pulumi.secret(k) : undefined), async () => ({}))).rejects.toThrow(/gogooku3:objectStoreSecretKey.* or add it to stacks\/secrets\/dev\.enc\.yaml \(sops\)/);
  });
});

describe('.sops.yaml rules', () => {
  const yaml = 'creation_rules:\n  - path_regex: secrets/prod\\.enc\\.yaml$\n    age: age1a, age1b\n  - path_regex: secrets/.*\\.yaml$\n    age: [age1c]\n    encrypted_regex: ^(data|stringData)$\n';
  test.each([
    ['/r/stacks/secrets/prod.enc.yaml', { recipients: ['age1a', 'age1b'] }],
    ['/r/stacks/secrets/dev.enc.yaml', { recipients: ['age1c'], encryptedRegex: '^(data|stringData)$' }],
  ])('%s', (file, want) => expect(rulesFor(yaml, file, '/r/stacks')).toEqual(want));
  test('no match / placeholder → SopsRulesError', () => {
    expect(() => rulesFor(yaml, '/r/stacks/other.txt', '/r/stacks')).toThrow(/no creation rule matches other\.txt/);
    expect(() => rulesFor(readFileSync(`${__dirname}/.sops.yaml`, 'utf8'), `${__dirname}/secrets/prod.enc.yaml`, __dirname)).toThrow(SopsRulesError);
  });
});
