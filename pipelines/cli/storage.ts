import { Command, Option } from 'commander';
import { openStores, ObjectStoreError, OnlineStoreError, WarehouseError, S3ObjectStore, ClickHouseWarehouse, DWH_DATASETS } from '../storage';
import { redactConfig } from '../config/config';
import { action, CliError, subcommand, type CliContext } from './context';

/** Backend failures (unreachable, refused) become one-line CLI errors with exit 69 (service unavailable). */
export async function withStoreErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WarehouseError || error instanceof ObjectStoreError || error instanceof OnlineStoreError) throw new CliError(error.message, 69);
    throw error;
  }
}

export function storageCommand(ctx: CliContext): Command {
  const cmd = subcommand('storage', 'Set up and inspect the configured object store, warehouse and online store');
  cmd.addCommand(subcommand('init', 'Create what the backends need: the bucket with versioning (S3/MinIO), the database and ledger (ClickHouse), a reachability check (Redis); idempotent')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(action(ctx, async (opts: { format: string }) => {
      const config = ctx.config();
      const masked = redactConfig(config) as { objectStore: string; dwh: string; onlineStore: string };
      const report = await withStoreErrors(async () => {
        const stores = await openStores(config);
        try {
          const objectStore = stores.objectStore instanceof S3ObjectStore
            ? { url: masked.objectStore, ...(await stores.objectStore.init()) }
            : { url: masked.objectStore, bucketCreated: false, versioning: 'not applicable (local files)' };
          const warehouse = stores.warehouse instanceof ClickHouseWarehouse
            ? { url: stores.warehouse.url, serverVersion: stores.warehouse.version.text, swap: stores.warehouse.caps.exchangeTables ? 'EXCHANGE TABLES' : 'RENAME TABLE', ttl: stores.warehouse.caps.ttl, tables: await tablesOf(stores.warehouse) }
            : { url: masked.dwh, serverVersion: 'embedded DuckDB', swap: 'view', ttl: false, tables: [] as string[] };
          // A read of the pointer proves the online store answers (and authenticates).
          await stores.online.get('default', ['__storage_init__']);
          return { objectStore, warehouse, onlineStore: { url: masked.onlineStore, reachable: true } };
        } finally {
          await stores.close();
        }
      });
      if (opts.format === 'json') ctx.out(`${JSON.stringify(report, null, 2)}\n`);
      else {
        ctx.out(`object store  ${report.objectStore.url}: bucket ${report.objectStore.bucketCreated ? 'created' : 'present'}, versioning ${report.objectStore.versioning}\n`);
        ctx.out(`warehouse     ${report.warehouse.url}: ${report.warehouse.serverVersion}, swap by ${report.warehouse.swap}, TTL ${report.warehouse.ttl ? 'on' : 'off'}${report.warehouse.tables.length ? `, tables ${report.warehouse.tables.join(', ')}` : ''}\n`);
        ctx.out(`online store  ${report.onlineStore.url}: reachable\n`);
      }
      return 0;
    })));
  return cmd;
}

async function tablesOf(warehouse: ClickHouseWarehouse): Promise<string[]> {
  const present: string[] = ['run_ledger'];
  for (const dataset of DWH_DATASETS) if ((await warehouse.describe(dataset)).length) present.push(dataset);
  return present;
}

