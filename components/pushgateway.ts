import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { MIN_RETENTION_DAYS, PUSH_JOB } from '../pipelines/metrics/pushgateway';
import {
  appLabels, appRunPodSpec, checkPinnedImage, ComponentArgsError, containerSecurityContext, dataVolumeClaimTemplate, PINNED_IMAGES, podSecurityContext,
  selectorLabels, type CommonArgs, type ResourceSpec,
} from './common';
import { METRICS_PRUNE_POD_LABELS } from './network-policies';

/**
 * The Prometheus Pushgateway the batch pods push to. CronJob pods live for minutes and Prometheus cannot scrape
 * them, so every pipeline and training run pushes a group of its own (`run_id` in the grouping key) and the
 * freshness, success and training SLOs are computed from those groups. The gateway therefore persists to a
 * volume (a restart would otherwise drop 30 days of runs the SLOs count), and a daily CronJob runs
 * `gogooku3 metrics prune` so the per-run groups do not pile up forever.
 */

/** Tunables of the Pushgateway (what a stack sets per environment). */
export interface PushgatewaySettings {
  /** Pushgateway image, pinned. Default: `PINNED_IMAGES.pushgateway`. */
  image?: string;
  /** Size of the persistence volume. Default: `2Gi` (a year of daily runs is a few MB). */
  storageSize?: string;
  /** StorageClass of the persistence volume. Default: the cluster's default class. */
  storageClass?: string;
  /** How often the gateway writes its groups to the volume (it also writes on shutdown). Default: `1m`. */
  persistenceInterval?: string;
  /** Per-run groups older than this many days are pruned (never the newest of a series). Default: 90, at least 35. */
  retentionDays?: number;
  /** Cron schedule of the prune job, in `pruneTimeZone`. Default: `30 4 * * *` (before the market opens). */
  pruneSchedule?: string;
  /** Time zone of `pruneSchedule`. Default: `Asia/Tokyo`. */
  pruneTimeZone?: string;
  /** Container resources of the gateway. Default: requests 50m / 64Mi, limits 500m / 256Mi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link Pushgateway}. */
export interface PushgatewayArgs extends CommonArgs, PushgatewaySettings {
  /** Our image (pinned), whose `gogooku3 metrics prune` the prune CronJob runs. */
  appImage: pulumi.Input<string>;
}

export const PUSHGATEWAY_PORT = 9091;
/** The upstream image's user, `nobody`. */
const PUSHGATEWAY_UID = 65534;
const PERSISTENCE_FILE = '/data/pushgateway.metrics';

const DEFAULTS = {
  storageSize: '2Gi',
  persistenceInterval: '1m',
  retentionDays: 90,
  pruneSchedule: '30 4 * * *',
  pruneTimeZone: 'Asia/Tokyo',
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
} as const;

const CRON_RE = /^(\S+\s+){4}\S+$/;

/** The settings with every default applied and checked. */
export function pushgatewaySettings(s: PushgatewaySettings) {
  const retentionDays = s.retentionDays ?? DEFAULTS.retentionDays;
  if (!Number.isInteger(retentionDays) || retentionDays < MIN_RETENTION_DAYS) {
    throw new ComponentArgsError('pushgateway.retentionDays', `expected a whole number of days >= ${MIN_RETENTION_DAYS} (the 30-day SLOs count runs from these groups)`, retentionDays);
  }
  const persistenceInterval = s.persistenceInterval ?? DEFAULTS.persistenceInterval;
  if (!/^\d+(s|m|h)$/.test(persistenceInterval)) throw new ComponentArgsError('pushgateway.persistenceInterval', 'expected a duration such as 30s, 1m or 5m', persistenceInterval);
  const pruneSchedule = s.pruneSchedule ?? DEFAULTS.pruneSchedule;
  if (!CRON_RE.test(pruneSchedule.trim())) throw new ComponentArgsError('pushgateway.pruneSchedule', 'expected a cron schedule of five fields such as "30 4 * * *"', pruneSchedule);
  return {
    image: checkPinnedImage(s.image ?? PINNED_IMAGES.pushgateway, 'pushgateway.image'),
    storageSize: s.storageSize ?? DEFAULTS.storageSize,
    storageClass: s.storageClass,
    persistenceInterval,
    retentionDays,
    pruneSchedule: pruneSchedule.trim(),
    pruneTimeZone: s.pruneTimeZone ?? DEFAULTS.pruneTimeZone,
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedPushgateway = ReturnType<typeof pushgatewaySettings>;

/** The gateway's StatefulSet spec: one replica (pushes must all land in one place) on its own volume. */
export function pushgatewayStatefulSetSpec(a: { name: string; settings: ResolvedPushgateway; labels: Record<string, string> }) {
  const s = a.settings;
  const probe = (path: string) => ({ httpGet: { path, port: 'http' } });
  return {
    serviceName: a.name,
    replicas: 1,
    selector: { matchLabels: selectorLabels(a.name) },
    template: {
      metadata: { labels: a.labels },
      spec: {
        securityContext: podSecurityContext(PUSHGATEWAY_UID),
        automountServiceAccountToken: false,
        containers: [{
          name: 'pushgateway',
          image: s.image,
          args: [`--web.listen-address=:${PUSHGATEWAY_PORT}`, `--persistence.file=${PERSISTENCE_FILE}`, `--persistence.interval=${s.persistenceInterval}`],
          ports: [{ name: 'http', containerPort: PUSHGATEWAY_PORT }],
          livenessProbe: { ...probe('/-/healthy'), periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { ...probe('/-/ready'), periodSeconds: 5 },
          resources: s.resources,
          securityContext: containerSecurityContext(PUSHGATEWAY_UID),
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        }],
        // The gateway writes its file on SIGTERM; give it time to finish.
        terminationGracePeriodSeconds: 30,
      },
    },
    volumeClaimTemplates: [dataVolumeClaimTemplate(s.storageSize, s.storageClass)],
  };
}

/** The prune CronJob spec: `gogooku3 metrics prune` against the gateway, once a day. */
export function pruneCronJobSpec(a: { image: string; gatewayUrl: string; settings: ResolvedPushgateway; labels: Record<string, string> }) {
  const s = a.settings;
  return {
    schedule: s.pruneSchedule,
    timeZone: s.pruneTimeZone,
    concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 1,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: { ...a.labels, ...METRICS_PRUNE_POD_LABELS } },
          spec: appRunPodSpec({
            name: 'metrics-prune',
            image: a.image,
            imageField: 'pushgateway.appImage',
            command: ['gogooku3', 'metrics', 'prune', '--older-than-days', String(s.retentionDays), '--job', PUSH_JOB, '--format', 'json'],
            env: [{ name: 'GOGOOKU3_PUSHGATEWAY_URL', value: a.gatewayUrl }],
            resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
            scratchSize: '256Mi',
          }),
        },
      },
    },
  };
}

