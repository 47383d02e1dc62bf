import { spawnSync } from 'node:child_process';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { FeatureSetMismatchError, ModelRegistry, OnnxVerificationError, RegistryInputError, RegressionError } from '../models/registry';
import { goldenMetrics, goldenSessions } from '../models/train/golden';
import { DEFAULT_HORIZONS } from '../features/labels';
import { CvError } from '../models/cv';
import { DatasetError, type TrainingData } from '../models/train/dataset';
import { MlpError } from '../models/train/errors';
import { loadTrainingData } from '../models/train/load';
import { OracleError, simOracle, type SimMarket } from '../models/train/oracle';
import { RidgeError } from '../models/train/ridge';
import { DEFAULT_TARGET_TRANSFORM, TARGET_TRANSFORMS, train, type ModelKind, type TargetTransform, type TrainOptions, type TrainReport, type TrainResult } from '../models/train/trainer';
import { DEFAULT_WATCHDOG } from '../models/train/watchdog';
import { openStores } from '../storage';
import type { EvalMetrics } from '../models/types';
import { action, CliError, formatOption, intArg, isoDateArg, numberArg, subcommand, type CliContext, type OutputFormat } from './context';
import { withStoreErrors } from './storage';
import { withTrainingMetrics } from './training-metrics';

export interface TrainCliOpts {
  from: string;
  to: string;
  model: ModelKind;
  folds: number;
  horizon?: number;
  embargo?: number;
  seed: number;
  target: string;
  targetTransform: TargetTransform;
  features?: string[];
  l2?: number;
  hidden: number[];
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  stepsPerEpoch?: number;
  validationFraction: number;
  collapseThreshold: number;
  collapseAlpha: number;
  collapseMinEpochs: number;
  verificationRows: number;
  format: OutputFormat;
  simSeed?: number;
  simCodes: number;
  simFrom: string;
  simAsOf?: string;
  simSignalIc: number;
}

/** Ridge shrinks hard by default (a per-row penalty of 1 ≈ adding 1 to the features' correlation diagonal). */
export const DEFAULT_L2: Record<ModelKind, number> = { ridge: 1, mlp: 0 };

