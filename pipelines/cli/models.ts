import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { ContractError, contractMismatches, parseEnvFile } from '../models/contract';
import { ExternalModelError, readExternalModel } from '../models/external';
import { FeatureSetMismatchError, ModelNotFoundError, ModelRegistry, OnnxVerificationError, RegistryInputError, RegistryIntegrityError, RegressionError, VersionNotFoundError } from '../models/registry';
import { METRIC_KEYS } from '../models/registry-support';
import { STAGES, type EvalMetrics, type ModelVersionMetadata, type Stage } from '../models/types';
import { openStores } from '../storage';
import { action, CliError, formatOption, intArg, readOptionFile, subcommand, type CliContext } from './context';
import { contractCommand } from './models-contract';
import { withTrainingMetrics } from './training-metrics';
import { withStoreErrors } from './storage';

async function readContract(file: string): Promise<Record<string, string>> {
  try {
    return parseEnvFile(await readOptionFile('--contract', file), file);
  } catch (error) {
    if (error instanceof ContractError) throw new CliError(error.message, 65);
    throw error;
  }
}

/** Opens the registry on the configured object store; registry failures become one-line CLI errors. */
async function withRegistry<T>(ctx: CliContext, fn: (registry: ModelRegistry) => Promise<T>): Promise<T> {
  return withStoreErrors(async () => {
    const stores = await openStores(ctx.config());
    try {
      return await fn(new ModelRegistry(stores.objectStore));
    } catch (error) {
      if (error instanceof ModelNotFoundError || error instanceof VersionNotFoundError) throw new CliError(error.message, 1);
      if (error instanceof RegistryInputError) throw new CliError(error.message, 2);
      if (error instanceof RegistryIntegrityError) throw new CliError(error.message, 65);
      if (error instanceof OnnxVerificationError || error instanceof RegressionError || error instanceof FeatureSetMismatchError) throw new CliError(error.message, 1);
      throw error;
    } finally {
      await stores.close();
    }
  });
}

const num = (v: number | null) => (v === null ? '-' : v.toFixed(4));
const metricsLine = (m: EvalMetrics) => METRIC_KEYS.map((k) => `${k} ${num(m[k])}`).join('  ');

