import { MIN_RETENTION_DAYS, PUSH_JOB, PushgatewayError, pruneGroups } from '../metrics';
import { action, CliError, formatOption, numberArg, subcommand, type CliContext, type OutputFormat } from './context';

/**
 * `gogooku3 metrics prune`: every batch run pushes its own Pushgateway group (the SLOs count runs from them), so
 * groups pile up, about 250 a year per pipeline; this deletes those older than the retention, never the newest
 * of a series (the silence alert reads its deadline) nor anything younger than the SLO window needs.
 */
export function metricsCommand(ctx: CliContext) {
  const cmd = subcommand('metrics', 'Batch-job metrics on the Pushgateway');
  cmd.addCommand(subcommand('prune', `Delete per-run Pushgateway groups older than --older-than-days (>= ${MIN_RETENTION_DAYS}: the 30-day SLOs count runs from them), keeping the newest group of every pipeline/model`)
    .option('--older-than-days <n>', 'retention in days', numberArg('--older-than-days', MIN_RETENTION_DAYS, 3650), 90)
    .option('--job <name>', 'Pushgateway job the runs push to', PUSH_JOB)
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .addOption(formatOption())
    .action(action(ctx, async (opts: { olderThanDays: number; job: string; dryRun?: boolean; format: OutputFormat }) => {
      const url = ctx.config().pushgatewayUrl;
      if (!url) throw new CliError('GOGOOKU3_PUSHGATEWAY_URL is not set: there is no Pushgateway to prune', 78);
      let result;
      try {
        result = await pruneGroups(url, opts.job, { olderThanDays: opts.olderThanDays, dryRun: opts.dryRun });
      } catch (error) {
        if (error instanceof PushgatewayError) throw new CliError(error.message, 69);
        throw error;
      }
      const groups = result.deleted.map((g) => ({ ...g.labels, pushedAt: new Date(g.pushedAt).toISOString() }));
      if (opts.format === 'json') {
        ctx.out(`${JSON.stringify({ dryRun: Boolean(opts.dryRun), deleted: groups, kept: result.kept }, null, 2)}\n`);
      } else {
        for (const g of groups) ctx.out(`${opts.dryRun ? 'would delete' : 'deleted'} ${JSON.stringify(g)}\n`);
        ctx.out(`${opts.dryRun ? 'would delete' : 'deleted'} ${groups.length} group(s), kept ${result.kept}\n`);
      }
      return 0;
    })));
  return cmd;
}
