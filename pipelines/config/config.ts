import { z } from 'zod';
import path from 'node:path';

/**
 * The one typed configuration object, parsed once from the environment (and CLI flags layered on top).
 * Every key is documented in README.md §Configuration.
 */

export const JQUANTS_PLANS = ['free', 'light', 'standard', 'premium'] as const;
export type JQuantsPlan = (typeof JQUANTS_PLANS)[number];

/** Requests per minute by plan (third-party figures, see FIELDS.md); override with GOGOOKU3_JQUANTS_RATE_LIMIT. */
export const PLAN_RATE_LIMITS: Record<JQuantsPlan, number> = { free: 5, light: 60, standard: 120, premium: 500 };

const urlWithSchemes = (name: string, schemes: string[]) =>
  z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, { message: `${name} must be a URL with scheme ${schemes.map((s) => `${s}://`).join(' | ')}` });

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  dataDir: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  jquants: z.object({
    /** API root without the version segment, e.g. https://api.jquants.com or http://127.0.0.1:8181. */
    baseUrl: urlWithSchemes('GOGOOKU3_JQUANTS_URL', ['http', 'https']),
    apiVersion: z.enum(['v1', 'v2']),
    auth: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('apiKey'), apiKey: z.string().min(1) }),
      z.object({ kind: z.literal('password'), mailAddress: z.string().min(1), password: z.string().min(1) }),
      z.object({ kind: z.literal('refreshToken'), refreshToken: z.string().min(1) }),
      z.object({ kind: z.literal('none') }),
    ]),
    plan: z.enum(JQUANTS_PLANS),
    requestsPerMinute: positiveInt,
    concurrency: positiveInt.max(64),
    timeoutMs: positiveInt,
    maxRetries: z.coerce.number().int().min(0).max(20),
  }),
  objectStore: urlWithSchemes('GOGOOKU3_OBJECT_STORE', ['file', 's3']),
  dwh: urlWithSchemes('GOGOOKU3_DWH', ['duckdb', 'clickhouse']),
  onlineStore: z.union([z.literal('embedded'), urlWithSchemes('GOGOOKU3_ONLINE_STORE', ['redis', 'rediss'])]),
  pushgatewayUrl: urlWithSchemes('GOGOOKU3_PUSHGATEWAY_URL', ['http', 'https']).optional(),
  /** The FeatureSet a run belongs to (set by the operator): a label on its pushed metrics, so alerts name it. */
  featureSet: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a FeatureSet name (lowercase letters, digits, - and .)').max(253).optional(),
  /** S3/MinIO connection from the standard AWS variables (used when objectStore is s3://). */
  s3: z.object({
    region: z.string().min(1),
    /** MinIO and other S3-compatible servers; path-style addressing is used with a custom endpoint. */
    endpoint: urlWithSchemes('AWS_ENDPOINT_URL', ['http', 'https']).optional(),
    credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() }).optional(),
    maxAttempts: positiveInt.max(20).optional(),
  }),
  /** ClickHouse: dataset rows older than this many years are deleted by the server's TTL (where supported); 0 = keep. */
  dwhTtlYears: z.coerce.number().int().min(0).max(100),
  /** Redis: published vectors expire this long after their publish; unset = never. */
  onlineTtlSeconds: positiveInt.optional(),
  /** J-Quants adjusts splits only; `total_return` also folds cash dividends into the prices features see. */
  dividendAdjustment: z.enum(['none', 'total_return']),
  /** Share of quarantined rows above which a validation step fails instead of warning; unset: each contract's own. */
  quarantineMaxRatio: z.coerce.number().min(0).max(1).optional(),
});

export type Config = z.infer<typeof configSchema>;
export type Env = Record<string, string | undefined>;

