import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  appLabels, appRunPodSpec, checkPinnedImage, dataVolumeClaimTemplate, ComponentArgsError, containerSecurityContext, PINNED_IMAGES, podSecurityContext, scratchVolumes, selectorLabels,
  type CommonArgs, type ResourceSpec,
} from './common';

/** Tunables of the warehouse (what a stack sets per environment). */
export interface WarehouseSettings {
  /** ClickHouse server image, pinned. Default: `PINNED_IMAGES.clickhouse`. */
  image?: string;
  /** Size of the data volume. Default: `100Gi`. */
  storageSize?: string;
  /** StorageClass of the data volume. Default: the cluster's default class. */
  storageClass?: string;
  /** Database the pipelines write. Default: `gogooku3`. */
  database?: string;
  /** User the pipelines connect as. Default: `gogooku3`. */
  user?: string;
  /** Container resources. Default: requests 500m / 2Gi, limits 2 CPU / 4Gi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link Warehouse}. */
export interface WarehouseArgs extends CommonArgs, WarehouseSettings {
  /** Password of `user`. Wrapped in `pulumi.secret`; stored only in Secrets. */
  password: pulumi.Input<string>;
  /** Our image (pinned), whose `gogooku3 storage init` the schema-init Job runs. */
  appImage: pulumi.Input<string>;
}

const DEFAULTS = {
  storageSize: '100Gi',
  database: 'gogooku3',
  user: 'gogooku3',
  resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
} as const;

/** The image's `clickhouse` user. */
const CLICKHOUSE_UID = 101;
export const CLICKHOUSE_HTTP_PORT = 8123;
const CLICKHOUSE_NATIVE_PORT = 9000;
export const CLICKHOUSE_METRICS_PORT = 9363;
/** Key of the connection Secret: the whole `GOGOOKU3_DWH` URL, password included (the pipelines read nothing else). */
export const DWH_SECRET_KEY = 'GOGOOKU3_DWH';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The settings with every default applied and checked. */
export function warehouseSettings(s: WarehouseSettings) {
  const database = s.database ?? DEFAULTS.database;
  const user = s.user ?? DEFAULTS.user;
  if (!IDENT.test(database)) throw new ComponentArgsError('warehouse.database', `expected an identifier matching ${IDENT}`, database);
  if (!IDENT.test(user) || user === 'default') throw new ComponentArgsError('warehouse.user', `expected an identifier matching ${IDENT}, not "default"`, user);
  return {
    image: checkPinnedImage(s.image ?? PINNED_IMAGES.clickhouse, 'warehouse.image'),
    storageSize: s.storageSize ?? DEFAULTS.storageSize,
    storageClass: s.storageClass,
    database,
    user,
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedWarehouse = ReturnType<typeof warehouseSettings>;

/**
 * Server config overrides: logs to the console only (the root filesystem is read-only), every writable path
 * on the data volume, and the Prometheus endpoint.
 */
export function clickhouseServerConfig(): string {
  return `<clickhouse>
  <logger>
    <level>information</level>
    <console>1</console>
    <log remove="remove"/>
    <errorlog remove="remove"/>
  </logger>
  <listen_host>0.0.0.0</listen_host>
  <http_port>${CLICKHOUSE_HTTP_PORT}</http_port>
  <tcp_port>${CLICKHOUSE_NATIVE_PORT}</tcp_port>
  <path>/var/lib/clickhouse/</path>
  <tmp_path>/var/lib/clickhouse/tmp/</tmp_path>
  <user_files_path>/var/lib/clickhouse/user_files/</user_files_path>
  <format_schema_path>/var/lib/clickhouse/format_schemas/</format_schema_path>
  <prometheus>
    <endpoint>/metrics</endpoint>
    <port>${CLICKHOUSE_METRICS_PORT}</port>
    <metrics>true</metrics>
    <events>true</events>
    <asynchronous_metrics>true</asynchronous_metrics>
  </prometheus>
</clickhouse>
`;
}

/**
 * Users: `default` only from localhost (it has no password), and the pipelines' user with its password read
 * from the environment at start, so it appears in no ConfigMap, and rights on its own database only.
 */
export function clickhouseUsersConfig(user: string, database: string): string {
  return `<clickhouse>
  <users>
    <default>
      <networks replace="replace">
        <ip>::1</ip>
        <ip>127.0.0.1</ip>
      </networks>
    </default>
    <${user}>
      <password from_env="CLICKHOUSE_PASSWORD"/>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <grants>
        <query>GRANT ALL ON ${database}.*</query>
      </grants>
    </${user}>
  </users>
</clickhouse>
`;
}

/** `clickhouse://user:password@host:8123/db`, with user and password URL-encoded. */
export function clickhouseUrl(a: { user: string; password: string; host: string; database: string }): string {
  return `clickhouse://${encodeURIComponent(a.user)}:${encodeURIComponent(a.password)}@${a.host}:${CLICKHOUSE_HTTP_PORT}/${a.database}`;
}

/** The ClickHouse StatefulSet spec; the server is started directly (the image's entrypoint writes under /etc). */
export function clickhouseStatefulSetSpec(a: { name: string; configMap: string; passwordSecret: string; settings: ResolvedWarehouse; labels: Record<string, string> }) {
  const s = a.settings;
  const scratch = scratchVolumes({ tmp: '/tmp' });
  const ping = { httpGet: { path: '/ping', port: CLICKHOUSE_HTTP_PORT } };
  return {
    serviceName: a.name,
    replicas: 1,
    selector: { matchLabels: selectorLabels(a.name) },
    template: {
      metadata: { labels: a.labels },
      spec: {
        securityContext: podSecurityContext(CLICKHOUSE_UID),
        automountServiceAccountToken: false,
        containers: [{
          name: 'clickhouse',
          image: s.image,
          command: ['clickhouse-server', '--config-file=/etc/clickhouse-server/config.xml'],
          env: [{ name: 'CLICKHOUSE_PASSWORD', valueFrom: { secretKeyRef: { name: a.passwordSecret, key: 'CLICKHOUSE_PASSWORD' } } }],
          ports: [
            { name: 'http', containerPort: CLICKHOUSE_HTTP_PORT },
            { name: 'native', containerPort: CLICKHOUSE_NATIVE_PORT },
            { name: 'metrics', containerPort: CLICKHOUSE_METRICS_PORT },
          ],
          startupProbe: { ...ping, periodSeconds: 5, failureThreshold: 60 },
          livenessProbe: { ...ping, periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { ...ping, periodSeconds: 5 },
          resources: s.resources,
          securityContext: containerSecurityContext(CLICKHOUSE_UID),
          volumeMounts: [
            { name: 'data', mountPath: '/var/lib/clickhouse' },
            { name: 'config', mountPath: '/etc/clickhouse-server/config.d', readOnly: true },
            { name: 'users', mountPath: '/etc/clickhouse-server/users.d', readOnly: true },
            ...scratch.volumeMounts,
          ],
        }],
        volumes: [
          { name: 'config', configMap: { name: a.configMap, items: [{ key: 'server.xml', path: 'gogooku3.xml' }] } },
          { name: 'users', configMap: { name: a.configMap, items: [{ key: 'users.xml', path: 'gogooku3.xml' }] } },
          ...scratch.volumes,
        ],
      },
    },
    volumeClaimTemplates: [dataVolumeClaimTemplate(s.storageSize, s.storageClass)],
  };
}

/** The schema-init Job: `gogooku3 storage init` from our image, the DWH URL from the connection Secret. */
export function schemaInitJobSpec(a: { image: string; connectionSecret: string; labels: Record<string, string> }) {
  return {
    backoffLimit: 6,
    template: {
      metadata: { labels: a.labels },
      spec: appRunPodSpec({
        name: 'storage-init',
        image: a.image,
        imageField: 'warehouse.appImage',
        command: ['gogooku3', 'storage', 'init', '--format', 'json'],
        envFromSecrets: [a.connectionSecret],
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      }),
    },
  };
}

/**
 * ClickHouse for the DWH: one server on a PVC, a password-protected pipelines user, and a Job creating the
 * database and ledger with `gogooku3 storage init`. Consumers mount Secret `<name>-dwh` (key GOGOOKU3_DWH).
 */
export class Warehouse extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** `http://<service>.<ns>.svc.cluster.local:8123`. */
  readonly httpUrl: pulumi.Output<string>;
  /** Secret holding `GOGOOKU3_DWH` (for `envFrom`). */
  readonly connectionSecretName: pulumi.Output<string>;

  constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:Warehouse', name, {}, opts);
    const s = warehouseSettings(args);
    const labels = appLabels(name, 'warehouse', args.labels);
    const parent = { parent: this };
    const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });
    const password = pulumi.secret(args.password);
    const host = pulumi.interpolate`${name}.${args.namespace}.svc.cluster.local`;

    const passwordSecret = new k8s.core.v1.Secret(`${name}-password`, {
      metadata: meta(`${name}-password`),
      type: 'Opaque',
      stringData: { CLICKHOUSE_PASSWORD: password },
    }, parent);
    const connection = new k8s.core.v1.Secret(`${name}-dwh`, {
      metadata: meta(`${name}-dwh`),
      type: 'Opaque',
      stringData: { [DWH_SECRET_KEY]: pulumi.secret(pulumi.all([password, host]).apply(([pw, h]) => clickhouseUrl({ user: s.user, password: pw, host: h, database: s.database }))) },
    }, parent);
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
      metadata: meta(`${name}-config`),
      data: { 'server.xml': clickhouseServerConfig(), 'users.xml': clickhouseUsersConfig(s.user, s.database) },
    }, parent);
    const service = new k8s.core.v1.Service(name, {
      metadata: meta(name),
      spec: {
        selector: selectorLabels(name),
        ports: [
          { name: 'http', port: CLICKHOUSE_HTTP_PORT, targetPort: 'http' },
          { name: 'native', port: CLICKHOUSE_NATIVE_PORT, targetPort: 'native' },
        ],
      },
    }, parent);
    const statefulSet = new k8s.apps.v1.StatefulSet(name, {
      metadata: meta(name),
      spec: clickhouseStatefulSetSpec({ name, configMap: `${name}-config`, passwordSecret: `${name}-password`, settings: s, labels }),
    }, { parent: this, dependsOn: [passwordSecret, config] });
    const initLabels = { ...labels, 'gogooku3.io/role': 'storage-init' };
    new k8s.batch.v1.Job(`${name}-schema-init`, {
      metadata: { name: `${name}-schema-init`, namespace: args.namespace, labels: initLabels },
      spec: pulumi.output(args.appImage).apply((image) => schemaInitJobSpec({ image, connectionSecret: `${name}-dwh`, labels: initLabels })),
    }, { parent: this, dependsOn: [statefulSet, service, connection] });

    this.serviceName = service.metadata.name;
    this.httpUrl = pulumi.interpolate`http://${host}:${CLICKHOUSE_HTTP_PORT}`;
    this.connectionSecretName = connection.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName, httpUrl: this.httpUrl, connectionSecretName: this.connectionSecretName });
  }
}
