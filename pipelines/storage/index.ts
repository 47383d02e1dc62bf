import type { Config } from '../config/config';
import { DuckDbWarehouse } from './duckdb-warehouse';
import { EmbeddedOnlineStore } from './embedded-online-store';
import { RedisOnlineStore } from './redis-online-store';
import { InvalidStoreUrlError, UnsupportedBackendError } from './errors';
import { FileObjectStore } from './file-object-store';
import { ParquetLake } from './lake';
import type { Lake, ObjectStore, OnlineStore, Warehouse } from './types';

export * from './types';
export * from './errors';
export { writeFileAtomic } from './atomic';
export { FileObjectStore, validateKey, fileUrlToDir } from './file-object-store';
export { ParquetLake, partitionKeys, sha256, DATA_FILE, MANIFEST_FILE, type CommittedFile } from './lake';
export { DuckDbWarehouse, duckdbUrlToPath, type LocalPartitionSource } from './duckdb-warehouse';
export { EmbeddedOnlineStore } from './embedded-online-store';
export { RedisOnlineStore, OnlineStoreError, getOnlineFeatures } from './redis-online-store';
// The S3 store is not opened by openStores yet: the DuckDB warehouse reads partitions from local files.
export { S3ObjectStore, ObjectStoreError } from './s3-object-store';

/** Typed as the interfaces, not the embedded classes, so production backends can slot in without callers changing. */
export interface Stores {
  objectStore: ObjectStore;
  lake: Lake;
  warehouse: Warehouse;
  online: OnlineStore;
  /** Closes the warehouse (releasing the DuckDB file), the lake's in-memory DuckDB and the online store. */
  close(): Promise<void>;
}

function scheme(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!m) throw new InvalidStoreUrlError(url, 'no URL scheme');
  return m[1].toLowerCase();
}

/**
 * Opens the embedded backends the config names. Every URL is checked before anything is opened, so an
 * unsupported one fails without leaving a DuckDB file locked.
 */
export async function openStores(config: Pick<Config, 'dataDir' | 'objectStore' | 'dwh' | 'onlineStore'>): Promise<Stores> {
  const objectScheme = scheme(config.objectStore);
  if (objectScheme !== 'file') throw new UnsupportedBackendError(config.objectStore, objectScheme, 'GOGOOKU3_OBJECT_STORE');
  const dwhScheme = scheme(config.dwh);
  if (dwhScheme !== 'duckdb') throw new UnsupportedBackendError(config.dwh, dwhScheme, 'GOGOOKU3_DWH');
  const onlineScheme = config.onlineStore === 'embedded' ? 'embedded' : scheme(config.onlineStore);
  if (onlineScheme !== 'embedded' && onlineScheme !== 'redis' && onlineScheme !== 'rediss') {
    throw new UnsupportedBackendError(config.onlineStore, onlineScheme, 'GOGOOKU3_ONLINE_STORE');
  }

  const objectStore = new FileObjectStore(config.objectStore);
  const lake = new ParquetLake(objectStore);
  const warehouse = await DuckDbWarehouse.open(config.dwh, lake);
  const online: OnlineStore = onlineScheme === 'embedded' ? new EmbeddedOnlineStore(config.dataDir) : new RedisOnlineStore(config.onlineStore);
  return {
    objectStore,
    lake,
    warehouse,
    online,
    async close() {
      const results = await Promise.allSettled([warehouse.close(), lake.close(), online.close()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
