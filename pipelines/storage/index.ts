import type { Config } from '../config/config';
import { DuckDbWarehouse } from './duckdb-warehouse';
import { EmbeddedOnlineStore } from './embedded-online-store';
import { RedisOnlineStore } from './redis-online-store';
import path from 'node:path';
import { ClickHouseWarehouse, type ClickHouseWarehouseOptions } from './clickhouse-warehouse';
import { parseClickHouseUrl } from './clickhouse-support';
import { InvalidStoreUrlError, UnsupportedBackendError } from './errors';
import { redactUrl } from './redis-support';
import { S3ObjectStore, parseS3Url } from './s3-object-store';
import { FileObjectStore } from './file-object-store';
import { ParquetLake } from './lake';
import type { Lake, LakeSql, ObjectStore, OnlineStore, Warehouse } from './types';

export * from './types';
export * from './errors';
export { writeFileAtomic } from './atomic';
export { FileObjectStore, validateKey, fileUrlToDir } from './file-object-store';
export { ParquetLake, partitionKeys, sha256, DATA_FILE, MANIFEST_FILE, type CommittedFile } from './lake';
export { DuckDbWarehouse, duckdbUrlToPath, type LocalPartitionSource } from './duckdb-warehouse';
export { EmbeddedOnlineStore } from './embedded-online-store';
export { RedisOnlineStore, OnlineStoreError, getOnlineFeatures } from './redis-online-store';
export { S3ObjectStore, ObjectStoreError } from './s3-object-store';
export { ClickHouseWarehouse, type ClickHouseWarehouseOptions } from './clickhouse-warehouse';
export { WarehouseError, LoadVerificationError, DWH_DATASETS } from './clickhouse-support';

/** Typed as the interfaces, not the embedded classes, so production backends slot in without callers changing. */
export interface Stores {
  objectStore: ObjectStore;
  lake: Lake;
  /** SQL over the lake (DuckDB): the embedded warehouse itself, or an in-memory engine beside ClickHouse. */
  lakeSql: LakeSql;
  warehouse: Warehouse;
  online: OnlineStore;
  /** Closes everything opened (warehouse, lake engine, online store, object store client). */
  close(): Promise<void>;
}

function scheme(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!m) throw new InvalidStoreUrlError(redactUrl(url), 'no URL scheme');
  return m[1].toLowerCase();
}

/** What openStores reads of the config; S3, TTL settings default as in loadConfig when absent. */
export type StoresConfig = Pick<Config, 'dataDir' | 'objectStore' | 'dwh' | 'onlineStore'> & Partial<Pick<Config, 's3' | 'dwhTtlYears' | 'onlineTtlSeconds'>>;

export interface OpenStoresOptions {
  /** ClickHouse tuning and test hooks (retries, batch size, a kill point before the swap). */
  clickhouse?: ClickHouseWarehouseOptions;
}

/**
 * Opens the backends the config names: file:// or s3:// for the lake, duckdb:// or clickhouse:// for the DWH,
 * embedded or redis:// for serving. Every URL is checked before anything is opened, so a bad one fails without
 * leaving a DuckDB file locked; a failure while opening closes what was already open.
 */
export async function openStores(config: StoresConfig, options: OpenStoresOptions = {}): Promise<Stores> {
  const objectScheme = scheme(config.objectStore);
  if (objectScheme !== 'file' && objectScheme !== 's3') throw new UnsupportedBackendError(redactUrl(config.objectStore), objectScheme, 'GOGOOKU3_OBJECT_STORE');
  const dwhScheme = scheme(config.dwh);
  if (dwhScheme !== 'duckdb' && dwhScheme !== 'clickhouse') throw new UnsupportedBackendError(redactUrl(config.dwh), dwhScheme, 'GOGOOKU3_DWH');
  const onlineScheme = config.onlineStore === 'embedded' ? 'embedded' : scheme(config.onlineStore);
  if (onlineScheme !== 'embedded' && onlineScheme !== 'redis' && onlineScheme !== 'rediss') {
    throw new UnsupportedBackendError(redactUrl(config.onlineStore), onlineScheme, 'GOGOOKU3_ONLINE_STORE');
  }
  if (dwhScheme === 'clickhouse') parseClickHouseUrl(config.dwh);
  if (objectScheme === 's3') parseS3Url(config.objectStore);

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    const results = await Promise.allSettled(closers.reverse().map((close) => close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    const objectStore: ObjectStore & { close?(): Promise<void> } = objectScheme === 's3'
      ? new S3ObjectStore(config.objectStore, { ...(config.s3 ?? { region: 'us-east-1' }) })
      : new FileObjectStore(config.objectStore);
    if (objectStore.close) closers.push(() => objectStore.close!());
    const lake = new ParquetLake(objectStore, { cacheDir: path.join(config.dataDir, 'cache', 'lake') });
    closers.push(() => lake.close());
    let lakeSql: LakeSql;
    let warehouse: Warehouse;
    if (dwhScheme === 'duckdb') {
      const duck = await DuckDbWarehouse.open(config.dwh, lake);
      closers.push(() => duck.close());
      lakeSql = duck;
      warehouse = duck;
    } else {
      const engine = await DuckDbWarehouse.open('duckdb::memory:', lake);
      closers.push(() => engine.close());
      lakeSql = engine;
      warehouse = await ClickHouseWarehouse.open(config.dwh, { ttlYears: config.dwhTtlYears, ...options.clickhouse });
      closers.push(() => warehouse.close());
    }
    const online: OnlineStore = onlineScheme === 'embedded' ? new EmbeddedOnlineStore(config.dataDir) : new RedisOnlineStore(config.onlineStore, { ttlSeconds: config.onlineTtlSeconds });
    closers.push(() => online.close());
    return { objectStore, lake, lakeSql, warehouse, online, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
