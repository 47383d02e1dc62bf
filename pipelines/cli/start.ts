import { Command, Option } from 'commander';
import { loadConfig } from '../config/config';
import { buildContext } from '../run/build';
import { runPipeline } from '../run/pipeline';
import { latestCompleteSession } from '../run/session';
import { formatRunSummary, runSummary, type RunSummary } from '../run/summary';
import { createSimulator } from '../sources/jquants/sim';
import { action, intArg, numberArg, type CliContext } from './context';
import { withSourceErrors } from './jquants';
import { createProgress } from './progress';
import { formatModelDemo, runModelDemo } from './start-models';

const shiftYears = (iso: string, years: number) => `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;

/**
 * The main job on embedded defaults: the J-Quants simulator on loopback (unless GOGOOKU3_JQUANTS_URL points
 * elsewhere), a backfill of the history, then the daily increment of the latest session, through exactly the
 * code the CronJobs run.
 */
export function startCommand(ctx: CliContext): Command {
  return new Command('start')
    .description('The main job on embedded defaults: simulator on loopback → backfill the history → one daily increment → summary')
    .addOption(new Option('--codes <n>', 'simulated universe size').default(250).argParser(intArg('--codes')))
    .addOption(new Option('--years <n>', 'years of history to backfill').default(2).argParser(numberArg('--years', 0.1, 10)))
    .addOption(new Option('--seed <n>', 'simulator seed').default(7).argParser(intArg('--seed', 0)))
    .addOption(new Option('--bad-row-rate <x>', 'share of bars the simulator serves broken, to show quarantine').default(0.0004).argParser(numberArg('--bad-row-rate', 0, 1)))
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .option('--no-models', 'stop after the pipeline (skip training, registration and serving)')
    .action(action(ctx, async (opts: { codes: number; years: number; seed: number; badRowRate: number; format: string; models: boolean }) => {
      const logger = ctx.logger();
      const external = Boolean(ctx.env.GOGOOKU3_JQUANTS_URL);
      let config = ctx.config();
      const now = new Date();
      const today = new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
      const from = shiftYears(today, -Math.ceil(opts.years) - 1);
      const sim = external ? undefined : createSimulator({ seed: opts.seed, codes: opts.codes, from, badRowRate: opts.badRowRate });
      try {
        if (sim) {
          const { url } = await sim.listen(0, '127.0.0.1');
          config = loadConfig({ ...ctx.env, GOGOOKU3_DATA_DIR: config.dataDir, GOGOOKU3_JQUANTS_URL: url, JQUANTS_API_KEY: sim.options.apiKey, GOGOOKU3_JQUANTS_RATE_LIMIT: '100000', GOGOOKU3_JQUANTS_CONCURRENCY: '8' });
          logger.info({ url, codes: opts.codes, seed: opts.seed }, 'simulator started');
        }
        const summaries: RunSummary[] = [];
        let trainFrom = '';
        let latestSession = '';
        const backfillFrom = new Date(Date.parse(`${today}T00:00:00Z`) - opts.years * 365.25 * 86_400_000).toISOString().slice(0, 10);
        // The simulator listens on a new port every time; its data is named by what generates it.
        const sourceId = sim ? `sim|${JSON.stringify({ seed: sim.options.seed, codes: sim.options.codes, from: sim.options.from, asOf: sim.options.asOf, badRowRate: sim.options.badRowRate, signalIc: sim.options.signalIc })}` : undefined;
        const { ctx: probe, stores } = await withSourceErrors(() => buildContext(config, logger, { from: backfillFrom, to: today, force: false, sourceId }));
        try {
          const latest = latestCompleteSession(probe.calendar, now);
          const history = probe.calendar.sessions(probe.calendar.isSession(backfillFrom) ? backfillFrom : probe.calendar.next(backfillFrom), probe.calendar.prev(latest));
          trainFrom = history[0];
          latestSession = latest;
          for (const [pipeline, dates] of [['backfill', history], ['daily', [latest]]] as const) {
            const { ctx: run } = await buildContext(config, logger, { from: dates[0], to: dates[dates.length - 1], force: false, stores, source: probe.source, sourceId });
            const progress = createProgress();
            progress.start(dates.length * 5, `${pipeline} ${dates[0]}…${dates[dates.length - 1]}`);
            run.onResult = () => progress.increment();
            const started = Date.now();
            const report = await withSourceErrors(() => runPipeline(run, [...dates], { publish: pipeline === 'daily' }));
            progress.stop();
            summaries.push(await runSummary(run, stores, report, { pipeline, startedAt: started, config }));
          }
        } finally {
          await stores.close();
        }
        const pipelineOk = summaries.every((s) => s.failures.length === 0);
        const market = sim ? { seed: sim.options.seed, codes: sim.options.codes, from: sim.options.from, asOf: sim.options.asOf, signalIc: sim.options.signalIc } : undefined;
        const models = opts.models && pipelineOk ? await runModelDemo(config, logger, { from: trainFrom, to: latestSession, latest: latestSession, market }) : undefined;
        const source = sim ? `the J-Quants simulator (seed ${opts.seed}, ${opts.codes} codes, ${opts.badRowRate * 100} % broken bars) over HTTP` : config.jquants.baseUrl;
        if (opts.format === 'json') ctx.out(`${JSON.stringify({ source, runs: summaries, models: models ?? null }, null, 2)}\n`);
        else ctx.out(`gogooku3 start: data from ${source}\n\n${summaries.map(formatRunSummary).join('\n')}${models ? `\n${formatModelDemo(models)}` : ''}`);
        return pipelineOk ? 0 : 1;
      } finally {
        await sim?.close();
      }
    }));
}
