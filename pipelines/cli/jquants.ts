import { Argument, Option, type Command } from 'commander';
import { writeFileAtomic } from '../storage/atomic';
import { toCsv } from '../io/csv';
import { createJQuantsClient, ENDPOINTS, JQuantsAuthConfigError, JQuantsError, JQuantsForbiddenError, JQuantsHttpError, JQuantsRetryExhaustedError, JQuantsUnauthorizedError, type EndpointName } from '../sources/jquants';
import { action, CliError, subcommand, type CliContext } from './context';

/** Exit codes for source failures (sysexits): unavailable 69, no permission 77, config 78, data error 65. */
export function exitCodeForSourceError(error: unknown): number | undefined {
  if (error instanceof JQuantsAuthConfigError) return 78;
  if (error instanceof JQuantsUnauthorizedError || error instanceof JQuantsForbiddenError) return 77;
  if (error instanceof JQuantsRetryExhaustedError) return 69;
  if (error instanceof JQuantsHttpError) return 2;
  if (error instanceof JQuantsError) return 65;
  return undefined;
}

/** Runs `fn`, turning expected J-Quants failures into a one-line message and their exit code. */
export async function withSourceErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const code = exitCodeForSourceError(error);
    if (code === undefined) throw error;
    throw new CliError((error as Error).message, code);
  }
}

export function jquantsCommand(ctx: CliContext): Command {
  const cmd = subcommand('jquants', 'Talk to the J-Quants API (or the simulator) configured by GOGOOKU3_JQUANTS_URL');

  cmd.addCommand(subcommand('endpoints', 'List the endpoints, their v1/v2 paths and parameters')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(action(ctx, (opts: { format: string }) => {
      const list = Object.values(ENDPOINTS).map((e) => ({ name: e.name, v1: `/v1${e.v1Path}`, v2: `/v2${e.v2Path}`, params: e.params, fields: e.fields.map((f) => f.name) }));
      if (opts.format === 'json') ctx.out(`${JSON.stringify(list, null, 2)}\n`);
      else for (const e of list) ctx.out(`${e.name.padEnd(17)} ${e.v1.padEnd(30)} ${e.v2.padEnd(28)} ${e.params.join(',')}\n`);
    })));

  cmd.addCommand(subcommand('fetch', 'Fetch one endpoint (all pages), normalised to the internal shape; unreadable records are reported, never dropped')
    .addArgument(new Argument('<endpoint>', 'endpoint').choices(Object.keys(ENDPOINTS)))
    .option('--code <code>', 'security code (4 or 5 characters)')
    .option('--date <date>', 'one date YYYY-MM-DD')
    .option('--from <date>', 'range start YYYY-MM-DD')
    .option('--to <date>', 'range end YYYY-MM-DD')
    .option('--section <section>', 'market section (investor_types)')
    .option('--holiday-division <n>', 'holiday division (trading_calendar)')
    .addOption(new Option('--format <format>', 'output format').choices(['ndjson', 'json', 'csv']).default('ndjson'))
    .option('--out <file>', 'write rows to a file (atomically) instead of stdout')
    .option('--rejected <file>', 'write unreadable records with reasons as NDJSON')
    .action(action(ctx, async (endpoint: EndpointName, opts: Record<string, string | undefined>) => {
      const config = ctx.config();
      const logger = ctx.logger();
      const client = await withSourceErrors(async () => createJQuantsClient(config.jquants, { logger }));
      const params = { code: opts.code, date: opts.date, from: opts.from, to: opts.to, section: opts.section, holidaydivision: opts.holidayDivision };
      const allowed = ENDPOINTS[endpoint].params;
      const query = Object.fromEntries(Object.entries(params).filter(([k, v]) => v !== undefined && allowed.includes(k)));
      const unused = Object.entries(params).filter(([k, v]) => v !== undefined && !allowed.includes(k)).map(([k]) => k);
      if (unused.length) throw new CliError(`${endpoint} does not take ${unused.join(', ')}; it takes ${allowed.join(', ')}`);
      const result = await withSourceErrors(() => client.fetch(endpoint, query));
      const header = ENDPOINTS[endpoint].fields.map((f) => f.name);
      const text = opts.format === 'csv' ? toCsv(header, result.rows)
        : opts.format === 'json' ? `${JSON.stringify(result.rows)}\n`
        : result.rows.map((r) => `${JSON.stringify(r)}\n`).join('');
      if (opts.out) await writeFileAtomic(opts.out, text);
      else ctx.out(text);
      if (opts.rejected) await writeFileAtomic(opts.rejected, result.rejected.map((r) => `${JSON.stringify(r)}\n`).join(''));
      for (const warning of result.warnings) ctx.err(`warning: ${warning}\n`);
      logger.info({ endpoint, rows: result.rows.length, rejected: result.rejected.length, pages: result.pages, requests: client.stats.requests, retries: client.stats.retries }, 'fetch done');
      if (result.rejected.length > 0) {
        ctx.err(`${result.rejected.length} record(s) rejected; first: ${result.rejected[0].issues.map((i) => i.message).join('; ')}\n`);
        return 1;
      }
      return 0;
    })));
  return cmd;
}
