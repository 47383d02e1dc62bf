/**
 * Reads the training table through the lake's SQL engine: the features of a date range joined with one label
 * column on (ticker, date). The I/O shell around trainingData().
 */
import { loadManifest, selectFeatures, type FeatureManifest } from '../../features';
import type { LakeSql } from '../../storage/types';
import { quoteIdent } from '../../storage/duck-values';
import { DatasetError, trainingData, type TrainingData } from './dataset';

export interface LoadOptions {
  from: string;
  to: string;
  /** Label column (labels table). */
  target: string;
  /** Feature columns to use; default the manifest's active features the table holds. */
  features?: readonly string[];
  /** Default: the package's manifest.yaml. */
  manifest?: FeatureManifest;
}

export interface LoadedData {
  data: TrainingData;
  /** Active manifest features the features table has no column for (a table written under another manifest). */
  absent: string[];
  /** Selected features without a single value in the range (an all-missing input would only carry init noise). */
  empty: string[];
}

const IDENTITY = new Set(['ticker', 'date', 'manifest_version', 'run_id', '_run_id', '_ingested_at']);
const ISO = /^\d{4}-\d{2}-\d{2}$/;

async function columnsOf(sql: LakeSql, table: 'features' | 'labels'): Promise<string[]> {
  try {
    return (await sql.query(`DESCRIBE ${table}`)).map((r) => String(r.column_name)).filter((c) => !IDENTITY.has(c));
  } catch (error) {
    throw new DatasetError(`the lake has no ${table} table yet (run \`gogooku3 run backfill\` first): ${(error as Error).message.split('\n')[0]}`);
  }
}

function chooseFeatures(available: readonly string[], manifest: FeatureManifest, asked?: readonly string[]): { names: string[]; absent: string[] } {
  const have = new Set(available);
  if (asked) {
    const unknown = asked.filter((f) => !have.has(f));
    if (unknown.length > 0) throw new DatasetError(`--features: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a column' : 'are not columns'} of the features table; it has ${available.length} feature columns (gogooku3 features list)`);
    const repeated = asked.find((f, i) => asked.indexOf(f) !== i);
    if (repeated) throw new DatasetError(`--features: ${repeated} is listed twice`);
    return { names: [...asked], absent: [] };
  }
  const active = selectFeatures(manifest);
  const names = active.filter((f) => have.has(f));
  if (names.length === 0) throw new DatasetError(`the features table holds none of the manifest's ${active.length} active features`);
  return { names, absent: active.filter((f) => !have.has(f)) };
}

export async function loadTrainingData(sql: LakeSql, options: LoadOptions): Promise<LoadedData> {
  if (!ISO.test(options.from) || !ISO.test(options.to)) throw new DatasetError(`from/to: expected dates YYYY-MM-DD, got ${options.from}, ${options.to}`);
  if (options.from > options.to) throw new DatasetError(`from ${options.from} is after to ${options.to}`);
  await sql.refresh(['features', 'labels']);
  const [featureCols, labelCols] = await Promise.all([columnsOf(sql, 'features'), columnsOf(sql, 'labels')]);
  if (!labelCols.includes(options.target)) throw new DatasetError(`--target: ${JSON.stringify(options.target)} is not a label column; allowed: ${labelCols.join(', ')}`);
  const chosen = chooseFeatures(featureCols, options.manifest ?? loadManifest(), options.features);
  const select = chosen.names.map((f) => `CAST(f.${quoteIdent(f)} AS DOUBLE) AS ${quoteIdent(f)}`).join(', ');
  const result = await sql.queryColumns(`SELECT CAST(f.ticker AS VARCHAR) AS __ticker, CAST(f.date AS VARCHAR) AS __date,
      CAST(f.manifest_version AS VARCHAR) AS __version, CAST(l.${quoteIdent(options.target)} AS DOUBLE) AS __target, ${select}
    FROM features f JOIN labels l ON l.ticker = f.ticker AND l.date = f.date
    WHERE f.date BETWEEN DATE '${options.from}' AND DATE '${options.to}' AND l.${quoteIdent(options.target)} IS NOT NULL`);
  if (result.rowCount === 0) throw new DatasetError(`no rows with features and a ${options.target} label between ${options.from} and ${options.to}`);
  const [tickers, dates, versions, target, ...featureColumns] = result.columns;
  const versionSet = [...new Set(versions as unknown[])].map(String).sort();
  // contracts/features.yaml: rows written under different manifest versions must not be mixed in one training set.
  if (versionSet.length !== 1) throw new DatasetError(`the rows mix feature manifest versions ${versionSet.join(', ')}; re-run the features step over the range or narrow it`);
  const keep: number[] = [];
  const empty: string[] = [];
  featureColumns.forEach((col, j) => {
    const values = col as Float64Array;
    let any = false;
    for (let i = 0; i < values.length && !any; i++) any = Number.isFinite(values[i]) && Number.isFinite((target as Float64Array)[i]);
    if (any) keep.push(j);
    else empty.push(chosen.names[j]);
  });
  if (keep.length === 0) throw new DatasetError(`none of the ${chosen.names.length} selected features has a value between ${options.from} and ${options.to}`);
  const data = trainingData({
    features: keep.map((j) => chosen.names[j]),
    featureSetVersion: versionSet[0],
    target: options.target,
    dates: dates as string[],
    tickers: tickers as string[],
    columns: keep.map((j) => featureColumns[j] as Float64Array),
    y: target as Float64Array,
  });
  return { data, absent: chosen.absent, empty };
}
