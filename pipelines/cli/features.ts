import { Option, type Command } from 'commander';
import { TabularError } from '../../contracts/tabular';
import { computeFeatureBatches, computeFeatures, unavailableInputs } from '../features/compute';
import { dateIndexOf, normalizeColumns, type CrossSectionSpec } from '../features/cross-section';
import { frameFromColumns, FrameError, rowCount, type PriceFrame } from '../features/frame';
import { csvSink, outputFormatOf, parquetSink } from '../features/output';
import { defaultWorkers } from '../features/parallel';
import { FeatureSelectionError, loadManifest, ManifestError, selectFeatures, type FeatureManifest } from '../features/manifest';
import { OPTIONAL_PRICE_COLUMNS, PRICE_FILE_COLUMNS, PriceInputError, readPriceColumns } from '../features/price-file';
import { FEATURES } from '../features/registry';
import { action, CliError, formatOption, intArg, numberArg, subcommand, type CliContext, type OutputFormat } from './context';

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
  normalize: NormalizeChoice;
  clip: number;
  workers?: number;
}

const NORMALIZE_CHOICES = ['none', 'robust-z', 'rank-gauss', 'zscore', 'rank'] as const;
type NormalizeChoice = (typeof NORMALIZE_CHOICES)[number];

function normalizeSpec(choice: NormalizeChoice, clip: number): CrossSectionSpec | undefined {
  switch (choice) {
    case 'none': return undefined;
    case 'robust-z': return { transform: 'robust_z', clip };
    case 'rank-gauss': return { transform: 'rank_gauss' };
    case 'zscore': return { transform: 'zscore', clip };
    case 'rank': return { transform: 'rank' };
  }
}

/**
 * The features to compute from a price file: flow features never (a price file has no investor-type data),
 * and by default those whose input columns the file lacks are left out and said so; asked for by name, they
 * are a usage error naming the column.
 */
function computable(ctx: CliContext, names: string[], frame: PriceFrame, explicit: boolean): string[] {
  const needFlows = names.filter((n) => FEATURES.get(n)?.kind === 'flows');
  if (needFlows.length > 0 && explicit) {
    const priceOnly = names.filter((n) => !needFlows.includes(n));
    throw new CliError(`${needFlows.join(', ')} need${needFlows.length > 1 ? '' : 's'} weekly investor-type data, which features compute `
      + `does not read; choose price features with --features${priceOnly.length > 0 ? ` (for example --features ${priceOnly.slice(0, 5).join(',')})` : ''}`);
  }
  let chosen = names.filter((n) => !needFlows.includes(n));
  const notes: string[] = [];
  if (needFlows.length > 0) notes.push(`${needFlows.length} investor-flow feature(s) (they need weekly investor-type data, which a price file does not carry)`);
  const missing = unavailableInputs(chosen.map((n) => FEATURES.get(n)!), frame);
  for (const [column, users] of missing) {
    if (explicit) throw new CliError(`${opts0(users)} need${users.length > 1 ? '' : 's'} the column ${column}, which ${frame.tickers.length > 0 ? 'the price file does not have' : 'is missing'}; add it to the file or leave ${users.length > 1 ? 'them' : 'it'} out of --features`, 2);
    chosen = chosen.filter((n) => !users.includes(n));
    notes.push(`${users.length} feature(s) that need the column ${column} (${opts0(users)})`);
  }
  if (notes.length > 0) ctx.err(`note: left out ${notes.join('; ')}\n`);
  return chosen;
}

const opts0 = (names: readonly string[]) => (names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', '));

function computeCommand(ctx: CliContext): Command {
  return subcommand('compute', 'compute features from adjusted daily prices and write ticker,date,<features> as CSV or Parquet (by the --out extension; missing or warm-up = empty cell / null)')
    .requiredOption('--prices <file>', `CSV or Parquet with ${PRICE_FILE_COLUMNS.join(',')} (split-adjusted), optionally ${OPTIONAL_PRICE_COLUMNS.join(',')}; other columns ignored`)
    .requiredOption('--out <file>', 'output .csv or .parquet, written atomically, rows sorted by ticker then date')
    .option('--features <names>', 'comma-separated feature names (default: every active feature the input columns allow)')
    .option('--experimental', 'also allow experimental features (and include them in the default set)')
    .addOption(new Option('--normalize <method>', 'cross-sectional normalisation of every output column per date (statistics of one date only)').choices(NORMALIZE_CHOICES).default('none'))
    .option('--clip <z>', 'clip robust-z / zscore values to ±z', numberArg('--clip', 0.1, 1000), 5)
    .option('--workers <n>', 'worker threads for the computation (default: none below 200,000 rows, else one per CPU, at most 4)', intArg('--workers', 0, 64))
    .option('--manifest <file>', MANIFEST_HELP)
    .action(action(ctx, async (opts: ComputeOptions) => {
      const manifest = manifestFrom(opts.manifest);
      let names: string[];
      const asked = opts.features?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      try {
        if (asked && asked.length === 0) throw new CliError('--features: no feature names given');
        names = selectFeatures(manifest, { names: asked, experimental: opts.experimental });
      } catch (error) {
        return asCliError(error);
      }
      let frame: PriceFrame;
      try {
        frame = frameFromColumns(await readPriceColumns(opts.prices)).frame;
      } catch (error) {
        if (error instanceof FrameError) throw new CliError(`${opts.prices}: ${error.message}`, 2);
        return asCliError(error);
      }
      names = computable(ctx, names, frame, asked !== undefined);
      if (names.length === 0) throw new CliError('no feature can be computed from this price file', 2);
      const format = outputFormatOf(opts.out);
      const sink = format === 'parquet'
        ? await parquetSink(opts.out, names, { manifest_version: manifest.version, normalize: opts.normalize })
        : await csvSink(opts.out, names);
      try {
        const spec = normalizeSpec(opts.normalize, opts.clip);
        if (spec) {
          // Per-date statistics need every ticker of a date: full columns, then normalised, then written.
          const { columns } = computeFeatures(frame, names);
          const dates = dateIndexOf(frame.date);
          const normal = normalizeColumns(columns, dates.index, dates.dates.length, spec);
          for (let from = 0; from < rowCount(frame); from += BATCH_ROWS) {
            const to = Math.min(rowCount(frame), from + BATCH_ROWS);
            await sink.write(frame, from, to, Object.fromEntries(names.map((n) => [n, normal[n].subarray(from, to)])));
          }
        } else {
          const workers = opts.workers ?? defaultWorkers(rowCount(frame));
          await computeFeatureBatches(frame, names, {}, { batchRows: BATCH_ROWS, workers, onBatch: (b) => sink.write(frame, b.rowFrom, b.rowTo, b.columns) });
        }
        await sink.commit();
      } catch (error) {
        await sink.abort();
        throw error;
      }
      ctx.out(`wrote ${rowCount(frame)} rows (${frame.tickers.length} tickers) × ${names.length} features (manifest ${manifest.version}) to ${opts.out}\n`);
      return 0;
    }));
}

/** Rows per batch handed from the engine to the writer: one Parquet row group. */
const BATCH_ROWS = 131_072;

export function featuresCommand(ctx: CliContext): Command {
  return subcommand('features', 'the feature manifest and feature computation over adjusted daily prices')
    .addCommand(listCommand(ctx))
    .addCommand(computeCommand(ctx));
}
