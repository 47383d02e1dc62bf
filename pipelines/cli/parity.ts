import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createMetrics, PUSH_JOB } from '../metrics';
import { newRunId } from '../run/build';
import { ParityDataError, runParityCheck, type ParityCheckResult } from '../parity/check';
import { ParityInputError } from '../parity/parity';
import { openStores } from '../storage';
import { action, CliError, isoDateArg, numberArg, subcommand, type CliContext } from './context';
import { withStoreErrors } from './storage';

interface ParityOpts {
  date: string;
  featureSet: string;
  sample: number | 'all';
  seed?: string;
  features?: string[];
  psiThreshold: number;
  minExactMatchRate: number;
  bins: number;
  format: string;
}

function sampleArg(value: string): number | 'all' {
  if (value === 'all') return 'all';
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`--sample: expected a whole number >= 1 or "all", got ${JSON.stringify(value)}`);
  return n;
}

function formatText(result: ParityCheckResult): string {
  const { report } = result;
  const lines = [
    `parity ${report.date} feature set ${result.featureSet}: ${report.pass ? 'PASS' : 'FAIL'} — ${report.tickers} tickers, ${report.features.length} features, ` +
      `exact-match ${(report.exactMatchRate * 100).toFixed(2)} %, max PSI ${report.maxPsi.toFixed(4)} (online run ${result.onlineRunIds.join(', ') || 'none'})`,
  ];
  const worst = [...report.features].sort((a, b) => b.psi - a.psi || a.exactMatchRate - b.exactMatchRate).slice(0, 10);
  for (const f of worst) lines.push(`  ${f.feature.padEnd(32)} psi ${f.psi.toFixed(4)}  exact ${(f.exactMatchRate * 100).toFixed(2).padStart(6)} %  max |Δ| ${f.maxAbsDiff.toPrecision(3)}${f.pass ? '' : '  FAIL'}`);
  for (const failure of report.failures) lines.push(`  ! ${failure}`);
  lines.push(`  report ${result.reportKey}; ledger parity/${report.date} ${result.ledger.status}`);
  return `${lines.join('\n')}\n`;
}

export function parityCommand(ctx: CliContext): Command {
  const cmd = subcommand('parity', 'Offline/online feature parity between the DWH and the online store');
  cmd.addCommand(subcommand('check', 'Compare a session\'s online vectors with the DWH rows: exact-match rate and PSI per feature; exit 1 unless every feature has PSI below the threshold and no ticker is missing or stale')
    .requiredOption('--date <date>', 'session date YYYY-MM-DD (the online store must hold that session)', (v) => isoDateArg('--date', v))
    .option('--feature-set <name>', 'online feature set', 'default')
    .option('--sample <n|all>', 'tickers to compare (a deterministic sample seeded by --seed)', sampleArg, 'all' as number | 'all')
    .option('--seed <text>', 'sample seed (default: the date)')
    .option('--features <list>', 'comma-separated features to compare (default: every feature column)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--psi-threshold <x>', 'a feature fails at PSI >= x', numberArg('--psi-threshold', 1e-9, 100), 0.2)
    .option('--min-exact-match-rate <x>', 'a feature also fails below this exact-match rate (0..1)', numberArg('--min-exact-match-rate', 0, 1), 0)
    .option('--bins <n>', 'PSI bins (quantiles of the DWH values)', numberArg('--bins', 2, 1000), 10)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(action(ctx, async (opts: ParityOpts) => {
      const config = ctx.config();
      const logger = ctx.logger();
      const result = await withStoreErrors(async () => {
        const stores = await openStores(config);
        try {
          return await runParityCheck(stores, {
            date: opts.date, featureSet: opts.featureSet, sample: opts.sample, seed: opts.seed, features: opts.features, runId: newRunId(new Date()),
            psiThreshold: opts.psiThreshold, minExactMatchRate: opts.minExactMatchRate, bins: Math.trunc(opts.bins),
          });
        } catch (error) {
          if (error instanceof ParityDataError || error instanceof ParityInputError) throw new CliError(error.message, 65);
          throw error;
        } finally {
          await stores.close();
        }
      });
      const metrics = createMetrics();
      metrics.observeParity(result.featureSet, result.report);
      await metrics.writeTextfile(path.join(config.dataDir, 'metrics', 'parity.prom'));
      if (config.pushgatewayUrl) {
        // Unlike runs, parity is state: FeatureParityFailed reads the last check per feature set, so each check
        // replaces the previous group (a group per check would keep an old failure firing forever).
        await metrics.push(config.pushgatewayUrl, PUSH_JOB, { check: 'parity', feature_set: result.featureSet }).catch((error: Error) => logger.warn({ err: error.message }, 'metrics push failed'));
      }
      ctx.out(opts.format === 'json' ? `${JSON.stringify({ featureSet: result.featureSet, onlineRunIds: result.onlineRunIds, reportKey: result.reportKey, ...result.report }, null, 2)}\n` : formatText(result));
      return result.report.pass ? 0 : 1;
    })));
  return cmd;
}
