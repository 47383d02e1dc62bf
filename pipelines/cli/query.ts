import { Command, Option } from 'commander';
import { toCsv } from '../io/csv';
import { openStores } from '../storage';
import type { Row } from '../storage/types';
import { action, CliError, type CliContext } from './context';
import { withStoreErrors } from './storage';

function table(rows: Row[]): string {
  if (rows.length === 0) return '(0 rows)\n';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : String(v));
  const widths = cols.map((c) => Math.min(40, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (values: string[]) => values.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i])).join('  ').trimEnd();
  return `${[line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

export function queryCommand(ctx: CliContext): Command {
  return new Command('query')
    .description('SQL over the warehouse: one table per dataset (raw_daily_bars, validated_prices, quarantine, adjusted_prices, features, labels, …) and run_ledger')
    .argument('<sql>', 'a SQL query in the warehouse\'s dialect (DuckDB embedded; ClickHouse: adjusted_prices, features, labels, daily_returns, run_ledger)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .action(action(ctx, async (sql: string, opts: { format: string }) => {
      const stores = await withStoreErrors(() => openStores(ctx.config()));
      try {
        // The embedded DWH reads the lake, so it is refreshed first; ClickHouse holds its own loaded tables.
        if ((stores.warehouse as unknown) === stores.lakeSql) await stores.lakeSql.refresh();
        let rows: Row[];
        try {
          rows = await stores.warehouse.query(sql);
        } catch (error) {
          throw new CliError(`query failed: ${(error as Error).message}`, 1);
        }
        if (opts.format === 'json') ctx.out(`${JSON.stringify(rows)}\n`);
        else if (opts.format === 'csv') ctx.out(rows.length ? toCsv(Object.keys(rows[0]), rows) : '');
        else ctx.out(table(rows));
        return 0;
      } finally {
        await stores.close();
      }
    }));
}
