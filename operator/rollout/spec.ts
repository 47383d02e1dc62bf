import { z } from 'zod';

/**
 * The ModelRollout custom resource (gogooku3.io/v1alpha1): shift traffic from a champion model version to a
 * challenger in steps, gated by an analysis of each interval's metrics. This module only validates and
 * defaults the spec; the decisions live in state-machine.ts.
 */
export const ROLLOUT_GROUP = 'gogooku3.io';
export const ROLLOUT_API_VERSION = `${ROLLOUT_GROUP}/v1alpha1`;
export const ROLLOUT_KIND = 'ModelRollout';

export const DEFAULT_STEPS = [10, 25, 100] as const;

/** Invalid rollout input; `problems` holds one "field: what is allowed, got what" line per issue. */
export class RolloutSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid ${ROLLOUT_KIND}: ${problems.join('; ')}`);
    this.name = 'RolloutSpecError';
  }
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** Milliseconds of a Go-style duration ("30s", "1m", "1h30m", "500ms"); undefined when it is not one or not > 0. */
export function durationMs(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * DURATION_UNITS_MS[unit];
  return total > 0 ? total : undefined;
}

const finite = (allowed: string) => z.number({ error: `expected ${allowed}` }).refine(Number.isFinite, { error: `expected ${allowed}` });
const inRange = (allowed: string, ok: (n: number) => boolean) => finite(allowed).refine(ok, { error: `expected ${allowed}` });
const positiveInt = (allowed: string) => inRange(allowed, (n) => Number.isSafeInteger(n) && n >= 1);

const versionRef = (role: string) => z.strictObject({
  // Registry versions are whole numbers (Triton's version directories); a string form is kept as written.
  version: z.union([z.number().int().positive().transform(String), z.string().min(1)], { error: `expected the ${role} model version: a registry version number or a non-empty string` }),
}, { error: `expected an object { version: number | string }` });

const STEPS_ALLOWED = 'a non-empty list of strictly increasing percentages in (0, 100] ending at 100, e.g. [10, 25, 100]';

const stepsSchema = z.array(inRange('a percentage in (0, 100]', (n) => n > 0 && n <= 100), { error: `expected ${STEPS_ALLOWED}` })
  .min(1, { error: `expected ${STEPS_ALLOWED}` })
  .superRefine((steps, ctx) => {
    for (let i = 1; i < steps.length; i++) {
      if (!(steps[i] > steps[i - 1])) ctx.addIssue({ code: 'custom', path: [i], message: `expected ${STEPS_ALLOWED}; ${steps[i]} does not exceed ${steps[i - 1]}` });
    }
    if (steps.length > 0 && steps[steps.length - 1] !== 100) ctx.addIssue({ code: 'custom', path: [steps.length - 1], message: `expected ${STEPS_ALLOWED}; the last step must be 100` });
  });

const analysisSchema = z.strictObject({
  interval: z.string({ error: 'expected a duration such as "30s", "1m", "1h30m"' })
    .refine((s) => durationMs(s) !== undefined, { error: 'expected a duration > 0 such as "30s", "1m", "1h30m" (units ms, s, m, h)' })
    .default('1m'),
  minRequests: positiveInt('an integer >= 1').default(100),
  maxP95LatencyMs: inRange('a number of milliseconds > 0', (n) => n > 0).optional(),
  maxP95LatencyRatio: inRange('a ratio > 0 (challenger p95 / champion p95)', (n) => n > 0).default(1.5),
  maxErrorRate: inRange('a fraction in [0, 1]', (n) => n >= 0 && n <= 1).default(0.01),
  minRankICDelta: inRange('a number in [-2, 2] (challenger rank IC - champion rank IC)', (n) => n >= -2 && n <= 2).optional(),
  failureLimit: inRange('an integer >= 0', (n) => Number.isSafeInteger(n) && n >= 0).default(2),
  inconclusiveLimit: positiveInt('an integer >= 1').default(5),
}, { error: 'expected an object' });

/** Where the analysis queries the router's metrics when spec.prometheus.url is not given (prometheus-operator's Service). */
export const DEFAULT_PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc:9090';
export const DEFAULT_WEIGHTS_KEY = 'weights.json';

const HTTP_URL_RE = /^https?:\/\/[^\s/?#]+(\/\S*)?$/;
const httpUrl = (what: string) => z.string({ error: `expected the ${what} URL (http:// or https://)` })
  .regex(HTTP_URL_RE, { error: `expected the ${what} URL (http:// or https://)` });
const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const k8sName = (what: string) => z.string({ error: `expected the ${what} name (lowercase letters, digits, '-' and '.')` })
  .regex(K8S_NAME_RE, { error: `expected the ${what} name (lowercase letters, digits, '-' and '.')` });
const duration = (example: string) => z.string({ error: `expected a duration such as "${example}"` })
  .refine((s) => durationMs(s) !== undefined, { error: `expected a duration > 0 such as "${example}" (units ms, s, m, h)` });

const prometheusSchema = z.strictObject({
  url: httpUrl('Prometheus').default(DEFAULT_PROMETHEUS_URL),
  timeout: duration('10s').default('10s'),
}, { error: 'expected an object { url, timeout? }' });

const trafficTargetSchema = z.strictObject({
  configMap: z.strictObject({
    name: k8sName('ConfigMap'),
    key: z.string({ error: 'expected the ConfigMap key holding the router\'s weights config' }).min(1, { error: 'expected the ConfigMap key holding the router\'s weights config' }).default(DEFAULT_WEIGHTS_KEY),
    namespace: k8sName('namespace').optional(),
  }, { error: 'expected an object { name, key?, namespace? }' }).optional(),
  httpRoute: z.strictObject({
    name: k8sName('HTTPRoute'),
    namespace: k8sName('namespace').optional(),
    championBackend: k8sName('champion backend Service'),
    challengerBackend: k8sName('challenger backend Service'),
  }, { error: 'expected an object { name, namespace?, championBackend, challengerBackend }' }).optional(),
}, { error: 'expected an object { configMap?, httpRoute? }' }).refine((t) => t.configMap !== undefined || t.httpRoute !== undefined, {
  error: 'expected at least one of configMap (the router\'s weights ConfigMap) or httpRoute (a Gateway API HTTPRoute)',
});

export const modelRolloutSpecSchema = z.strictObject({
  model: z.string({ error: 'expected the model name as a non-empty string' }).min(1, { error: 'expected the model name as a non-empty string' }),
  champion: versionRef('champion'),
  challenger: versionRef('challenger'),
  steps: stepsSchema.default([...DEFAULT_STEPS]),
  // prefault, not default: zod 4 would return a default object as is, without the field defaults above.
  analysis: analysisSchema.prefault({}),
  prometheus: prometheusSchema.prefault({}),
  // Optional here so `rollout simulate` takes a bare analysis spec; the controller refuses a rollout without one.
  trafficTarget: trafficTargetSchema.optional(),
  // Set when Triton runs in explicit model-control mode: the challenger is loaded before it gets traffic.
  triton: z.strictObject({ url: httpUrl('Triton HTTP') }, { error: 'expected an object { url }' }).optional(),
}, { error: 'expected an object' }).superRefine((spec, ctx) => {
  if (spec.champion.version === spec.challenger.version) {
    ctx.addIssue({ code: 'custom', path: ['challenger', 'version'], message: `expected a version other than the champion's (${JSON.stringify(spec.champion.version)})` });
  }
});

export type ModelRolloutSpec = z.output<typeof modelRolloutSpecSchema>;
export type ModelRolloutSpecInput = z.input<typeof modelRolloutSpecSchema>;
export type AnalysisSpec = ModelRolloutSpec['analysis'];
export type TrafficTarget = NonNullable<ModelRolloutSpec['trafficTarget']>;

const modelRolloutSchema = z.strictObject({
  apiVersion: z.literal(ROLLOUT_API_VERSION, { error: `expected ${JSON.stringify(ROLLOUT_API_VERSION)}` }),
  kind: z.literal(ROLLOUT_KIND, { error: `expected ${JSON.stringify(ROLLOUT_KIND)}` }),
  metadata: z.looseObject({ name: z.string().min(1).optional() }, { error: 'expected an object' }).optional(),
  spec: modelRolloutSpecSchema,
  // A resource read back from the cluster carries the operator's status; it is not input.
  status: z.unknown().optional(),
}, { error: 'expected an object' });

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

const SPEC_KEYS = ['model', 'champion', 'challenger', 'steps', 'analysis', 'prometheus', 'trafficTarget', 'triton'];
const RESOURCE_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** The fields an object at `path` may hold, for "unknown field" messages (typos are the usual cause). */
function allowedKeys(path: ReadonlyArray<PropertyKey>): string[] {
  const last = path[path.length - 1];
  if (last === 'analysis') return Object.keys(analysisSchema.shape);
  if (last === 'champion' || last === 'challenger') return ['version'];
  if (last === 'prometheus') return Object.keys(prometheusSchema.shape);
  if (last === 'trafficTarget') return ['configMap', 'httpRoute'];
  if (last === 'configMap') return ['name', 'key', 'namespace'];
  if (last === 'httpRoute') return ['name', 'namespace', 'championBackend', 'challengerBackend'];
  if (last === 'triton') return ['url'];
  if (last === 'spec') return SPEC_KEYS;
  return path.length === 0 ? RESOURCE_KEYS : SPEC_KEYS;
}

function describe(issue: z.core.$ZodIssue, raw: unknown, isResource: boolean): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.path.length === 0 && !isResource ? SPEC_KEYS : allowedKeys(issue.path);
    return issue.keys.map((k) => `${field ? `${field}.` : ''}${k}: unknown field; allowed: ${keys.join(', ')}`).join('; ');
  }
  const got = valueAt(raw, issue.path);
  return `${field || '(root)'}: ${issue.message}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`;
}

/**
 * Validates and defaults a ModelRollout: either the whole resource (apiVersion, kind, metadata, spec) or the
 * bare spec. Field names in errors follow the shape given, so they match what the user wrote.
 */
export function parseRolloutSpec(raw: unknown): ModelRolloutSpec {
  const isResource = raw !== null && typeof raw === 'object' && ('kind' in raw || 'apiVersion' in raw || 'spec' in raw);
  const parsed = isResource ? modelRolloutSchema.safeParse(raw) : modelRolloutSpecSchema.safeParse(raw);
  if (!parsed.success) throw new RolloutSpecError(parsed.error.issues.map((issue) => describe(issue, raw, isResource)));
  return isResource ? (parsed.data as z.output<typeof modelRolloutSchema>).spec : parsed.data as ModelRolloutSpec;
}