/** One aligned row per version: what picking a version to promote needs at a glance. */
export function formatList(versions: readonly ModelVersionMetadata[]): string {
  if (versions.length === 0) return 'no models registered\n';
  const header = ['model', 'version', 'stage', 'kind', 'features', 'feature set', 'created', 'ic', 'rank_ic', 'sharpe'];
  const rows = versions.map((m) => [m.model, String(m.version), m.stage, m.kind, String(m.features.length), `${m.featureSet}@${m.featureSetVersion}`, m.createdAt, num(m.metrics.ic), num(m.metrics.rank_ic), num(m.metrics.sharpe)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatShow(m: ModelVersionMetadata): string {
  const lines: Array<[string, string]> = [
    ['kind', m.kind],
    ['features', `${m.features.length}: ${m.features.join(', ')}`],
    ['feature set', `${m.featureSet} ${m.featureSetVersion}`],
    ['target', m.target],
    ['training', `${m.trainingRange.from} .. ${m.trainingRange.to}`],
    ['seed', String(m.seed)],
    ['git', m.gitSha ?? '-'],
    ['created', m.createdAt],
    ['sha256', m.sha256],
    ['onnx max |d|', m.onnxMaxAbsDiff.toExponential(2)],
    ['metrics', metricsLine(m.metrics)],
    ['golden', m.goldenMetrics ? metricsLine(m.goldenMetrics) : '-'],
  ];
  return `${m.model} version ${m.version} (${m.stage})\n${lines.map(([k, v]) => `  ${k.padEnd(13)} ${v}`).join('\n')}\n`;
}

interface Change {
  version: number;
  from: Stage;
  to: Stage;
}

export function modelsCommand(ctx: CliContext): Command {
  const cmd = subcommand('models', 'The model registry on the object store (a Triton model repository under models/): list, show, promote');
  cmd.addCommand(subcommand('list', 'Registered model versions with stage, feature set and headline metrics')
    .option('--model <name>', 'only this model (exit 1 when it has no versions)')
    .addOption(formatOption())
    .action(action(ctx, async (opts: { model?: string; format: string }) => {
      const versions = await withRegistry(ctx, (registry) => registry.list(opts.model));
      ctx.out(opts.format === 'json' ? `${JSON.stringify(versions, null, 2)}\n` : formatList(versions));
    })));
  cmd.addCommand(subcommand('show', 'One version\'s metadata: features, training range, metrics, golden metrics, sha256')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number', intArg('VERSION'))
    .addOption(formatOption())
    .action(action(ctx, async (name: string, version: number, opts: { format: string }) => {
      const meta = await withRegistry(ctx, (registry) => registry.show(name, version));
      ctx.out(opts.format === 'json' ? `${JSON.stringify(meta, null, 2)}\n` : formatShow(meta));
    })));
  cmd.addCommand(subcommand('promote', 'Move a version to a stage; the previous staging or production version drops to none')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number', intArg('VERSION'))
    .addOption(new Option('--stage <stage>', 'target stage').choices([...STAGES]).makeOptionMandatory())
    .addOption(formatOption())
    .action(action(ctx, async (name: string, version: number, opts: { stage: Stage; format: string }) => {
      const changes = await withRegistry(ctx, async (registry) => {
        const before = new Map((await registry.list(name)).map((m) => [m.version, m.stage]));
        await registry.promote(name, version, opts.stage);
        return (await registry.list(name)).filter((m) => before.get(m.version) !== m.stage).map((m): Change => ({ version: m.version, from: before.get(m.version)!, to: m.stage }))
          .sort((a, b) => Number(b.version === version) - Number(a.version === version) || a.version - b.version);
      });
      if (opts.format === 'json') ctx.out(`${JSON.stringify({ model: name, version, stage: opts.stage, changes }, null, 2)}\n`);
      else if (changes.length === 0) ctx.out(`${name} version ${version} is already ${opts.stage}\n`);
      else ctx.out(changes.map((c) => `${name} version ${c.version}: ${c.from} -> ${c.to}\n`).join(''));
    })));
  cmd.addCommand(contractCommand(ctx));
  cmd.addCommand(subcommand('register', 'Register the model an external trainer image wrote to DIR (model.onnx, metrics.json, verification.json; docs/training.md) after onnxruntime reproduces its predictions')
    .requiredOption('--name <name>', 'model name')
    .requiredOption('--dir <dir>', 'the image\'s output directory')
    .addOption(new Option('--regression <mode>', 'compare golden metrics with the production version').choices(['enforce', 'skip']).default('enforce'))
    .option('--contract <file>', 'the env file `gogooku3 models contract` wrote for this run: the model must report its features, feature-set version, target, training range and seed')
    .addOption(formatOption())
    .action(action(ctx, async (opts: { name: string; dir: string; regression: 'enforce' | 'skip'; contract?: string; format: string }) => {
      const contract = opts.contract === undefined ? undefined : await readContract(opts.contract);
      const registerOnce = () => withRegistry(ctx, async (registry) => {
        let input;
        try {
          input = await readExternalModel(opts.dir, opts.name);
        } catch (error) {
          if (error instanceof ExternalModelError) throw new CliError(error.message, 65);
          throw error;
        }
        if (contract) {
          const m = input.metadata;
          const problems = contractMismatches(contract, { features: input.external!.features, featureSetVersion: m.featureSetVersion, target: m.target, trainingRange: m.trainingRange, seed: m.seed! });
          if (problems.length > 0) throw new CliError(`${path.join(opts.dir, 'metrics.json')} departs from the contract ${opts.contract}: ${problems.join('; ')}`, 65);
        }
        return registry.register({ ...input, regression: opts.regression });
      });
      // Under a contract this closes a scheduled training run (contract → trainer → register): count it from
      // the contract's writing, so the training SLO covers external trainer images too.
      const meta = contract && opts.contract
        ? await withTrainingMetrics(ctx, opts.name, registerOnce, (await stat(opts.contract)).mtimeMs)
        : await registerOnce();
      if (opts.format === 'json') ctx.out(`${JSON.stringify(meta, null, 2)}\n`);
      else ctx.out(`registered ${meta.model} version ${meta.version} (${meta.kind}, ${meta.features.length} features, ONNX max |Δ| ${meta.onnxMaxAbsDiff.toExponential(2)}), stage ${meta.stage}\n`);
    })));
  return cmd;
}
