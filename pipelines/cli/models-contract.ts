import { Option, type Command } from 'commander';
import { TseCalendar } from '../calendar';
import { DEFAULT_HORIZONS } from '../features/labels';
import { FeatureSelectionError, loadManifest, ManifestError, selectFeatures } from '../features/manifest';
import { ContractError, formatEnvFile, trainingContract } from '../models/contract';
import { writeFileAtomic } from '../storage';
import { action, CliError, intArg, subcommand, type CliContext } from './context';

interface ContractOpts {
  featureSet: string;
  sessions: number;
  target: string;
  folds: number;
  horizon?: number;
  embargo?: number;
  seed: number;
  outputDir: string;
  manifest?: string;
  asOf?: string;
  format: 'env' | 'json';
  out?: string;
}

/**
 * `gogooku3 models contract`: the G3_* environment of docs/training.md for a training run starting now. The
 * FeatureSet's training CronJob runs it first and sources the file before the trainer image's command.
 */
export function contractCommand(ctx: CliContext): Command {
  return subcommand('contract', 'Print the training contract (the G3_* variables of docs/training.md) for a run starting now: the last --sessions sessions whose label is known, the manifest\'s active features in input order')
    .requiredOption('--feature-set <name>', 'feature set name (G3_FEATURE_SET)')
    .option('--sessions <n>', 'training sessions, counted back from the latest labelled session', intArg('--sessions', 10, 10_000), 750)
    .option('--target <label>', 'label column (G3_TARGET)', 'target_1_2')
    .option('--folds <n>', 'purged K-fold folds', intArg('--folds', 2, 50), 5)
    .option('--horizon <n>', 'sessions the label looks ahead (default: the target\'s, 2 for target_1_2)', intArg('--horizon', 0, 1000))
    .option('--embargo <n>', 'sessions dropped after each test fold (default: the horizon)', intArg('--embargo', 0, 1000))
    .option('--seed <n>', 'seed for everything random', intArg('--seed', 0), 42)
    .option('--output-dir <dir>', 'where the trainer writes model.onnx, metrics.json, verification.json', '/out')
    .option('--manifest <file>', 'feature manifest YAML (default: pipelines/features/manifest.yaml)')
    .option('--as-of <instant>', 'compute as of this ISO instant instead of now')
    .addOption(new Option('--format <format>', 'env: export lines a POSIX shell sources; json').choices(['env', 'json']).default('env'))
    .option('--out <file>', 'write to this file (atomically) instead of stdout')
    .action(action(ctx, async (opts: ContractOpts) => {
      const horizon = opts.horizon ?? DEFAULT_HORIZONS.find((h) => h.name === opts.target)?.to;
      if (horizon === undefined) throw new CliError(`--horizon: needed for target ${opts.target} (not one of ${DEFAULT_HORIZONS.map((h) => h.name).join(', ')}, whose horizons are known)`);
      const now = opts.asOf === undefined ? new Date() : new Date(opts.asOf);
      if (Number.isNaN(now.getTime())) throw new CliError(`--as-of: expected an ISO instant such as 2026-12-04T09:00:00Z, got ${JSON.stringify(opts.asOf)}`);
      let vars: Record<string, string>;
      try {
        const manifest = loadManifest(opts.manifest);
        vars = trainingContract(TseCalendar.fromRules(), now, {
          featureSet: opts.featureSet, featureSetVersion: manifest.version, features: selectFeatures(manifest), target: opts.target,
          horizon, embargo: opts.embargo ?? horizon, folds: opts.folds, sessions: opts.sessions, seed: opts.seed, outputDir: opts.outputDir,
        });
      } catch (error) {
        if (error instanceof ContractError) throw new CliError(`--${error.message}`, 2);
        if (error instanceof ManifestError || error instanceof FeatureSelectionError) throw new CliError(error.message, 65);
        throw error;
      }
      const text = opts.format === 'json' ? `${JSON.stringify(vars, null, 2)}\n` : formatEnvFile(vars);
      if (opts.out) await writeFileAtomic(opts.out, text);
      else ctx.out(text);
      return 0;
    }));
}
