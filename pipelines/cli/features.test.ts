import { Command, CommanderError } from 'commander';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createContext } from './context';
import { featuresCommand } from './features';

/** Runs `gogooku3 features …` in-process the way main() would, without depending on registration. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx = createContext({ GOGOOKU3_LOG_LEVEL: 'silent' }, () => ({}), { out: (t) => { out += t; }, err: (t) => { err += t; } });
  const program = new Command('gogooku3').addCommand(featuresCommand(ctx));
  const route = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
    cmd.commands.forEach(route);
  };
  route(program);
  try {
    await program.parseAsync(['node', 'gogooku3', 'features', ...args]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const helpShown = error.code === 'commander.helpDisplayed' || error.code === 'commander.help';
    return { code: helpShown || error.exitCode === 0 ? 0 : 2, out, err };
  }
  return { code: ctx.exitCode, out, err };
}

const dir = mkdtempSync(path.join(tmpdir(), 'cli-features-'));
const write = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const HEADER = 'ticker,date,open,high,low,close,volume';
const PRICE_ONLY = 'returns_1d,rsi_14,vol_ratio_20';

/** Two tickers, rows out of order: 7203 first, 1301's days reversed. */
const prices = write('prices.csv', [
  HEADER,
  '7203,2024-01-04,10,10,10,10,100',
  '7203,2024-01-05,11,11,11,11,300',
  '1301,2024-01-09,1,1,1,1.21,0',
  '1301,2024-01-05,1,1,1,1.1,0',
  '1301,2024-01-04,1,1,1,1,0',
  '',
].join('\n'));

describe('features list', () => {
  it('text: one aligned line per feature with status, dtype, source, warmup and formula', async () => {
    const r = await run('list');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^name +status +dtype +source +warmup +description$/);
    expect(lines.find((l) => l.startsWith('rsi_14 '))).toMatch(/^rsi_14 +active +float64 +prices +14 +Wilder RSI/);
    expect(lines.find((l) => l.startsWith('log_return_1d '))).toMatch(/deprecated .*\(deprecated 2026-10-01: /);
  });

  it('json: every entry with its fields', async () => {
    const r = await run('list', '--format', 'json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(rows.find((f) => f.name === 'vol_ratio_20')).toEqual({
      name: 'vol_ratio_20', status: 'active', dtype: 'float64', source: 'volume', warmup: 19,
      description: expect.stringContaining('volume[t] / mean'), importance: null, params: { window: 20 },
    });
    expect(rows.find((f) => f.status === 'deprecated')).toEqual(expect.objectContaining({ reason: expect.any(String), deprecated_on: '2026-10-01' }));
  });

  it('a broken manifest is exit 2 naming the file and entry', async () => {
    const bad = write('bad.yaml', readFileSync(path.join(__dirname, '../features/manifest.yaml'), 'utf8').replace('warmup: 14', 'warmup: 15'));
    const r = await run('list', '--manifest', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^gogooku3: ${bad}: invalid feature manifest:\\n  - features\\.active\\[\\d+\\] \\(rsi_14\\)\\.warmup: is 15 but the rsi_14 kernel's is 14\\n$`));
  });
});

