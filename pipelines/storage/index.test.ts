import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { UnsupportedBackendError, WarehouseError, openStores } from './index';

describe('openStores', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-stores-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens the embedded backends from the default config and wires lake → warehouse', async () => {
    const config = loadConfig({ GOGOOKU3_DATA_DIR: dir });
    const stores = await openStores(config);
    try {
      expect(stores.objectStore.url).toBe(`file://${path.join(dir, 'lake')}`);
      expect(stores.warehouse.url).toBe(config.dwh);
      expect(stores.online.url).toBe('embedded');
      await stores.lake.writePartition('raw_daily_bars', '2024-01-04', [{ name: 'code', type: 'string' }], [{ code: '130A0' }], { runId: 'r', inputFingerprint: 'f' });
      await stores.lakeSql.refresh();
      expect(await stores.warehouse.query('SELECT date, code FROM raw_daily_bars')).toEqual([{ date: '2024-01-04', code: '130A0' }]);
      await stores.online.publish('default', [{ ticker: '130A0', asOf: '2024-01-04', runId: 'r', manifestVersion: 'm', values: { f: 1 } }]);
      expect(fs.existsSync(path.join(dir, 'online', 'default.json'))).toBe(true);
      expect(fs.existsSync(path.join(dir, 'warehouse.duckdb'))).toBe(true);
    } finally {
      await stores.close();
    }
    // Closed means released: opening again in the same process works.
    const again = await openStores(config);
    expect(await again.warehouse.query('SELECT count(*) AS n FROM raw_daily_bars')).toEqual([{ n: 1 }]);
    await again.close();
  });

  it.each([
    ['GOGOOKU3_OBJECT_STORE', 'objectStore', 'gs://bucket/lake', 'gs'],
    ['GOGOOKU3_DWH', 'dwh', 'postgres://localhost:5432/g3', 'postgres'],
    ['GOGOOKU3_ONLINE_STORE', 'onlineStore', 'memcached://localhost:11211', 'memcached'],
  ] as const)('refuses %s (config key %s) = %s with a typed error naming the scheme', async (setting, key, url, scheme) => {
    const config = { ...loadConfig({ GOGOOKU3_DATA_DIR: path.join(dir, scheme) }), [key]: url };
    const error = await openStores(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedBackendError);
    expect(error).toMatchObject({ scheme, url, setting });
    expect((error as Error).message).toMatch(/supported: GOGOOKU3_OBJECT_STORE file:\/\/ \| s3:\/\//);
    // Nothing was opened or created for a refused configuration.
    expect(fs.existsSync(path.join(dir, scheme, 'warehouse.duckdb'))).toBe(false);
  });

  it('fails on an unreachable ClickHouse with a WarehouseError that names the URL without the password, and leaves nothing open', async () => {
    const data = path.join(dir, 'ch-down');
    const config = loadConfig({ GOGOOKU3_DATA_DIR: data, GOGOOKU3_DWH: 'clickhouse://g3:s3cret@127.0.0.1:9/g3' });
    const error = await openStores(config, { clickhouse: { maxRetries: 1, retryBaseMs: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as Error).message).toContain('clickhouse://g3:***@127.0.0.1:9/g3');
    expect((error as Error).message).toMatch(/ECONNREFUSED.*after 2 attempts/);
    expect((error as Error).message).not.toContain('s3cret');
    expect(fs.existsSync(path.join(data, 'warehouse.duckdb'))).toBe(false);
  });
});
