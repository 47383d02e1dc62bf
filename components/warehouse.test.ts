import { clickhouseUrl, clickhouseUsersConfig, schemaInitJobSpec, Warehouse, warehouseSettings } from './warehouse';
import { ComponentArgsError, UnpinnedImageError } from './common';
import { plaintextOccurrences, podSpecs, promiseOf, recordResources, reveal, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

describe('warehouse helpers', () => {
  it('applies the documented defaults', () => {
    expect(warehouseSettings({})).toMatchObject({ storageSize: '100Gi', database: 'gogooku3', user: 'gogooku3', resources: { limits: { cpu: '2', memory: '4Gi' } } });
  });
  it.each([
    [{ database: 'my-db' }, ComponentArgsError, /^warehouse.database: /],
    [{ user: 'default' }, ComponentArgsError, /^warehouse.user: .*not "default"/],
    [{ image: 'clickhouse/clickhouse-server:latest' }, UnpinnedImageError, /^warehouse.image: /],
  ])('refuses %j', (s, type, message) => {
    expect(() => warehouseSettings(s)).toThrow(type);
    expect(() => warehouseSettings(s)).toThrow(message);
  });
  it('URL-encodes the credentials in the DWH URL', () => {
    expect(clickhouseUrl({ user: 'u', password: 'p@ss/w:rd', host: 'ch.ns.svc.cluster.local', database: 'db' })).toBe('clickhouse://u:p%40ss%2Fw%3Ard@ch.ns.svc.cluster.local:8123/db');
  });
  it('reads the password from the environment and grants only the own database', () => {
    const xml = clickhouseUsersConfig('etl', 'lake');
    expect(xml).toContain('<password from_env="CLICKHOUSE_PASSWORD"/>');
    expect(xml).toContain('<query>GRANT ALL ON lake.*</query>');
    expect(xml).toMatch(/<default>\s*<networks replace="replace">\s*<ip>::1<\/ip>\s*<ip>127.0.0.1<\/ip>/);
  });
  it('runs storage init from our image with the DWH URL from the Secret', () => {
    const spec = schemaInitJobSpec({ image: 'acme/gogooku3:1.0.0', connectionSecret: 'ch-dwh', labels: {} });
    const c = spec.template.spec.containers[0];
    expect(c.command).toEqual(['gogooku3', 'storage', 'init', '--format', 'json']);
    expect(c.envFrom).toEqual([{ secretRef: { name: 'ch-dwh' } }]);
    expect(() => schemaInitJobSpec({ image: 'acme/gogooku3', connectionSecret: 'x', labels: {} })).toThrow(/warehouse.appImage/);
  });
});

describe('Warehouse', () => {
  it('registers ClickHouse with its config, Secrets and the schema-init Job, no plaintext password', async () => {
    const w = new Warehouse('clickhouse', { namespace: 'ns', password: 'sentinel-ch-pw', appImage: 'acme/gogooku3:1.0.0' });
    expect(await promiseOf(w.httpUrl)).toBe('http://clickhouse.ns.svc.cluster.local:8123');
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:StatefulSet clickhouse',
      'kubernetes:batch/v1:Job clickhouse-schema-init',
      'kubernetes:core/v1:ConfigMap clickhouse-config',
      'kubernetes:core/v1:Secret clickhouse-dwh',
      'kubernetes:core/v1:Secret clickhouse-password',
      'kubernetes:core/v1:Service clickhouse',
    ]);
    expect(custom.flatMap((r) => plaintextOccurrences(r.inputs, ['sentinel-ch-pw']))).toEqual([]);
    const dwh = custom.find((r) => r.name === 'clickhouse-dwh')!;
    expect(reveal(dwh.inputs.stringData).GOGOOKU3_DWH).toBe('clickhouse://gogooku3:sentinel-ch-pw@clickhouse.ns.svc.cluster.local:8123/gogooku3');
    expect(podSpecs(custom).flatMap(({ owner, spec }) => workloadViolations(owner, spec))).toEqual([]);
  });
});
