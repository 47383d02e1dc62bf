import { z } from 'zod';

/**
 * Per-environment stack configuration, read from Pulumi config under the `gogooku3` namespace
 * (`stacks/Pulumi.<env>.yaml`). Parsing is a pure function of the raw key → string map Pulumi hands the
 * program (structured values arrive as JSON text), so the same code validates `pulumi up`, the GitOps render
 * and the promotion tool. Secrets are NOT part of this schema: see `SECRET_KEYS` and stacks/secrets.ts.
 */

export const CONFIG_NAMESPACE = 'gogooku3';
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 500m, 2Gi or 4');
const cpuMem = z.object({ cpu: quantity, memory: quantity }).strict();
const resources = z.object({ requests: cpuMem, limits: cpuMem }).strict();
const storage = z.object({ size: quantity, storageClass: z.string().min(1).optional() }).strict();
const replicas = (max: number) => z.number().int().min(1).max(max);
// Pinned versions: a tag or chart version, never a floating one (`latest` defeats promotion and rollback).
const pinned = z.string().min(1).regex(/^(?!latest$)[A-Za-z0-9_.+-]+$/, 'a pinned version (not "latest")');
const k8sName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a DNS-1123 label');

export const versionsSchema = z.object({
  /** Our own images (pipelines, operator, router) share one tag. */
  image: pinned,
  minio: pinned,
  clickhouse: pinned,
  redis: pinned,
  triton: pinned,
  kubePrometheusStack: pinned,
  featureSet: pinned,
  /** model name → registered version the router serves (the champion) until a ModelRollout changes it. */
  models: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a model name'), z.number().int().min(1)),
}).strict();

export const stackConfigSchema = z.object({
  environment: z.enum(ENVIRONMENTS),
  namespace: k8sName,
  /** Our image's repository, e.g. ghcr.io/gogooku3/gogooku3 (CI builds and pushes it; the stack only references it). */
  imageRepository: z.string().min(1).regex(/^[a-z0-9]([a-z0-9.:_/-]*[a-z0-9])?$/, 'a repository such as ghcr.io/gogooku3/gogooku3 (no tag)'),
  /** Default StorageClass for every volume a section does not name one for; omitted = the cluster's default. */
  storageClass: z.string().min(1).optional(),
  versions: versionsSchema,
  objectStore: z.object({ storage, resources }).strict(),
  warehouse: z.object({ storage, resources }).strict(),
  onlineStore: z.object({ storage, resources, maxMemory: z.string().regex(/^\d+(kb|mb|gb)$/, 'a Redis size such as 1536mb').optional() }).strict(),
  modelServer: z.object({
    replicas: replicas(32),
    /** NVIDIA GPUs requested per replica; 0 serves on CPU. */
    gpus: z.number().int().min(0).max(8),
    resources,
  }).strict(),
  router: z.object({ minReplicas: replicas(32), maxReplicas: replicas(64), resources }).strict()
    .refine((r) => r.maxReplicas >= r.minReplicas, { message: 'maxReplicas must be >= minReplicas', path: ['maxReplicas'] }),
  operator: z.object({ replicas: replicas(3), resources }).strict(),
  monitoring: z.object({ enabled: z.boolean().default(true), retention: z.string().regex(/^\d+[hdw]$/, 'a Prometheus retention such as 15d'), storage }).strict(),
  /** SOPS-encrypted secrets file (relative to the repository root) read for secrets not set in Pulumi config. */
  secretsFile: z.string().min(1).optional(),
}).strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type Versions = z.infer<typeof versionsSchema>;

/** Secrets the platform needs; set with `pulumi config set --secret gogooku3:<key>` or in the SOPS file. */
export const SECRET_KEYS = ['minioRootUser', 'minioRootPassword', 'objectStoreAccessKey', 'objectStoreSecretKey', 'clickhousePassword', 'redisPassword', 'grafanaAdminPassword'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
/** Alert receivers' secrets: Alertmanager gets its PagerDuty and Slack receivers only when both are set. */
export const OPTIONAL_SECRET_KEYS = ['pagerDutyRoutingKey', 'slackWebhookUrl'] as const;
export type OptionalSecretKey = (typeof OPTIONAL_SECRET_KEYS)[number];

export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackConfigError';
  }
}

/** Raw Pulumi config: fully qualified key (`gogooku3:warehouse`) → string (JSON for structured values). */
export type RawConfig = Readonly<Record<string, string>>;

function decodeValue(key: string, text: string): unknown {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch (error) {
      throw new StackConfigError(`${key}: not valid JSON (${(error as Error).message})`);
    }
  }
  if (t === 'true' || t === 'false') return t === 'true';
  return text;
}

/** Parses and validates the `gogooku3:*` keys; errors name the fully qualified key and what is allowed. */
export function parseStackConfig(raw: RawConfig): StackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const secret = new Set<string>([...SECRET_KEYS, ...OPTIONAL_SECRET_KEYS]);
  const values: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(raw)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (secret.has(name)) continue;
    values[name] = decodeValue(key, text);
  }
  const parsed = stackConfigSchema.safeParse(values);
  if (!parsed.success) {
    throw new StackConfigError(parsed.error.issues.map((issue) => {
      const where = (path: PropertyKey[]) => `${prefix}${path.map(String).join('.')}`;
      if (issue.code === 'unrecognized_keys') {
        const known = issue.path.length === 0 ? ` (known: ${Object.keys(stackConfigSchema.shape).join(', ')}, and the secrets ${SECRET_KEYS.join(', ')})` : '';
        return issue.keys.map((k) => `${where([...issue.path, k])}: unknown key${known}`).join('; ');
      }
      const allowed = issue.code === 'invalid_value' ? ` (allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')})` : '';
      return `${where(issue.path)}: ${issue.message}${allowed}`;
    }).join('; '));
  }
  return parsed.data;
}