const dateArg = (name: string) => (value: string): string => {
  try {
    return isoDateArg(name, value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

function listArg(name: string) {
  return (value: string): string[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`${name}: expected a comma-separated list, got ${JSON.stringify(value)}`);
    return items;
  };
}

function widthsArg(value: string): number[] {
  const widths = value.split(',').map((s) => s.trim());
  if (widths.length === 0 || !widths.every((w) => /^\d+$/.test(w) && Number(w) >= 1 && Number(w) <= 4096)) {
    throw new InvalidArgumentError(`--hidden: expected comma-separated layer widths 1..4096 such as 64,32, got ${JSON.stringify(value)}`);
  }
  return widths.map(Number);
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Options → trainer options; the horizon defaults to the target's own when it is a known label. */
export function trainOptions(opts: TrainCliOpts): TrainOptions {
  const known = DEFAULT_HORIZONS.find((h) => h.name === opts.target);
  const horizon = opts.horizon ?? known?.to;
  if (horizon === undefined) throw new CliError(`--horizon: needed for target ${opts.target} (not one of ${DEFAULT_HORIZONS.map((h) => h.name).join(', ')}, whose horizons are known)`);
  const embargo = opts.embargo ?? horizon;
  if (embargo < horizon) throw new CliError(`--embargo: must be >= --horizon (${horizon}), got ${embargo}`);
  if (opts.from > opts.to) throw new CliError(`--from ${opts.from} is after --to ${opts.to}`);
  return {
    model: opts.model, folds: opts.folds, horizon, embargo, seed: opts.seed, l2: opts.l2 ?? DEFAULT_L2[opts.model],
    mlp: {
      hidden: opts.hidden, learningRate: opts.learningRate, batchSize: opts.batchSize, maxEpochs: opts.epochs, patience: opts.patience,
      ...(opts.stepsPerEpoch !== undefined ? { stepsPerEpoch: opts.stepsPerEpoch } : {}),
      watchdog: { alpha: opts.collapseAlpha, threshold: opts.collapseThreshold, minEpochs: opts.collapseMinEpochs },
    },
    validationFraction: opts.validationFraction,
    verificationRows: opts.verificationRows,
    targetTransform: opts.targetTransform,
    range: { from: opts.from, to: opts.to },
  };
}

export function simMarket(opts: TrainCliOpts): SimMarket | undefined {
  if (opts.simSeed === undefined) return undefined;
  return { seed: opts.simSeed, codes: opts.simCodes, from: opts.simFrom, asOf: opts.simAsOf ?? addDays(opts.to, 31), signalIc: opts.simSignalIc };
}

/** Reads the range from the configured stores and trains; expected failures become CliErrors (exit 65). */
export async function runTraining(ctx: CliContext, opts: TrainCliOpts): Promise<TrainResult & { data: TrainingData }> {
  const options = trainOptions(opts);
  const market = simMarket(opts);
  const logger = ctx.logger();
  try {
    const loaded = await withStoreErrors(async () => {
      const stores = await openStores(ctx.config());
      try {
        return await loadTrainingData(stores.lakeSql, { from: opts.from, to: opts.to, target: opts.target, features: opts.features });
      } finally {
        await stores.close();
      }
    });
    if (loaded.absent.length > 0) logger.warn({ features: loaded.absent }, 'active manifest features missing from the features table');
    if (loaded.empty.length > 0) logger.warn({ features: loaded.empty }, 'features without a value in the range: left out');
    const { data } = loaded;
    logger.info({ rows: data.rows, sessions: data.sessions.length, features: data.features.length, model: options.model }, 'training data loaded');
    const oracle = market ? simOracle(market) : undefined;
    const result = await train(data, options, {
      oracle,
      onProgress: (p) => (p.event === 'epoch' ? logger.debug(p, 'epoch') : logger.info(p, p.event === 'fold' ? `fold ${p.fold + 1}/${p.folds}` : 'final fit')),
    });
    return { ...result, data };
  } catch (error) {
    if (error instanceof DatasetError || error instanceof CvError || error instanceof RidgeError || error instanceof OracleError || error instanceof MlpError) {
      throw new CliError(error.message, 65);
    }
    throw error;
  }
}

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));
const metricsLine = (m: EvalMetrics) =>
  `ic ${fmt(m.ic)}  rank_ic ${fmt(m.rank_ic)}  icir ${fmt(m.icir, 3)}  rmse ${fmt(m.rmse, 5)}  sharpe ${fmt(m.sharpe, 3)}  jpx_sharpe ${fmt(m.jpx_sharpe, 3)}`;

export function reportText(r: TrainReport): string {
  const lines = [
    `${r.model} on ${r.target}: ${r.features} features (manifest ${r.featureSetVersion}), ${r.rows} rows, ${r.range.sessions} sessions ${r.range.firstSession} .. ${r.range.lastSession}, seed ${r.seed}`,
    `purged ${r.cv.folds}-fold CV (horizon ${r.cv.horizon}, embargo ${r.cv.embargo}); params ${JSON.stringify(r.params)}`,
  ];
  for (const f of r.folds) {
    const stop = f.earlyStopReason ? `  [${f.earlyStopReason} after ${f.epochs} epochs, best ${f.bestEpoch}]` : '';
    lines.push(`  fold ${f.fold} test ${f.testFrom}..${f.testTo} (${f.testSessions} sessions, train ${f.trainSessions}): ${metricsLine(f.metrics)}${stop}`);
  }
  lines.push(`  mean: ${metricsLine(r.mean)}`);
  if (r.oracle) {
    const o = r.oracle;
    lines.push(`oracle (planted signal, sim seed ${o.market.seed}, ${(o.matchedRows * 100).toFixed(1)} % of rows): ${metricsLine(o.mean)}`);
    lines.push(`  model rank_ic ${fmt(o.modelRankIc)} / oracle rank_ic ${fmt(o.oracleRankIc)} = ratio ${fmt(o.ratio, 3)} (goal >= ${o.goal}: ${o.goalMet === null ? 'n/a' : o.goalMet ? 'met' : 'not met'})`);
    lines.push(`  simulator's next-session IC over these sessions (reference, other target): ${fmt(o.nextSessionIc.meanIc)} over ${o.nextSessionIc.days} sessions`);
  }
  const fm = r.finalModel;
  lines.push(`final model: ${fm.rows} rows, ${fm.trainSessions} sessions${fm.earlyStopReason ? `, ${fm.earlyStopReason} after ${fm.epochs} epochs (best ${fm.bestEpoch})` : ''}, ${fm.seconds.toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

export function trainCommand(ctx: CliContext): Command {
  return subcommand('train', 'Train the reference model (ridge or MLP) on the lake\'s features and labels: purged K-fold CV metrics, then a final fit on the whole range')
    .requiredOption('--from <date>', 'first session of the training range, YYYY-MM-DD', dateArg('--from'))
    .requiredOption('--to <date>', 'last session of the training range, YYYY-MM-DD', dateArg('--to'))
    .addOption(new Option('--model <kind>', 'model').choices(['ridge', 'mlp']).default('ridge'))
    .option('--folds <n>', 'CV folds (contiguous blocks of sessions)', intArg('--folds', 2, 100), 5)
    .option('--horizon <n>', 'sessions a label looks ahead, purged before each test fold (default: the target\'s, 2 for target_1_2)', intArg('--horizon', 0, 1000))
    .option('--embargo <n>', 'sessions dropped after each test fold (default: the horizon)', intArg('--embargo', 0, 1000))
    .option('--seed <n>', 'random seed (MLP initialisation and shuffling)', intArg('--seed', 0, 0x7fffffff), 42)
    .option('--target <label>', 'label column to predict', 'target_1_2')
    .addOption(new Option('--target-transform <t>', 'what the model is fitted to: the target less its session mean (what IC and rank IC judge), or the raw target; metrics always use the raw target').choices([...TARGET_TRANSFORMS]).default(DEFAULT_TARGET_TRANSFORM))
    .option('--features <list>', 'comma-separated feature columns (default: the manifest\'s active features in the table)', listArg('--features'))
    .option('--l2 <x>', `L2 penalty: ridge λ = l2 × rows on standardised features (default ${DEFAULT_L2.ridge}); MLP weight decay on the weight matrices (default ${DEFAULT_L2.mlp})`, numberArg('--l2', 0, 1e9))
    .option('--hidden <widths>', 'MLP hidden layer widths', widthsArg, [64, 32])
    .option('--epochs <n>', 'MLP maximum epochs', intArg('--epochs', 1, 10_000), 30)
    .option('--patience <n>', 'MLP epochs without a better validation loss before stopping', intArg('--patience', 1, 10_000), 4)
    .option('--batch-size <n>', 'MLP mini-batch rows', intArg('--batch-size', 1, 1 << 20), 1024)
    .option('--learning-rate <x>', 'MLP Adam learning rate', numberArg('--learning-rate', 1e-9, 10), 1e-3)
    .option('--steps-per-epoch <n>', 'MLP mini-batches per epoch (default: a full pass over the rows)', intArg('--steps-per-epoch', 1))
    .option('--validation-fraction <x>', 'MLP: share of each fold\'s training sessions (the latest) used for early stopping', numberArg('--validation-fraction', 0.01, 0.5), 0.1)
    .option('--collapse-threshold <x>', 'MLP variance watchdog: stop when the EMA of std(pred)/std(target) falls below this', numberArg('--collapse-threshold', 0, 10), DEFAULT_WATCHDOG.threshold)
    .option('--collapse-alpha <x>', 'MLP variance watchdog: EMA weight of the newest epoch', numberArg('--collapse-alpha', 1e-6, 1), DEFAULT_WATCHDOG.alpha)
    .option('--collapse-min-epochs <n>', 'MLP variance watchdog: epochs before it may fire', intArg('--collapse-min-epochs', 1, 10_000), DEFAULT_WATCHDOG.minEpochs)
    .option('--verification-rows <n>', 'rows of the final model\'s predictions kept to verify an export', intArg('--verification-rows', 1, 100_000), 256)
    .addOption(formatOption())
    .option('--sim-seed <n>', 'the data came from the J-Quants simulator with this seed: compare with its planted signal', intArg('--sim-seed', 0, 0xffffffff))
    .option('--sim-codes <n>', 'the simulator\'s --codes', intArg('--sim-codes', 1, 8000), 4000)
    .option('--sim-from <date>', 'the simulator\'s --from (first date of its history)', dateArg('--sim-from'), '2016-01-04')
    .option('--sim-as-of <date>', 'the simulator\'s --as-of (default: 31 days after --to; earlier values do not depend on it)', dateArg('--sim-as-of'))
    .option('--sim-signal-ic <x>', 'the simulator\'s --signal-ic', numberArg('--sim-signal-ic', -0.9, 0.9), 0.05)
    .option('--register <name>', 'register the final model under this name (ONNX export verified by onnxruntime, stage none)')
    .option('--golden-sessions <n>', 'with --register: score the model on the last n sessions (the golden set) for the registry\'s regression check', intArg('--golden-sessions', 1, 100_000), 20)
    .addOption(new Option('--regression <mode>', 'with --register: hold the new version to the production version\'s golden metrics').choices(['enforce', 'skip']).default('enforce'))
    .action(action(ctx, async (opts: TrainCliOpts & { register?: string; goldenSessions: number; regression: 'enforce' | 'skip' }) => {
      const { result, registered } = await withTrainingMetrics(ctx, opts.register ?? opts.model, async () => {
        const trained = await runTraining(ctx, opts);
        return { result: trained, registered: opts.register ? await registerTrained(ctx, opts.register, trained, opts) : undefined };
      });
      const report = registered ? { ...result.report, registered } : result.report;
      ctx.out(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(result.report)}${registered ? `registered ${registered.model} version ${registered.version} (ONNX max |Δ| ${registered.onnxMaxAbsDiff.toExponential(2)}, golden ${registered.goldenSessions.length} sessions rank_ic ${fmt(registered.goldenMetrics?.rank_ic)})\n` : ''}`);
      return 0;
    }));
}


