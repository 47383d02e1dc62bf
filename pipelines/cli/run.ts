import { Command, Option } from 'commander';
import { buildContext } from '../run/build';
import { runPipeline, type RunReport } from '../run/pipeline';
import { availableSince, dailyTarget, SessionNotPublishedError, waitForSessionBars, type Publication } from '../run/readiness';
import type { PipelineContext } from '../run/context';
import { action, CliError, intArg, isoDateArg, subcommand, type CliContext } from './context';
import { withSourceErrors } from './jquants';
import { withStoreErrors } from './storage';
import { createProgress } from './progress';
import { formatRunSummary, runSummary } from '../run/summary';
import path from 'node:path';
import { createMetrics, PUSH_JOB } from '../metrics';
import { recordPipelineRun } from '../metrics/runs';

const tokyoToday = (now: Date) => new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);

interface RunOpts { force?: boolean; experimental?: boolean; format: string }
/** What to run: sessions (and, for a daily run, when the last one's data became available), or why nothing. */
type Picked = string | { sessions: string[]; publication?: Publication };

async function execute(ctx: CliContext, window: { from: string; to: string }, pick: (run: PipelineContext) => Promise<Picked>, opts: RunOpts, pipeline: 'daily' | 'backfill'): Promise<number> {
  const config = ctx.config();
  const logger = ctx.logger();
  const { ctx: run, stores } = await withStoreErrors(() => withSourceErrors(() => buildContext(config, logger, { ...window, force: Boolean(opts.force), includeExperimental: opts.experimental })));
  const metrics = createMetrics();
  const flushMetrics = async () => {
    await metrics.writeTextfile(path.join(config.dataDir, 'metrics', 'gogooku3.prom'));
    if (config.pushgatewayUrl) {
      // feature_set tells the FeatureSets of one cluster apart in the alerts (they all run the "daily" pipeline).
      const grouping = { pipeline, ...(config.featureSet ? { feature_set: config.featureSet } : {}) };
      await metrics.pushRun(config.pushgatewayUrl, PUSH_JOB, grouping, run.runId).catch((error: Error) => logger.warn({ err: error.message }, 'metrics push failed'));
    }
  };
  try {
    let choice: Picked;
    try {
      choice = await withSourceErrors(() => pick(run));
    } catch (error) {
      // A session the source never published in time is a failed run of the schedule, and counts as one.
      if (!(error instanceof SessionNotPublishedError)) throw error;
      recordPipelineRun(metrics, run.calendar, { pipeline, succeeded: false, finishedAt: run.now(), sessions: [error.date] });
      await flushMetrics();
      throw new CliError(error.message, 69);
    }
    if (typeof choice === 'string') {
      ctx.out(`${choice}\n`);
      return 0;
    }
    const picked = choice.sessions;
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
    const publication = choice.publication;
    recordPipelineRun(metrics, run.calendar, {
      pipeline, succeeded, finishedAt: run.now(), sessions: picked, publishedSession: report.published?.date,
      ...(publication && report.published?.date === publication.date ? { availableSince: availableSince(run.calendar, publication) } : {}),
    });
    await flushMetrics();
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

  run.addCommand(common(subcommand('daily', 'Run one session: by default today\'s (Tokyo) once it has closed, else the previous one; waits for the source to publish its bars; a day without a session is skipped with exit 0')
    .addOption(new Option('--date <date>', 'session date YYYY-MM-DD').argParser((v) => isoDateArg('--date', v)))
    .option('--wait-minutes <n>', 'when the session\'s bars are not at the source yet, check again until they are, at most this long (0: check once)', intArg('--wait-minutes', 0, 24 * 60), 120)
    .option('--poll-seconds <n>', 'seconds between those checks', intArg('--poll-seconds', 1, 3600), 60))
    .action(action(ctx, async (opts: RunOpts & { date?: string; waitMinutes: number; pollSeconds: number }) => {
      const now = new Date();
      const anchor = opts.date ?? tokyoToday(now);
      const window = { from: anchor, to: anchor };
      return execute(ctx, window, async (run) => {
        if (opts.date && !run.calendar.isSession(opts.date)) return `skipped: ${opts.date} is not a TSE session`;
        const target = opts.date ?? dailyTarget(run.calendar, now);
        if (typeof target !== 'string' && target.kind === 'skip') return `skipped: ${target.reason}`;
        const date = typeof target === 'string' ? target : target.date;
        const logger = ctx.logger();
        // One extra day-fetch of the bars: the only sure sign the source has published the session.
        const publication = await waitForSessionBars(async (d) => {
          const bars = await run.source.fetch('daily_bars', { date: d });
          return bars.rows.length + bars.rejected.length > 0;
        }, date, {
          waitMs: opts.waitMinutes * 60_000, pollMs: opts.pollSeconds * 1000,
          onWait: (w) => logger.info({ session: w.date, waitedSeconds: Math.round(w.waitedMs / 1000) }, 'waiting for the source to publish the session\'s bars'),
        });
        if (publication.waited) logger.info({ session: date, seenAt: new Date(publication.seenAt).toISOString() }, 'session bars published');
        return { sessions: [date], publication };
      }, opts, 'daily');
    })));

  run.addCommand(common(subcommand('backfill', 'Run every session between two dates, both inclusive; re-runs redo only failed or changed partitions')
    .requiredOption('--from <date>', 'first date YYYY-MM-DD', (v) => isoDateArg('--from', v))
    .requiredOption('--to <date>', 'last date YYYY-MM-DD', (v) => isoDateArg('--to', v)))
    .action(action(ctx, async (opts: RunOpts & { from: string; to: string }) => {
      if (opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`);
      return execute(ctx, { from: opts.from, to: opts.to }, async (run) => ({ sessions: run.calendar.sessions(opts.from, opts.to) }), opts, 'backfill');
    })));
  return run;
}