/** Flags that override the environment (CLI options map onto these). */
export interface ConfigOverrides {
  dataDir?: string;
  jquantsUrl?: string;
  logLevel?: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Splits a URL like https://host/v1 into its root and version, so either form works in GOGOOKU3_JQUANTS_URL. */
export function splitJQuantsUrl(raw: string): { baseUrl: string; version?: 'v1' | 'v2' } {
  const m = /^(.*?)\/(v1|v2)\/?$/.exec(raw.trim());
  if (m) return { baseUrl: m[1], version: m[2] as 'v1' | 'v2' };
  return { baseUrl: raw.trim().replace(/\/+$/, '') };
}

function authFromEnv(env: Env) {
  if (env.JQUANTS_API_KEY) return { kind: 'apiKey' as const, apiKey: env.JQUANTS_API_KEY };
  if (env.JQUANTS_MAIL_ADDRESS || env.JQUANTS_PASSWORD) {
    return { kind: 'password' as const, mailAddress: env.JQUANTS_MAIL_ADDRESS ?? '', password: env.JQUANTS_PASSWORD ?? '' };
  }
  if (env.JQUANTS_REFRESH_TOKEN) return { kind: 'refreshToken' as const, refreshToken: env.JQUANTS_REFRESH_TOKEN };
  return { kind: 'none' as const };
}

/** Maps zod's issues onto the environment variable names a user sets. */
const ENV_NAMES: Record<string, string> = {
  dataDir: 'GOGOOKU3_DATA_DIR',
  logLevel: 'GOGOOKU3_LOG_LEVEL',
  'jquants.baseUrl': 'GOGOOKU3_JQUANTS_URL',
  'jquants.apiVersion': 'GOGOOKU3_JQUANTS_API_VERSION',
  'jquants.auth.apiKey': 'JQUANTS_API_KEY',
  'jquants.auth.mailAddress': 'JQUANTS_MAIL_ADDRESS',
  'jquants.auth.password': 'JQUANTS_PASSWORD',
  'jquants.auth.refreshToken': 'JQUANTS_REFRESH_TOKEN',
  'jquants.plan': 'GOGOOKU3_JQUANTS_PLAN',
  'jquants.requestsPerMinute': 'GOGOOKU3_JQUANTS_RATE_LIMIT',
  'jquants.concurrency': 'GOGOOKU3_JQUANTS_CONCURRENCY',
  'jquants.timeoutMs': 'GOGOOKU3_JQUANTS_TIMEOUT_MS',
  'jquants.maxRetries': 'GOGOOKU3_JQUANTS_MAX_RETRIES',
  objectStore: 'GOGOOKU3_OBJECT_STORE',
  dwh: 'GOGOOKU3_DWH',
  onlineStore: 'GOGOOKU3_ONLINE_STORE',
  pushgatewayUrl: 'GOGOOKU3_PUSHGATEWAY_URL',
  featureSet: 'GOGOOKU3_FEATURE_SET',
  's3.region': 'AWS_REGION',
  's3.endpoint': 'AWS_ENDPOINT_URL',
  's3.credentials.accessKeyId': 'AWS_ACCESS_KEY_ID (set together with AWS_SECRET_ACCESS_KEY)',
  's3.credentials.secretAccessKey': 'AWS_SECRET_ACCESS_KEY (set together with AWS_ACCESS_KEY_ID)',
  's3.maxAttempts': 'AWS_MAX_ATTEMPTS',
  dwhTtlYears: 'GOGOOKU3_DWH_TTL_YEARS',
  onlineTtlSeconds: 'GOGOOKU3_ONLINE_TTL_SECONDS',
  quarantineMaxRatio: 'GOGOOKU3_QUARANTINE_MAX_RATIO',
  dividendAdjustment: 'GOGOOKU3_DIVIDEND_ADJUSTMENT',
};

export function loadConfig(env: Env = process.env, overrides: ConfigOverrides = {}, cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, overrides.dataDir ?? env.GOGOOKU3_DATA_DIR ?? 'data');
  const url = splitJQuantsUrl(overrides.jquantsUrl ?? env.GOGOOKU3_JQUANTS_URL ?? 'https://api.jquants.com');
  const auth = authFromEnv(env);
  const plan = (env.GOGOOKU3_JQUANTS_PLAN ?? 'light').toLowerCase();
  const planLimit = PLAN_RATE_LIMITS[plan as JQuantsPlan];
  const raw = {
    dataDir,
    logLevel: overrides.logLevel ?? env.GOGOOKU3_LOG_LEVEL ?? 'info',
    jquants: {
      baseUrl: url.baseUrl,
      // An API key means v2; mail/password or a refresh token mean v1, unless stated otherwise.
      apiVersion: env.GOGOOKU3_JQUANTS_API_VERSION ?? url.version ?? (auth.kind === 'apiKey' ? 'v2' : 'v1'),
      auth,
      plan,
      requestsPerMinute: env.GOGOOKU3_JQUANTS_RATE_LIMIT ?? planLimit ?? 60,
      concurrency: env.GOGOOKU3_JQUANTS_CONCURRENCY ?? 4,
      timeoutMs: env.GOGOOKU3_JQUANTS_TIMEOUT_MS ?? 30_000,
      maxRetries: env.GOGOOKU3_JQUANTS_MAX_RETRIES ?? 6,
    },
    objectStore: env.GOGOOKU3_OBJECT_STORE ?? `file://${path.join(dataDir, 'lake')}`,
    dwh: env.GOGOOKU3_DWH ?? `duckdb://${path.join(dataDir, 'warehouse.duckdb')}`,
    onlineStore: env.GOGOOKU3_ONLINE_STORE ?? 'embedded',
    pushgatewayUrl: env.GOGOOKU3_PUSHGATEWAY_URL || undefined,
    featureSet: env.GOGOOKU3_FEATURE_SET || undefined,
    s3: {
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
      credentials: env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN || undefined }
        : undefined,
      maxAttempts: env.AWS_MAX_ATTEMPTS || undefined,
    },
    dwhTtlYears: env.GOGOOKU3_DWH_TTL_YEARS ?? 2,
    onlineTtlSeconds: env.GOGOOKU3_ONLINE_TTL_SECONDS || undefined,
    quarantineMaxRatio: env.GOGOOKU3_QUARANTINE_MAX_RATIO || undefined,
    dividendAdjustment: env.GOGOOKU3_DIVIDEND_ADJUSTMENT || 'none',
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const name = ENV_NAMES[key] ?? key;
      return `${name}: ${issue.message}`;
    }));
  }
  return parsed.data;
}

/** The config with secrets masked, safe to log or print. */
export function redactConfig(config: Config): unknown {
  const auth = config.jquants.auth;
  const masked = auth.kind === 'apiKey' ? { kind: auth.kind, apiKey: '***' }
    : auth.kind === 'password' ? { kind: auth.kind, mailAddress: auth.mailAddress, password: '***' }
    : auth.kind === 'refreshToken' ? { kind: auth.kind, refreshToken: '***' } : auth;
  const maskUrl = (u: string) => {
    try {
      const url = new URL(u);
      if (url.password) url.password = '***';
      return url.toString();
    } catch {
      return u;
    }
  };
  return {
    ...config,
    jquants: { ...config.jquants, auth: masked },
    objectStore: maskUrl(config.objectStore),
    dwh: maskUrl(config.dwh),
    onlineStore: maskUrl(config.onlineStore),
    pushgatewayUrl: config.pushgatewayUrl && maskUrl(config.pushgatewayUrl),
    s3: { ...config.s3, credentials: config.s3.credentials && { accessKeyId: config.s3.credentials.accessKeyId, secretAccessKey: '***', ...(config.s3.credentials.sessionToken ? { sessionToken: '***' } : {}) } },
  };
}
