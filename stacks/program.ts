import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { Platform, type PlatformArgs, type PlatformSecrets } from '../components/platform';
import { CONFIG_NAMESPACE, OPTIONAL_SECRET_KEYS, parseStackConfig, SECRET_KEYS, StackConfigError, type OptionalSecretKey, type SecretKey, type StackConfig } from './config';
import { loadSopsSecrets } from './secrets/load';

/**
 * The Pulumi program shared by `pulumi up` (stacks/index.ts), the GitOps render and the stack tests: config →
 * PlatformArgs → `new Platform(...)`. Everything environment-specific comes from Pulumi config; this file only
 * maps it.
 */

/** Repository root (Pulumi runs the program with cwd = the directory of Pulumi.yaml). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Upstream repositories of the third-party images; the stack config pins only their tags. */
export const IMAGE_REPOSITORIES = {
  minio: 'quay.io/minio/minio',
  clickhouse: 'clickhouse/clickhouse-server',
  redis: 'redis',
  triton: 'nvcr.io/nvidia/tritonserver',
} as const;

/** Pure mapping from validated config and secrets to the Platform's arguments. */
export function platformArgs(cfg: StackConfig, secrets: PlatformSecrets): PlatformArgs {
  const v = cfg.versions;
  const volume = (s: { size: string; storageClass?: string }) => ({ storageSize: s.size, ...(s.storageClass ? { storageClass: s.storageClass } : {}) });
  const models = Object.entries(v.models).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    env: cfg.environment,
    namespace: cfg.namespace,
    image: { repository: cfg.imageRepository, tag: v.image },
    secrets,
    ...(cfg.storageClass ? { storageClass: cfg.storageClass } : {}),
    objectStore: { image: `${IMAGE_REPOSITORIES.minio}:${v.minio}`, ...volume(cfg.objectStore.storage), resources: cfg.objectStore.resources },
    warehouse: { image: `${IMAGE_REPOSITORIES.clickhouse}:${v.clickhouse}`, ...volume(cfg.warehouse.storage), resources: cfg.warehouse.resources },
    onlineStore: {
      image: `${IMAGE_REPOSITORIES.redis}:${v.redis}`, ...volume(cfg.onlineStore.storage), resources: cfg.onlineStore.resources,
      ...(cfg.onlineStore.maxMemory ? { maxMemory: cfg.onlineStore.maxMemory } : {}),
    },
    modelServer: { image: `${IMAGE_REPOSITORIES.triton}:${v.triton}`, replicas: cfg.modelServer.replicas, gpus: cfg.modelServer.gpus, resources: cfg.modelServer.resources },
    monitoring: {
      enabled: cfg.monitoring.enabled, chartVersion: v.kubePrometheusStack, retention: cfg.monitoring.retention,
      ...volume(cfg.monitoring.storage),
    },
    operator: { replicas: cfg.operator.replicas, resources: cfg.operator.resources },
    router: {
      minReplicas: cfg.router.minReplicas, maxReplicas: cfg.router.maxReplicas, resources: cfg.router.resources,
      ...(models.length > 0 ? { initialWeights: { models: models.map(([name, version]) => ({ name, sticky: false, variants: [{ name: 'champion', version, weight: 100 }] })) } } : {}),
    },
  };
}

type SecretSource = (key: SecretKey | OptionalSecretKey) => pulumi.Output<string> | undefined;

/**
 * Each secret from Pulumi config (`pulumi config set --secret`), else from the stack's SOPS file (decrypted with
 * SOPS_AGE_KEY / SOPS_AGE_KEY_FILE); a secret in neither is an error naming the key and both places.
 */
export async function resolveSecrets(cfg: StackConfig, fromConfig: SecretSource, loadFile: (file: string) => Promise<Record<string, pulumi.Output<string>>> = loadSopsSecrets): Promise<PlatformSecrets> {
  const out: Partial<Record<SecretKey | OptionalSecretKey, pulumi.Output<string>>> = {};
  let sopsValues: Record<string, pulumi.Output<string>> | undefined;
  const missing: SecretKey[] = [];
  for (const key of SECRET_KEYS) {
    const v = fromConfig(key);
    if (v) out[key] = v;
    else missing.push(key);
  }
  if (missing.length > 0 && cfg.secretsFile) {
    const file = path.resolve(REPO_ROOT, cfg.secretsFile);
    const sops = await loadFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      throw new StackConfigError(`missing secrets ${missing.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(', ')}: not in Pulumi config, and ${cfg.secretsFile} (gogooku3:secretsFile) does not exist; see stacks/secrets/README.md`);
    });
    sopsValues = sops;
    for (const key of [...missing]) {
      if (sops[key]) {
        out[key] = sops[key];
        missing.splice(missing.indexOf(key), 1);
      }
    }
  }
  for (const key of OPTIONAL_SECRET_KEYS) {
    const v = fromConfig(key) ?? sopsValues?.[key];
    if (v) out[key] = v;
  }
  if (missing.length > 0) {
    throw new StackConfigError(`missing secrets ${missing.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(', ')}: set each with \`pulumi config set --secret ${CONFIG_NAMESPACE}:<key>\`${cfg.secretsFile ? ` or add it to ${cfg.secretsFile} (sops)` : ''}`);
  }
  return out as PlatformSecrets;
}

/** Config as the engine presents it (every `gogooku3:*` key), read through pulumi.runtime. */
export function rawConfigFromRuntime(): Record<string, string> {
  return Object.fromEntries(Object.entries(pulumi.runtime.allConfig()).filter(([k]) => k.startsWith(`${CONFIG_NAMESPACE}:`)));
}

/** Runs the program; returns the stack outputs. */
export async function runProgram(): Promise<Record<string, unknown>> {
  const cfg = parseStackConfig(rawConfigFromRuntime());
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const secrets = await resolveSecrets(cfg, (key) => config.getSecret(key));
  const platform = new Platform(`gogooku3-${cfg.environment}`, platformArgs(cfg, secrets));
  return {
    environment: cfg.environment,
    namespace: cfg.namespace,
    versions: cfg.versions,
    imageRef: platform.imageRef,
    objectStoreEndpoint: platform.objectStoreEndpoint,
    warehouseUrl: platform.warehouseUrl,
    onlineStoreUrl: platform.onlineStoreUrl,
    modelServerUrl: platform.modelServerUrl,
    routerUrl: platform.routerUrl,
    ...(platform.grafanaUrl ? { grafanaUrl: platform.grafanaUrl } : {}),
    ...(platform.pushgatewayUrl ? { pushgatewayUrl: platform.pushgatewayUrl } : {}),
  };
}
