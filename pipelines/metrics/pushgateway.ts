/**
 * The Pushgateway HTTP API: PUT a group, list groups, delete groups. Batch runs push one group per run
 * (`run_id` in the grouping key), which the gateway keeps forever; `pruneGroups` deletes the old ones.
 */
import { z } from 'zod';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DAY_MS = 86_400_000;

/** The SLO period is 30 days and the rules count runs by their group's series: keep groups longer than that. */
export const MIN_RETENTION_DAYS = 35;

/** The Pushgateway job every batch command pushes under (and `metrics prune` prunes by default). */
export const PUSH_JOB = 'gogooku3';

export class PushgatewayError extends Error {
  /** `what`: the operation in words ('push to', 'list groups at', 'delete group at'). */
  constructor(readonly url: string, readonly status: number | undefined, detail: string, what = 'push to') {
    super(`${what} ${url} failed: ${detail}`);
    this.name = 'PushgatewayError';
  }
}

export interface PushOptions { timeoutMs?: number }

/**
 * One path segment of the Pushgateway grouping key. Values that a URL path cannot carry as-is (a `/`, or
 * empty) use the gateway's base64url form, `name@base64/value`.
 */
function groupingSegment(name: string, value: string): string {
  if (value === '' || value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

export function pushgatewayPath(job: string, grouping: Record<string, string> = {}): string {
  if (!job) throw new Error('push: job name is empty');
  const parts = ['/metrics', groupingSegment('job', job)];
  for (const [name, value] of Object.entries(grouping)) {
    if (!LABEL_NAME_RE.test(name) || name === 'job') throw new Error(`push: invalid grouping label name ${JSON.stringify(name)}`);
    parts.push(groupingSegment(name, value));
  }
  return parts.join('/');
}

/** The grouping key of one run: the caller's labels plus `run_id`, last so groups of one pipeline sort together. */
export function runGrouping(grouping: Record<string, string>, runId: string): Record<string, string> {
  if (!runId.trim()) throw new Error('push: run_id is empty (every run needs a group of its own)');
  if ('run_id' in grouping) throw new Error('push: pass the run id as runId, not in the grouping labels');
  return { ...grouping, run_id: runId };
}

const WHAT: Record<string, string> = { PUT: 'push to', GET: 'list groups at', DELETE: 'delete group at' };

/**
 * fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure) is in `cause`. Duck-typed: errors
 * from another realm (undici inside a jest sandbox) fail `instanceof Error`.
 */
function describe(error: unknown): string {
  const message = (e: unknown) => (typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e));
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  return cause === undefined ? message(error) : `${message(error)} (${message(cause)})`;
}

async function request(url: string, init: RequestInit & { method: string }, timeoutMs: number): Promise<Response> {
  const what = WHAT[init.method] ?? `${init.method}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new PushgatewayError(url, undefined, describe(error), what);
  }
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new PushgatewayError(url, response.status, `HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`, what);
  }
  return response;
}

const base = (url: string) => url.replace(/\/+$/, '');

export async function putGroup(gatewayUrl: string, job: string, grouping: Record<string, string>, contentType: string, body: string, options: PushOptions = {}): Promise<void> {
  const response = await request(`${base(gatewayUrl)}${pushgatewayPath(job, grouping)}`, { method: 'PUT', headers: { 'Content-Type': contentType }, body }, options.timeoutMs ?? 10_000);
  await response.arrayBuffer().catch(() => undefined);
}

export interface GatewayGroup {
  /** The grouping key, `job` included. */
  labels: Record<string, string>;
  /** Last push, ms since the epoch. */
  pushedAt: number;
}

const groupsResponse = z.object({
  data: z.array(z.object({
    labels: z.record(z.string(), z.string()),
    push_time_seconds: z.object({ metrics: z.array(z.object({ value: z.coerce.number() })).min(1) }),
  })),
});

/**
 * Per-run groups of `job` last pushed before `now - olderThanDays`, except the newest group of each series
 * (the grouping key without `run_id`): `PipelineNotReporting` reads the last success's deadline from it.
 */
export function groupsToPrune(groups: readonly GatewayGroup[], job: string, now: number, olderThanDays: number): GatewayGroup[] {
  if (!(olderThanDays >= MIN_RETENTION_DAYS)) throw new Error(`prune: olderThanDays must be >= ${MIN_RETENTION_DAYS} (the 30-day SLO counts runs from these groups), got ${olderThanDays}`);
  const cutoff = now - olderThanDays * DAY_MS;
  const runs = groups.filter((g) => g.labels.job === job && g.labels.run_id);
  const newest = new Map<string, number>();
  const seriesKey = (g: GatewayGroup) => JSON.stringify(Object.entries(g.labels).filter(([k]) => k !== 'run_id').sort());
  for (const g of runs) newest.set(seriesKey(g), Math.max(newest.get(seriesKey(g)) ?? -Infinity, g.pushedAt));
  return runs.filter((g) => g.pushedAt < cutoff && g.pushedAt < newest.get(seriesKey(g))!);
}

export interface PruneResult { deleted: GatewayGroup[]; kept: number }

/** Lists the gateway's groups (`GET /api/v1/metrics`) and DELETEs the per-run groups `groupsToPrune` picks (none with dryRun). */
export async function pruneGroups(gatewayUrl: string, job: string, options: PushOptions & { olderThanDays: number; now?: number; dryRun?: boolean }): Promise<PruneResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const listUrl = `${base(gatewayUrl)}/api/v1/metrics`;
  const parsed = groupsResponse.safeParse(await (await request(listUrl, { method: 'GET' }, timeoutMs)).json());
  if (!parsed.success) throw new PushgatewayError(listUrl, undefined, `unexpected /api/v1/metrics body: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const groups = parsed.data.data.map((g) => ({ labels: g.labels, pushedAt: g.push_time_seconds.metrics[0].value * 1000 }));
  const doomed = groupsToPrune(groups, job, options.now ?? Date.now(), options.olderThanDays);
  for (const g of options.dryRun ? [] : doomed) {
    // A group's `labels` are exactly its grouping key: the `instance=""` the gateway adds shows up only on the
    // metrics, while an `instance` in `labels` (even "") was pushed and must be in the DELETE path, or the
    // gateway answers 202 for a group that does not exist and leaves this one standing.
    const grouping = Object.fromEntries(Object.entries(g.labels).filter(([k]) => k !== 'job'));
    const response = await request(`${base(gatewayUrl)}${pushgatewayPath(job, grouping)}`, { method: 'DELETE' }, timeoutMs);
    await response.arrayBuffer().catch(() => undefined);
  }
  return { deleted: doomed, kept: groups.length - doomed.length };
}
