import type { Command } from 'commander';
import { TabularError } from '../../contracts/tabular';
import { computeFeatures } from '../features/compute';
import { frameFromColumns, FrameError, rowCount } from '../features/frame';
import { FeatureSelectionError, loadManifest, ManifestError, selectFeatures, type FeatureManifest } from '../features/manifest';
import { featureCsv, PriceInputError, readPriceColumns } from '../features/price-file';
import { FEATURES } from '../features/registry';
import { writeFileAtomic } from '../storage/atomic';
import { action, CliError, formatOption, subcommand, type CliContext, type OutputFormat } from './context';

const MANIFEST_HELP = 'feature manifest YAML (default: pipelines/features/manifest.yaml)';

/** Manifest and input-file problems are usage errors (exit 2), as in `contracts check`. */
function asCliError(error: unknown): never {
  if (error instanceof ManifestError || error instanceof FeatureSelectionError || error instanceof PriceInputError || error instanceof TabularError) {
    throw new CliError(error.message, 2);
  }
  throw error;
}

function manifestFrom(file: string | undefined): FeatureManifest {
  try {
    return loadManifest(file);
  } catch (error) {
    return asCliError(error);
  }
}

function listCommand(ctx: CliContext): Command {
  return subcommand('list', 'list the manifest\'s features: name, status, dtype, source, warmup, description')
    .option('--manifest <file>', MANIFEST_HELP)
    .addOption(formatOption())
    .action(action(ctx, (opts: { manifest?: string; format: OutputFormat }) => {
      const manifest = manifestFrom(opts.manifest);
      if (opts.format === 'json') {
        const rows = manifest.features.map((f) => ({
          name: f.name, status: f.status, dtype: f.dtype, source: f.source, warmup: f.warmup, description: f.description,
          importance: f.importance, params: f.params,
          ...(f.status === 'deprecated' ? { reason: f.reason, deprecated_on: f.deprecatedOn } : {}),
        }));
        ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
        return 0;
      }
      const header = ['name', 'status', 'dtype', 'source', 'warmup', 'description'];
      const rows = manifest.features.map((f) => [f.name, f.status, f.dtype, f.source, String(f.warmup),
        f.status === 'deprecated' ? `${f.description} (deprecated ${f.deprecatedOn}: ${f.reason})` : f.description]);
      const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
      const line = (cells: string[]) => `${cells.map((c, j) => (j === cells.length - 1 ? c : c.padEnd(widths[j]))).join('  ')}\n`;
      ctx.out(line(header) + rows.map(line).join(''));
      return 0;
    }));
}

interface ComputeOptions {
  prices: string;
  out: string;
  features?: string;
  experimental?: boolean;
  manifest?: string;
}

function computeCommand(ctx: CliContext): Command {
  return subcommand('compute', 'compute features from adjusted daily prices and write ticker,date,<features> as CSV (empty cell = missing or warm-up)')
    .requiredOption('--prices <file>', 'CSV or Parquet with ticker,date,open,high,low,close,volume (split-adjusted; other columns ignored)')
    .requiredOption('--out <file>', 'output CSV, written atomically, rows sorted by ticker then date')
    .option('--features <names>', 'comma-separated feature names (default: every active feature computed from prices and volume)')
    .option('--experimental', 'also allow experimental features (and include them in the default set)')
    .option('--manifest <file>', MANIFEST_HELP)
    .action(action(ctx, async (opts: ComputeOptions) => {
      const manifest = manifestFrom(opts.manifest);
      let names: string[];
      try {
        const asked = opts.features?.split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (asked && asked.length === 0) throw new CliError('--features: no feature names given');
        names = selectFeatures(manifest, { names: asked, experimental: opts.experimental });
      } catch (error) {
        return asCliError(error);
      }
      const needFlows = names.filter((n) => FEATURES.get(n)?.kind === 'flows');
      if (needFlows.length > 0 && !opts.features) {
        // The price file carries no investor-type data: by default those features are left out, and said so.
        names = names.filter((n) => !needFlows.includes(n));
        ctx.err(`note: ${needFlows.join(', ')} left out: they need weekly investor-type data, which a price file does not carry\n`);
      } else if (needFlows.length > 0) {
        const priceOnly = names.filter((n) => !needFlows.includes(n));
        throw new CliError(`${needFlows.join(', ')} need${needFlows.length > 1 ? '' : 's'} weekly investor-type data, which features compute `
          + `does not read; choose price features with --features${priceOnly.length > 0 ? ` (for example --features ${priceOnly.join(',')})` : ''}`);
      }
      let frame;
      try {
        frame = frameFromColumns(await readPriceColumns(opts.prices)).frame;
      } catch (error) {
        if (error instanceof FrameError) throw new CliError(`${opts.prices}: ${error.message}`, 2);
        return asCliError(error);
      }
      const { columns } = computeFeatures(frame, names);
      await writeFileAtomic(opts.out, featureCsv(frame, names, columns));
      ctx.out(`wrote ${rowCount(frame)} rows (${frame.tickers.length} tickers) × ${names.length} features (manifest ${manifest.version}) to ${opts.out}\n`);
      return 0;
    }));
}

export function featuresCommand(ctx: CliContext): Command {
  return subcommand('features', 'the feature manifest and feature computation over adjusted daily prices')
    .addCommand(listCommand(ctx))
    .addCommand(computeCommand(ctx));
}