/**
 * Exports the final model to ONNX, has onnxruntime reproduce the trainer's predictions, scores it on the golden
 * sessions and registers it (stage none). Registry refusals become CliErrors naming the reason.
 */
export async function registerTrained(ctx: CliContext, name: string, result: TrainResult & { data: TrainingData }, opts: TrainCliOpts & { goldenSessions: number; regression: 'enforce' | 'skip' }) {
  const sessions = goldenSessions(result.data, opts.goldenSessions);
  const golden = goldenMetrics(result.data, result.spec, sessions);
  const meta = await withStoreErrors(async () => {
    const stores = await openStores(ctx.config());
    try {
      return await new ModelRegistry(stores.objectStore).register({
        name,
        spec: result.spec,
        verification: result.verification,
        regression: opts.regression,
        metadata: {
          featureSet: 'default', featureSetVersion: result.report.featureSetVersion, target: result.report.target,
          trainingRange: { from: result.report.range.firstSession, to: result.report.range.lastSession },
          metrics: result.report.mean, goldenMetrics: golden, gitSha: gitSha(), seed: result.report.seed,
        },
      });
    } catch (error) {
      if (error instanceof OnnxVerificationError || error instanceof RegressionError || error instanceof FeatureSetMismatchError || error instanceof RegistryInputError) throw new CliError(error.message, 1);
      throw error;
    } finally {
      await stores.close();
    }
  });
  return { ...meta, goldenSessions: sessions };
}

/** The commit the trainer ran from, when it runs from a git checkout (GIT_SHA wins: images have no .git). */
function gitSha(): string | null {
  if (process.env.GIT_SHA) return process.env.GIT_SHA;
  const out = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', timeout: 5_000 });
  return out.status === 0 && /^[0-9a-f]{40}$/.test(out.stdout.trim()) ? out.stdout.trim() : null;
}
