import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/config';
import { validatedFetch, type ValidatedFetchReport } from '../jobs/validated-fetch';
import { createJQuantsClient } from '../sources/jquants';
import { createSimulator } from '../sources/jquants/sim';
import { writeFileAtomic } from '../storage/atomic';
import { action, intArg, isoDateArg, type CliContext } from './context';
import { withSourceErrors } from './jquants';
import { createProgress } from './progress';

/** Where a dataset's quarantined rows of one run go: one NDJSON file per (contract, as-of date), replaced whole. */
export function quarantinePath(dataDir: string, dataset: string, asOf: string): string {
  return path.join(dataDir, 'quarantine', dataset, `date=${asOf}`, 'rows.ndjson');
}

export function formatSummary(report: ValidatedFetchReport, dataDir: string, source: string): string {
  const lines = [
    `gogooku3 start — validated fetch as of ${report.asOf} from ${source}`,
    `sessions: ${report.sessions.length} (${report.sessions[0]} … ${report.sessions[report.sessions.length - 1]})`,
    `calendar: J-Quants vs TSE rules disagree on ${report.calendarDisagreements.length} date(s)${report.calendarDisagreements.length ? `: ${report.calendarDisagreements.slice(0, 5).map((d) => `${d.date} (J-Quants ${d.jquants ? 'session' : 'closed'}; rules ${d.rulesReason ?? 'session'})`).join(', ')}` : ''}`,
    '',
    `${'dataset'.padEnd(16)} ${'contract'.padEnd(22)} ${'fetched'.padStart(8)} ${'valid'.padStart(8)} ${'quarant.'.padStart(8)}  status`,
  ];
  for (const d of report.datasets) {
    const quarantined = d.validation.counts.quarantined + d.rejected.length;
    lines.push(`${d.dataset.padEnd(16)} ${d.contract.padEnd(22)} ${String(d.fetched).padStart(8)} ${String(d.validation.counts.valid).padStart(8)} ${String(quarantined).padStart(8)}  ${d.status} (${(d.ratio * 100).toFixed(2)} %)`);
    const rules = Object.entries(d.validation.counts.byRule).sort((a, b) => b[1] - a[1]);
    if (d.rejected.length) rules.unshift(['wire schema', d.rejected.length]);
    if (rules.length) lines.push(`${''.padEnd(16)} quarantined by rule: ${rules.map(([r, n]) => `${r}=${n}`).join(', ')}`);
    if (quarantined) lines.push(`${''.padEnd(16)} → ${quarantinePath(dataDir, d.dataset, report.asOf)}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push('', `overall: ${report.status}`);
  return `${lines.join('\n')}\n`;
}

async function writeQuarantine(report: ValidatedFetchReport, dataDir: string): Promise<void> {
  for (const d of report.datasets) {
    const file = quarantinePath(dataDir, d.dataset, report.asOf);
    const lines = [
      ...d.rejected.map((r) => JSON.stringify({ contract: d.contract, stage: 'wire', index: r.index, issues: r.issues, record: r.record })),
      ...d.validation.quarantined.map((q) => JSON.stringify({ contract: d.contract, stage: 'contract', row: q.row, issues: q.issues, record: q.record })),
    ];
    // Written even when empty, so a re-run that fixed everything replaces an older file.
    await writeFileAtomic(file, lines.map((l) => `${l}\n`).join(''));
  }
}

export function startCommand(ctx: CliContext): Command {
  return new Command('start')
    .description('The main job on embedded defaults: start the J-Quants simulator on loopback (unless GOGOOKU3_JQUANTS_URL is set), fetch through the client, validate against the contracts, quarantine bad rows, print a summary')
    .addOption(new Option('--codes <n>', 'simulated universe size').default(300).argParser(intArg('--codes')))
    .addOption(new Option('--sessions <n>', 'sessions of daily bars to fetch').default(20).argParser(intArg('--sessions')))
    .addOption(new Option('--as-of <date>', 'last date to cover (default: latest session)').argParser((v) => isoDateArg('--as-of', v)))
    .addOption(new Option('--seed <n>', 'simulator seed').default(7).argParser(intArg('--seed', 0)))
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'))
    .action(action(ctx, async (opts: { codes: number; sessions: number; asOf?: string; seed: number; format: string }) => {
      const logger = ctx.logger();
      const external = Boolean(ctx.env.GOGOOKU3_JQUANTS_URL);
      const sim = external ? undefined : createSimulator({ seed: opts.seed, codes: opts.codes, from: '2023-01-04' });
      try {
        let config = ctx.config();
        if (sim) {
          const { url } = await sim.listen(0, '127.0.0.1');
          const creds = sim.options;
          config = loadConfig({ ...ctx.env, GOGOOKU3_DATA_DIR: config.dataDir, GOGOOKU3_JQUANTS_URL: url, JQUANTS_API_KEY: creds.apiKey, GOGOOKU3_JQUANTS_RATE_LIMIT: '100000', GOGOOKU3_JQUANTS_CONCURRENCY: '8' });
          logger.info({ url }, 'simulator started');
        }
        const client = await withSourceErrors(async () => createJQuantsClient(config.jquants, { logger }));
        const progress = createProgress();
        const onProgress = (done: number, total: number, label: string) => {
          if (done === 1) progress.start(total, label);
          progress.increment();
          if (done === total) progress.stop();
        };
        const report = await withSourceErrors(() => validatedFetch(client, { asOf: opts.asOf, sessions: opts.sessions, investorWeeks: 8, maxQuarantineRatio: config.quarantineMaxRatio }, { logger, onProgress }));
        await writeQuarantine(report, config.dataDir);
        const source = sim ? `the simulator (seed ${opts.seed}, ${opts.codes} codes)` : config.jquants.baseUrl;
        if (opts.format === 'json') {
          ctx.out(`${JSON.stringify({ ...report, datasets: report.datasets.map((d) => ({ dataset: d.dataset, contract: d.contract, fetched: d.fetched, rejected: d.rejected.length, counts: d.validation.counts, status: d.status, ratio: d.ratio })), requests: client.stats }, null, 2)}\n`);
        } else {
          ctx.out(formatSummary(report, config.dataDir, source));
        }
        return report.status === 'fail' ? 1 : 0;
      } finally {
        await sim?.close();
      }
    }));
}
