import { Command, Option } from 'commander';
import { buildContext } from '../run/build';
import { runPipeline, type RunReport } from '../run/pipeline';
import { latestCompleteSession } from '../run/session';
import { action, CliError, isoDateArg, subcommand, type CliContext } from './context';
import { withSourceErrors } from './jquants';
import { withStoreErrors } from './storage';
import { createProgress } from './progress';
import { formatRunSummary, runSummary } from '../run/summary';
import path from 'node:path';
import { createMetrics, PUSH_JOB } from '../metrics';
import { recordPipelineRun } from '../metrics/runs';

const tokyoToday = (now: Date) => new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);

interface RunOpts { force?: boolean; experimental?: boolean; format: string }

async function execute(ctx: CliContext, window: { from: string; to: string }, pick: (cal: import('../calendar').TseCalendar) => string[] | string, opts: RunOpts, pipeline: 'daily' | 'backfill'): Promise<number> {
  const config = ctx.config();
  const logger = ctx.logger();
  const { ctx: run, stores } = await withStoreErrors(() => withSourceErrors(() => buildContext(config, logger, { ...window, force: Boolean(opts.force), includeExperimental: opts.experimental })));
  const metrics = createMetrics();
  try {
    const picked = pick(run.calendar);
    if (typeof picked === 'string') {
      ctx.out(`${picked}\n`);
      return 0;
    }
    if (picked.length === 0) throw new CliError(`no TSE sessions between ${window.from} and ${window.to}`, 2);
    const progress = createProgress();
    progress.start(picked.length * 5, `${pipeline} ${picked[0]}…${picked[picked.length - 1]}`);
    run.onResult = (r) => {
      progress.increment();
      if (r.status !== 'skipped') metrics.observeStep(r.step, r.durationMs / 1000);
    };
    run.onViolations = (contract, byRule) => metrics.countViolations(contract, byRule);
    const started = Date.now();
    const report: RunReport = await withStoreErrors(() => withSourceErrors(() => runPipeline(run, picked, { publish: true })));
    progress.stop();
    const summary = await runSummary(run, stores, report, { pipeline, startedAt: started, config });
    const succeeded = report.failed.length === 0;
    recordPipelineRun(metrics, run.calendar, { pipeline, succeeded, finishedAt: run.now(), sessions: picked, publishedSession: report.published?.date });
    await metrics.writeTextfile(path.join(config.dataDir, 'metrics', 'gogooku3.prom'));
    if (config.pushgatewayUrl) {
      await metrics.pushRun(config.pushgatewayUrl, PUSH_JOB, { pipeline }, run.runId).catch((error: Error) => logger.warn({ err: error.message }, 'metrics push failed'));
    }
    ctx.out(opts.format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : formatRunSummary(summary));
    return succeeded ? 0 : 1;
  } finally {
    await stores.close();
  }
}

export function runCommand(ctx: CliContext): Command {
  const run = subcommand('run', 'Run the daily pipeline: fetch → validate → adjust → features → labels → publish, per session partition under the run ledger');
  const common = (cmd: Command) => cmd
    .option('--force', 'redo partitions even when the ledger says they are done with the same inputs')
    .option('--experimental', 'also compute the manifest\'s experimental features')
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'));

  run.addCommand(common(subcommand('daily', 'Run one session (default: the latest whose close plus the vendor lag has passed); a non-session date is skipped with exit 0')
    .addOption(new Option('--date <date>', 'session date YYYY-MM-DD').argParser((v) => isoDateArg('--date', v))))
    .action(action(ctx, async (opts: RunOpts & { date?: string }) => {
      const now = new Date();
      const anchor = opts.date ?? tokyoToday(now);
      const window = { from: anchor, to: anchor };
      return execute(ctx, window, (cal) => {
        if (opts.date && !cal.isSession(opts.date)) return `skipped: ${opts.date} is not a TSE session`;
        return [opts.date ?? latestCompleteSession(cal, now)];
      }, opts, 'daily');
    })));

  run.addCommand(common(subcommand('backfill', 'Run every session between two dates, both inclusive; re-runs redo only failed or changed partitions')
    .requiredOption('--from <date>', 'first date YYYY-MM-DD', (v) => isoDateArg('--from', v))
    .requiredOption('--to <date>', 'last date YYYY-MM-DD', (v) => isoDateArg('--to', v)))
    .action(action(ctx, async (opts: RunOpts & { from: string; to: string }) => {
      if (opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`);
      return execute(ctx, { from: opts.from, to: opts.to }, (cal) => cal.sessions(opts.from, opts.to), opts, 'backfill');
    })));
  return run;
}