/**
 * Pushgateway for the batch runs' metrics, persisted on a volume, with a daily prune CronJob. Prometheus
 * scrapes it with `honorLabels` (the pushed `job` and grouping labels are the series' identity).
 */
export class Pushgateway extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** In-cluster URL, as `GOGOOKU3_PUSHGATEWAY_URL` and FeatureSet `spec.metrics.pushgatewayUrl` take it. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: PushgatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:Pushgateway', name, {}, opts);
    const s = pushgatewaySettings(args);
    const labels = appLabels(name, 'pushgateway', args.labels);
    const parent = { parent: this };
    const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });

    const service = new k8s.core.v1.Service(name, {
      metadata: meta(name),
      spec: { selector: selectorLabels(name), ports: [{ name: 'http', port: PUSHGATEWAY_PORT, targetPort: 'http' }] },
    }, parent);
    new k8s.apps.v1.StatefulSet(name, { metadata: meta(name), spec: pushgatewayStatefulSetSpec({ name, settings: s, labels }) }, parent);
    this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${PUSHGATEWAY_PORT}`;
    const pruneLabels = appLabels(`${name}-prune`, 'metrics-prune', args.labels);
    new k8s.batch.v1.CronJob(`${name}-prune`, {
      metadata: { ...meta(`${name}-prune`), labels: pruneLabels },
      spec: pulumi.all([args.appImage, this.url]).apply(([image, gatewayUrl]) => pruneCronJobSpec({ image, gatewayUrl, settings: s, labels: pruneLabels })),
    }, parent);

    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName, url: this.url });
  }
}
