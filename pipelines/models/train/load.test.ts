import { parseManifest } from '../../features';
import type { ColumnarResult, LakeSql } from '../../storage/types';
import { DatasetError } from './dataset';
import { loadTrainingData } from './load';

// A manifest with three active features (one the table lacks) and one experimental.
const manifest = parseManifest(`
version: 2.0.0
lookback_sessions: 300
features:
  active:
    - { name: returns_1d, description: "close[t] / close[t-1] - 1", dtype: float64, importance: null, source: prices, warmup: 1, params: { periods: 1 } }
    - { name: returns_5d, description: "close[t] / close[t-5] - 1", dtype: float64, importance: null, source: prices, warmup: 5, params: { periods: 5 } }
    - { name: rsi_14, description: "rsi", dtype: float64, importance: null, source: prices, warmup: 14, params: { window: 14 } }
`, 'test manifest');

/** A lake engine answering DESCRIBE from fixed column lists and the training query from fixed columns. */
function fakeSql(result: ColumnarResult, opts: { labels?: string[]; features?: string[]; missing?: boolean } = {}): LakeSql & { sql: string[]; refreshed: unknown[] } {
  const sql: string[] = [];
  const refreshed: unknown[] = [];
  return {
    sql,
    refreshed,
    async refresh(datasets) { refreshed.push(datasets); },
    async query(text) {
      sql.push(text);
      if (opts.missing) throw new Error('Catalog Error: Table with name features does not exist!');
      const cols = text.includes('labels') ? ['ticker', 'date', ...(opts.labels ?? ['target_1_2', 'fwd_return_1'])] : ['ticker', 'date', ...(opts.features ?? ['returns_1d', 'returns_5d', 'vol_x']), 'manifest_version'];
      return cols.map((c) => ({ column_name: c }));
    },
    async queryColumns(text) {
      sql.push(text);
      return result;
    },
  };
}

const columns = (versions = ['2.0.0', '2.0.0', '2.0.0'], f2 = [NaN, NaN, NaN]): ColumnarResult => ({
  rowCount: 3,
  names: ['__ticker', '__date', '__version', '__target', 'returns_1d', 'returns_5d'],
  columns: [['1301', '1332', '1301'], ['2024-01-05', '2024-01-05', '2024-01-04'], versions, Float64Array.of(0.1, 0.2, 0.3), Float64Array.of(1, 2, 3), Float64Array.from(f2)],
});

const range = { from: '2024-01-01', to: '2024-01-31', target: 'target_1_2', manifest };

describe('loadTrainingData', () => {
  it('joins the active features the table has, leaves out empty ones and reports absent ones', async () => {
    const sql = fakeSql(columns());
    const { data, absent, empty } = await loadTrainingData(sql, range);
    expect(sql.refreshed).toEqual([['features', 'labels']]);
    expect(absent).toEqual(['rsi_14']);
    expect(empty).toEqual(['returns_5d']);
    expect(data.features).toEqual(['returns_1d']);
    expect(data.featureSetVersion).toBe('2.0.0');
    expect(data.dates).toEqual(['2024-01-04', '2024-01-05', '2024-01-05']);
    expect(Array.from(data.x)).toEqual([3, 1, 2]);
    const query = sql.sql[sql.sql.length - 1];
    expect(query).toContain(`JOIN labels l ON l.ticker = f.ticker AND l.date = f.date`);
    expect(query).toContain(`BETWEEN DATE '2024-01-01' AND DATE '2024-01-31'`);
    expect(query).toContain(`l."target_1_2" IS NOT NULL`);
    expect(query).not.toContain('vol_x'); // not an active feature
  });

  it('takes --features as given when every one is a column', async () => {
    const sql = fakeSql(columns(undefined, [4, 5, 6]));
    const { data } = await loadTrainingData(sql, { ...range, features: ['returns_5d', 'returns_1d'] });
    expect(sql.sql[sql.sql.length - 1]).toMatch(/"returns_5d".*"returns_1d"/s);
    expect(data.features).toEqual(['returns_5d', 'returns_1d']);
  });

  it.each<[string, Parameters<typeof fakeSql>[1], Partial<typeof range> & { features?: string[] }, string | RegExp]>([
    ['an unknown target', {}, { target: 'target_9' }, '--target: "target_9" is not a label column; allowed: target_1_2, fwd_return_1'],
    ['an unknown feature', {}, { features: ['returns_1d', 'nope'] }, '--features: nope is not a column of the features table; it has 3 feature columns (gogooku3 features list)'],
    ['a repeated feature', {}, { features: ['returns_1d', 'returns_1d'] }, '--features: returns_1d is listed twice'],
    ['no active feature in the table', { features: ['other'] }, {}, "the features table holds none of the manifest's 3 active features"],
    ['no tables yet', { missing: true }, {}, /^the lake has no features table yet \(run `gogooku3 run backfill` first\)/],
    ['reversed dates', {}, { from: '2024-02-01' }, 'from 2024-02-01 is after to 2024-01-31'],
  ])('refuses %s', async (_name, sqlOpts, patch, message) => {
    await expect(loadTrainingData(fakeSql(columns(), sqlOpts), { ...range, ...patch })).rejects.toThrow(message instanceof RegExp ? message : new DatasetError(message));
  });

  it('refuses rows written under different manifest versions', async () => {
    await expect(loadTrainingData(fakeSql(columns(['2.0.0', '1.9.0', '2.0.0'])), range))
      .rejects.toThrow('the rows mix feature manifest versions 1.9.0, 2.0.0; re-run the features step over the range or narrow it');
  });

  it('refuses an empty range', async () => {
    const none: ColumnarResult = { rowCount: 0, names: columns().names, columns: [[], [], [], new Float64Array(0), new Float64Array(0), new Float64Array(0)] };
    await expect(loadTrainingData(fakeSql(none), range)).rejects.toThrow('no rows with features and a target_1_2 label between 2024-01-01 and 2024-01-31');
  });
});
