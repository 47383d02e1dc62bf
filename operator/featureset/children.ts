import { TseCalendar } from '../../pipelines/calendar';
import { containerSecurityContext, DATA_DIR, podSecurityContext, storeAccess, trainingPodSpec, type KubeObject } from './pods';
import { FEATURESET_API_VERSION, FEATURESET_KIND, type FeatureSetSpec } from './spec';

export { JQUANTS_SECRET_KEY, OBJECT_STORE_SECRET_KEYS, type KubeObject } from './pods';

/**
 * The Kubernetes objects a FeatureSet should own ("desired children"): what the reconcile creates or
 * patches. Pure: the only input besides the resource is `now`, which decides the close in force and the
 * backfill's last day, so equal inputs render byte-equal YAML.
 */

/** Owner uid when rendering a FeatureSet that has not been stored by the API server yet. */
export const PLACEHOLDER_UID = '00000000-0000-0000-0000-000000000000';
// Kubernetes appends 11 characters to a CronJob's name for its Jobs, and Job names become pod labels (63).
const MAX_CRONJOB_NAME = 52;
const MAX_JOB_NAME = 63;
const TOKYO_OFFSET_MS = 9 * 3600_000;

export interface FeatureSetResource {
  metadata: { name: string; namespace: string; uid?: string; generation?: number };
  spec: FeatureSetSpec;
}
export type ChildComponent = 'daily' | 'backfill' | 'train' | 'manifest' | 'serviceaccount';

/** A valid spec that cannot be rendered at `now` (e.g. a run that would start after midnight). */
export class FeatureSetChildrenError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'FeatureSetChildrenError';
  }
}

/** The Tokyo calendar date of `now` shifted by `days` (Japan has no DST, so a fixed offset is exact). */
export function tokyoDate(now: Date, days = 0): string {
  return new Date(now.getTime() + TOKYO_OFFSET_MS + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The TSE close ('15:00' before 2024-11-05, '15:30' from then) of the first session on or after the
 * Tokyo date of `now`: that session is the next one the CronJob fires for, so on the weekend before a
 * change the new close already applies.
 */
export function closeInForce(now: Date): { session: string; close: string } {
  const calendar = TseCalendar.fromRules();
  const today = tokyoDate(now);
  const session = calendar.isSession(today) ? today : calendar.next(today);
  return { session, close: calendar.sessionTimes(session).close };
}

// One formatter per zone: constructing one costs far more than formatting with it, and every reconcile renders.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    if (formatters.size < 1000) formatters.set(timeZone, f);
  }
  return f;
}

function zonedParts(instant: Date, timeZone: string): { date: string; hour: number; minute: number } {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')), minute: Number(get('minute')) };
}

/**
 * The daily CronJob schedule: weekdays at close + afterCloseMinutes, written in `timeZone` (the
 * CronJob's spec.timeZone). A CronJob schedule is one fixed time, so it only holds for the close (and
 * the zone's UTC offset) in force at `now`; the reconcile re-renders and patches the CronJob when those
 * change. Runs that would start after 23:59 Tokyo are refused: they would land on the next (often
 * non-session) day.
 */
export function dailySchedule(afterCloseMinutes: number, timeZone: string, now: Date): string {
  const { session, close } = closeInForce(now);
  const [h, m] = close.split(':').map(Number);
  const startMinute = h * 60 + m + afterCloseMinutes;
  if (startMinute > 23 * 60 + 59) {
    throw new FeatureSetChildrenError('spec.schedule.afterCloseMinutes',
      `expected at most ${23 * 60 + 59 - h * 60 - m} (the run must start by 23:59 Tokyo on the session day; the close at ${session} is ${close}), got ${afterCloseMinutes}`);
  }
  const instant = new Date(Date.parse(`${session}T00:00:00Z`) - TOKYO_OFFSET_MS + startMinute * 60_000);
  const local = zonedParts(instant, timeZone);
  // Far enough west the Tokyo evening is the previous local day: Mon-Fri in Tokyo becomes Sun-Thu there.
  const shift = Math.round((Date.parse(`${local.date}T00:00:00Z`) - Date.parse(`${session}T00:00:00Z`)) / 86_400_000);
  return `${local.minute} ${local.hour} * * ${1 + shift}-${5 + shift}`;
}

function checkName(field: string, name: string, max: number): string {
  if (name.length > max) throw new FeatureSetChildrenError(field, `expected a FeatureSet name short enough for the child ${JSON.stringify(name)} (at most ${max} characters), got ${name.length}`);
  return name;
}

interface PodOptions { component: Exclude<ChildComponent, 'train'>; image: string; command: string[] }

