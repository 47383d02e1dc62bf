import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { UnsupportedBackendError, openStores } from './index';

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
      await stores.warehouse.refresh();
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
    ['GOGOOKU3_OBJECT_STORE', 's3://bucket/lake', 's3'],
    ['GOGOOKU3_DWH', 'clickhouse://localhost:8123/g3', 'clickhouse'],
  ])('refuses %s=%s with a typed error naming the scheme', async (name, url, scheme) => {
    const config = loadConfig({ GOGOOKU3_DATA_DIR: path.join(dir, scheme), [name]: url });
    const error = await openStores(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedBackendError);
    expect(error).toMatchObject({ scheme, url, setting: name });
    expect((error as Error).message).toMatch(new RegExp(`${scheme}://.*production-backends`));
    // Nothing was opened or created for a refused configuration.
    expect(fs.existsSync(path.join(dir, scheme, 'warehouse.duckdb'))).toBe(false);
  });
});