describe('features compute', () => {
  it('writes ticker,date,<features> sorted by ticker then date, empty cells for warm-up', async () => {
    const out = path.join(dir, 'out', 'features.csv');
    const r = await run('compute', '--prices', prices, '--out', out, '--features', 'returns_1d,returns_5d');
    expect(r).toEqual({ code: 0, out: `wrote 5 rows (2 tickers) × 2 features (manifest 2.1.0) to ${out}\n`, err: '' });
    expect(readFileSync(out, 'utf8')).toBe([
      'ticker,date,returns_1d,returns_5d',
      '1301,2024-01-04,,',
      `1301,2024-01-05,${1.1 / 1 - 1},`,
      `1301,2024-01-09,${1.21 / 1.1 - 1},`,
      '7203,2024-01-04,,',
      `7203,2024-01-05,${11 / 10 - 1},`,
      '',
    ].join('\n'));
    // Written atomically: no temporary file is left beside the output.
    expect(readdirSync(path.dirname(out))).toEqual(['features.csv']);
  });

  it('computes RSI and volume ratio end to end', async () => {
    const closes = Array.from({ length: 25 }, (_, i) => 100 + i * (i % 2 ? 1 : -0.5));
    const file = write('long.csv', `${HEADER}\n${closes.map((c, i) => `1301,2024-02-${String(i + 1).padStart(2, '0')},${c},${c},${c},${c},${i % 3 === 0 ? 0 : 1000}`).join('\n')}\n`);
    const out = path.join(dir, 'long-out.csv');
    expect((await run('compute', '--prices', file, '--out', out, '--features', PRICE_ONLY)).code).toBe(0);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['ticker', 'date', 'returns_1d', 'rsi_14', 'vol_ratio_20']);
    const firstNonEmpty = (j: number) => rows.slice(1).findIndex((r) => r[j] !== '');
    expect([firstNonEmpty(2), firstNonEmpty(3), firstNonEmpty(4)]).toEqual([1, 14, 19]);
    const rsi = rows.slice(1).map((r) => r[3]).filter((v) => v !== '').map(Number);
    expect(rsi.every((v) => v >= 0 && v <= 100)).toBe(true);
  });

  it('reads Parquet too', async () => {
    const parquet = path.join(dir, 'prices.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM read_csv('${prices}', types={'ticker': 'VARCHAR', 'date': 'DATE'})) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const fromCsv = path.join(dir, 'a.csv');
    const fromParquet = path.join(dir, 'b.csv');
    expect((await run('compute', '--prices', prices, '--out', fromCsv, '--features', PRICE_ONLY)).code).toBe(0);
    expect((await run('compute', '--prices', parquet, '--out', fromParquet, '--features', PRICE_ONLY)).code).toBe(0);
    expect(readFileSync(fromParquet, 'utf8')).toBe(readFileSync(fromCsv, 'utf8'));
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown feature names the nearest ones', ['--features', 'returns_1d,rsi_15'],
      /^gogooku3: unknown feature "rsi_15"; did you mean rsi_14, rsi_24, rsi_6\?; allowed: returns_1d, .* more \(gogooku3 features list\)\n$/],
    ['an experimental feature without --experimental', ['--features', 'cs_gauss_returns_5d'], /^gogooku3: feature cs_gauss_returns_5d is experimental .*\(--experimental\)/],
    ['a feature whose input column the file lacks', ['--features', 'rsi_14,amihud_20'],
      /^gogooku3: amihud_20 needs the column turnover, which the price file does not have; add it to the file or leave it out of --features\n$/],
    ['a deprecated feature', ['--features', 'log_return_1d'], /^gogooku3: feature log_return_1d was deprecated on 2026-10-01/],
    ['an empty --features', ['--features', ' , '], /^gogooku3: --features: no feature names given\n$/],
    ['investor features asked for without investor data', ['--features', 'rsi_14,foreign_z_5'],
      /^gogooku3: foreign_z_5 needs weekly investor-type data, which features compute does not read; choose price features with --features \(for example --features rsi_14\)\n$/],
  ])('%s → exit 2, nothing written', async (_name, args, message) => {
    const out = path.join(dir, 'never.csv');
    const r = await run('compute', '--prices', prices, '--out', out, ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('by default the features a price file cannot feed are left out, with a note on stderr', async () => {
    const out = path.join(dir, 'default.csv');
    const r = await run('compute', '--prices', prices, '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^note: left out 8 investor-flow feature\(s\) \(they need weekly investor-type data, which a price file does not carry\); \d+ feature\(s\) that need the column turnover \(turnover_20, .*\); \d+ feature\(s\) that need the column upper_limit .*sector33 .*\n$/);
    const header = readFileSync(out, 'utf8').split('\n')[0].split(',');
    expect(header.slice(0, 4)).toEqual(['ticker', 'date', 'returns_1d', 'returns_5d']);
    expect(header).toEqual(expect.arrayContaining(['rsi_14', 'vol_ratio_20', 'macd', 'cs_rank_returns_1d']));
    for (const absent of ['foreign_z_5', 'amihud_20', 'limit_up', 'sector_rank_returns_5d', 'cs_rank_turnover_20']) expect(header).not.toContain(absent);
  });

  it('with the optional columns every active price feature is computed; Parquet output keeps dtypes', async () => {
    const days = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10));
    const lines = ['ticker,date,open,high,low,close,volume,turnover_value,upper_limit,lower_limit,sector33'];
    for (const [k, t] of ['1301', '7203', '9984'].entries()) {
      days.forEach((d, i) => {
        const c = 100 + k * 10 + ((i * (k + 3)) % 7) - i / 5;
        lines.push(`${t},${d},${c - 0.5},${c + 1},${c - 1},${c},${1000 + i * 10},${(1000 + i * 10) * c},${i % 9 === 0},false,${k === 2 ? '5250' : '3050'}`);
      });
    }
    const file = write('full.csv', `${lines.join('\n')}\n`);
    const out = path.join(dir, 'full.parquet');
    const r = await run('compute', '--prices', file, '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toBe('note: left out 8 investor-flow feature(s) (they need weekly investor-type data, which a price file does not carry)\n');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    const schema = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${out}')`)).getRowObjectsJS();
    const type = (n: string) => schema.find((x) => x.column_name === n)?.column_type;
    expect([type('ticker'), type('date'), type('rsi_14'), type('limit_up'), type('limit_up_count_20')]).toEqual(['VARCHAR', 'DATE', 'DOUBLE', 'BOOLEAN', 'INTEGER']);
    const active = JSON.parse((await run('list', '--format', 'json')).out) as Array<{ name: string; status: string; source: string }>;
    expect(schema.length - 2).toBe(active.filter((f) => f.status === 'active' && f.source !== 'investor_types').length);
    const rows = (await c.runAndReadAll(`SELECT ticker, CAST(date AS VARCHAR) AS date, rsi_14, limit_up FROM read_parquet('${out}') ORDER BY ticker, date`)).getRowObjectsJS();
    expect(rows).toHaveLength(120);
    expect(rows[0]).toEqual({ ticker: '1301', date: '2024-01-01', rsi_14: null, limit_up: true });
    expect(rows[14].rsi_14).toEqual(expect.any(Number));
    c.closeSync();
    instance.closeSync();
  });

  it('--normalize robust-z: per date, the median of each column is 0 and values are clipped', async () => {
    const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10));
    const lines = [HEADER];
    for (let k = 0; k < 5; k++) days.forEach((d, i) => { const c = 100 + k + Math.sin(i * (k + 1)); lines.push(`${1301 + k},${d},${c},${c + 1},${c - 1},${c},${1000 + k * i}`); });
    const file = write('norm.csv', `${lines.join('\n')}\n`);
    const out = path.join(dir, 'norm.csv');
    expect((await run('compute', '--prices', file, '--out', out, '--features', 'returns_1d,rsi_14', '--normalize', 'robust-z', '--clip', '3')).code).toBe(0);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
    const onDate = rows.filter((r) => r[1] === days[20]).map((r) => Number(r[2])).sort((a, b) => a - b);
    expect(onDate).toHaveLength(5);
    expect(onDate[2]).toBeCloseTo(0, 12);
    expect(rows.every((r) => r[2] === '' || Math.abs(Number(r[2])) <= 3)).toBe(true);
    const bad = await run('compute', '--prices', file, '--out', out, '--normalize', 'minmax');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/option '--normalize <method>' argument 'minmax' is invalid\. Allowed choices are none, robust-z, rank-gauss, zscore, rank/);
  });

  it.each<[string, string, string]>([
    ['a non-numeric cell', `${HEADER}\n1301,2024-01-04,1,1,1,1,100\n1301,2024-01-05,1,1,1,one,100\n`, 'line 3: row 2, column close: not a number: "one"'],
    ['a missing column', 'ticker,date,close\n1301,2024-01-04,1\n', 'line 1: missing columns open, high, low, volume (header: ticker,date,close; need ticker,date,open,high,low,close,volume)'],
    ['a repeated ticker and date', `${HEADER}\n1301,2024-01-04,1,1,1,1,100\n1301,2024-01-04,1,1,1,2,100\n`, 'ticker 1301 has two rows for 2024-01-04'],
  ])('bad input: %s → exit 2 naming row and column', async (_name, content, message) => {
    const file = write('bad.csv', content);
    const r = await run('compute', '--prices', file, '--out', path.join(dir, 'never.csv'), '--features', PRICE_ONLY);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`gogooku3: ${file}: ${message}\n`);
  });

  it('a missing prices file is exit 2', async () => {
    const r = await run('compute', '--prices', path.join(dir, 'nope.csv'), '--out', path.join(dir, 'x.csv'), '--features', PRICE_ONLY);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.csv: cannot read the file: no such file\n$/);
  });

  it('--prices and --out are required', async () => {
    const r = await run('compute', '--prices', prices);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out/);
  });
});

describe('--help', () => {
  it.each<[string[], RegExp]>([
    [['--help'], /Usage: gogooku3 features \[options\] \[command\][\s\S]*list[\s\S]*compute/],
    [['list', '--help'], /Usage: gogooku3 features list \[options\][\s\S]*--manifest <file>[\s\S]*--format <format>/],
    [['compute', '--help'], /Usage: gogooku3 features compute \[options\][\s\S]*--prices <file>[\s\S]*--out <file>[\s\S]*--features <names>[\s\S]*--experimental/],
  ])('%p', async (args, usage) => {
    const r = await run(...args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(usage);
  });
});