function podTemplate(fs: FeatureSetResource, o: PodOptions): KubeObject {
  const { spec } = fs;
  return {
    metadata: { labels: labels(fs, o.component) },
    spec: {
      serviceAccountName: serviceAccountName(fs),
      restartPolicy: 'Never',
      securityContext: podSecurityContext(),
      containers: [{
        name: 'pipeline',
        image: o.image,
        command: o.command,
        ...storeAccess(fs.metadata.name, spec),
        resources: {
          requests: { cpu: spec.resources.requests.cpu, memory: spec.resources.requests.memory },
          limits: { cpu: spec.resources.limits.cpu, memory: spec.resources.limits.memory },
        },
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: 'data', mountPath: DATA_DIR }],
      }],
      // The root filesystem is read-only; the pipelines' scratch space (GOGOOKU3_DATA_DIR) lives here.
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
}

const serviceAccountName = (fs: FeatureSetResource) => `${fs.metadata.name}-pipeline`;

function labels(fs: FeatureSetResource, component: ChildComponent): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'gogooku3',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'gogooku3-operator',
    'gogooku3.io/featureset': fs.metadata.name,
  };
}

function metadata(fs: FeatureSetResource, name: string, component: ChildComponent): KubeObject {
  return {
    name,
    namespace: fs.metadata.namespace,
    labels: labels(fs, component),
    ownerReferences: [{
      apiVersion: FEATURESET_API_VERSION,
      kind: FEATURESET_KIND,
      name: fs.metadata.name,
      uid: fs.metadata.uid ?? PLACEHOLDER_UID,
      controller: true,
      blockOwnerDeletion: true,
    }],
  };
}

function cronJob(fs: FeatureSetResource, name: string, schedule: string, component: 'daily' | 'train', template: KubeObject): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(fs, checkName('metadata.name', name, MAX_CRONJOB_NAME), component),
    spec: {
      schedule,
      timeZone: fs.spec.schedule.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      suspend: fs.spec.suspend,
      jobTemplate: { metadata: { labels: labels(fs, component) }, spec: { backoffLimit: fs.spec.retries, template } },
    },
  };
}

// A URL's user:password@ would land in a plain env value, readable by anyone who can read the CronJob.
function checkStoreUrls(spec: FeatureSetSpec): void {
  for (const key of ['objectStore', 'dwh', 'online'] as const) {
    const { url } = spec.stores[key];
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/.exec(url);
    if (userinfo) {
      // The message must not repeat what it refuses to copy.
      const redacted = url.replace(userinfo[1], '***');
      throw new FeatureSetChildrenError(`spec.stores.${key}.url`, `expected a URL without embedded credentials (put them in spec.stores.${key}.credentialsSecretRef), got ${JSON.stringify(redacted)}`);
    }
  }
}

/** The children in apply order: ServiceAccount, manifest ConfigMap, daily CronJob, backfill Job, training CronJob. */
export function desiredChildren(fs: FeatureSetResource, options: { now: Date }): KubeObject[] {
  const { name } = fs.metadata;
  const { spec } = fs;
  checkStoreUrls(spec);
  const children: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(fs, serviceAccountName(fs), 'serviceaccount'), automountServiceAccountToken: false },
  ];
  // A configMapRef names the user's own ConfigMap: the operator neither creates nor owns it.
  if ('name' in spec.featureManifest) {
    children.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(fs, `${name}-manifest`, 'manifest'),
      data: { name: spec.featureManifest.name, version: spec.featureManifest.version },
    });
  }
  const daily = podTemplate(fs, { component: 'daily', image: spec.pipelineImage, command: ['gogooku3', 'run', 'daily'] });
  children.push(cronJob(fs, `${name}-daily`, dailySchedule(spec.schedule.afterCloseMinutes, spec.schedule.timeZone, options.now), 'daily', daily));
  if (spec.backfill) {
    const to = tokyoDate(options.now, -1);
    if (spec.backfill.from > to) throw new FeatureSetChildrenError('spec.backfill.from', `expected a date on or before yesterday in Tokyo (${to}), got ${JSON.stringify(spec.backfill.from)}`);
    children.push({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadata(fs, checkName('metadata.name', `${name}-backfill-${spec.backfill.from}`, MAX_JOB_NAME), 'backfill'),
      // No ttlSecondsAfterFinished: a finished Job that vanished would look missing and be created again.
      spec: {
        suspend: spec.suspend,
        backoffLimit: spec.retries,
        template: podTemplate(fs, { component: 'backfill', image: spec.pipelineImage, command: ['gogooku3', 'run', 'backfill', '--from', spec.backfill.from, '--to', to] }),
      },
    });
  }
  // A fixed schedule cannot carry the training range, so the pod computes its contract when it starts.
  if (spec.training) {
    const template = { metadata: { labels: labels(fs, 'train') }, spec: trainingPodSpec(name, spec, serviceAccountName(fs)) };
    children.push(cronJob(fs, `${name}-train`, spec.training.schedule, 'train', template));
  }
  return children;
}
