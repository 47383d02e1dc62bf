import { runCli } from '../../test/helpers/run-cli';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-contracts-'));
const write = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

const HEADER = 'ticker,date,open,high,low,close,volume';
const clean = write('clean.csv', `${HEADER}\n72030,2024-01-04,100,110,90,105,1000\n130A,2024-01-04,,,,,\n`);
const dirty = write('dirty.csv', [
  `${HEADER},note`,
  '7203,2024-01-04,100,110,90,105,1000,a',
  '72030,2024-01-05,-5,110,90,105,1000,b',
  '1234X,2020-10-01,100,110,90,105,1.5,c',
  '7203,2024-01-04,100,104,90,105,1000,d',
  '',
].join('\r\n'));

const run = (...args: string[]) => runCli(['contracts', ...args]);

describe('contracts check', () => {
  it('prints only a JSON array of issues and exits 1', async () => {
    const { code, out, err } = await run('check', dirty, '--contract', 'price_data', '--format', 'json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual([
      { row: 1, field: 'ticker,date', rule: 'duplicate_key', value: { ticker: '7203', date: '2024-01-04' }, message: 'duplicate primary key (ticker, date) = (7203, 2024-01-04) in rows 1, 4' },
      { row: 2, field: 'open', rule: 'gt', value: '-5', message: 'open must be > 0, got -5' },
      { row: 3, field: 'ticker', rule: 'pattern', value: '1234X', message: 'ticker must match ^[0-9]{3}[0-9A-Z]$, got "1234X"' },
      { row: 3, field: 'date', rule: 'tse_session', value: '2020-10-01', message: expect.stringMatching(/^date must be a TSE trading session, got "2020-10-01" \(closed: .+\)$/) },
      { row: 3, field: 'volume', rule: 'integer', value: '1.5', message: 'volume must be an integer, got 1.5' },
      { row: 4, field: 'high', rule: 'high_ge_max', value: '104', message: 'high must be >= max(open, low, close) = 105, got 104' },
      { row: 4, field: 'ticker,date', rule: 'duplicate_key', value: { ticker: '7203', date: '2024-01-04' }, message: 'duplicate primary key (ticker, date) = (7203, 2024-01-04) in rows 1, 4' },
    ]);
    expect(out.endsWith(']\n')).toBe(true);
    expect(err).toBe(`gogooku3: warning: ${dirty}: ignoring 1 column not in contract price_data@1.0.0: note\n`);
  });

  it('prints [] and exits 0 for a clean file', async () => {
    expect(await run('check', clean, '--contract', 'price_data', '--format', 'json')).toEqual({ code: 0, out: '[]\n', err: '' });
  });

  it('prints a table and a summary by rule in text', async () => {
    const { code, out } = await run('check', dirty, '--contract', 'price_data');
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^ROW +FIELD +RULE +VALUE +MESSAGE$/);
    expect(lines[2]).toMatch(/^2 +open +gt +"-5" +open must be > 0, got -5$/);
    expect(out).toContain(`${dirty}: contract price_data@1.0.0: 4 rows, 0 valid, 4 quarantined (100.00%, max 1.00%): fail`);
    expect(out).toMatch(/issues by rule:\n {2}duplicate_key +2\n/);
  });

  it('uses --max-ratio for the status', async () => {
    const mixed = write('mixed.csv', `${HEADER}\n7203,2024-01-04,100,110,90,105,1000\n7203,2024-01-05,-1,110,90,105,1000\n`);
    const { code, out } = await run('check', mixed, '--contract', 'price_data', '--max-ratio', '0.6');
    expect(code).toBe(1);
    expect(out).toContain('2 rows, 1 valid, 1 quarantined (50.00%, max 60.00%): warn');
  });

  it('reads Parquet', async () => {
    const file = path.join(dir, 'bars.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT '72030' AS ticker, DATE '2024-01-04' AS date, 100.0 AS open, 99.0 AS high, 90.0 AS low, 95.0 AS close, 10::BIGINT AS volume) TO '${file}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const { code, out } = await run('check', file, '--contract', 'price_data', '--format', 'json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual([{ row: 1, field: 'high', rule: 'high_ge_max', value: 99, message: 'high must be >= max(open, low, close) = 100, got 99' }]);
  });

  const fileErrors: Array<[string, () => string[], RegExp]> = [
    ['missing file', () => [path.join(dir, 'nope.csv'), '--contract', 'price_data'], /^gogooku3: .*nope\.csv: cannot read the file: no such file\n$/],
    ['unsupported extension', () => [write('x.xlsx', ''), '--contract', 'price_data'], /^gogooku3: .*x\.xlsx: unsupported file type "\.xlsx"; expected \.csv, \.parquet, \.pq\n$/],
    ['missing column', () => [write('short.csv', 'ticker,date\n7203,2024-01-04\n'), '--contract', 'price_data'], /^gogooku3: .*short\.csv: missing required columns open, high, low, close, volume for contract price_data@1\.0\.0/],
    ['malformed CSV', () => [write('bad.csv', `${HEADER}\n"7203,2024-01-04\n`), '--contract', 'price_data'], /^gogooku3: .*bad\.csv: malformed CSV: line 2: quoted field is not closed\n$/],
    ['unknown contract', () => [clean, '--contract', 'prices'], /no contract "prices" in .*; known: corporate_actions, features, investor_types, listed_info, price_data\n$/],
    ['bad --max-ratio', () => [clean, '--contract', 'price_data', '--max-ratio', '2'], /^gogooku3: --max-ratio: expected a number between 0 and 1, got "2"\n$/],
  ];
  it.each(fileErrors)('exits 2 on %s, naming the file and the problem', async (_name, args, message) => {
    const { code, out, err } = await run('check', ...args(), '--format', 'json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  it('accepts a contract given as a YAML path', async () => {
    const contract = path.join(__dirname, '../../contracts/price_data.yaml');
    expect((await run('check', clean, '--contract', contract, '--format', 'json')).code).toBe(0);
  });
});

describe('contracts diff', () => {
  const original = path.join(__dirname, '../../contracts/price_data.yaml');
  const text = readFileSync(original, 'utf8');

  it('exits 1 and lists a breaking change', async () => {
    const next = write('next.yaml', text.replace('version: 1.0.0', 'version: 1.1.0').replace('max_gap: 3', 'max_gap: 1'));
    const { code, out } = await run('diff', original, next, '--format', 'json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual({
      old: 'price_data@1.0.0', new: 'price_data@1.1.0', breaking: true,
      changes: [
        { kind: 'missing_policy_changed', breaking: true, detail: 'max_gap 3 → 1' },
        { kind: 'version_not_bumped', breaking: true, detail: 'breaking change but version 1.0.0 → 1.1.0; bump the major version (2.0.0)' },
      ],
    });
  });

  it('exits 0 for a compatible change and says so in text', async () => {
    const next = write('compatible.yaml', text.replace('version: 1.0.0', 'version: 1.0.1').replace('max_gap: 3', 'max_gap: 4'));
    const { code, out } = await run('diff', original, next);
    expect(code).toBe(0);
    expect(out).toBe(`compatible: price_data@1.0.0 (${original}) → price_data@1.0.1 (${next})\n  - missing_policy_changed: max_gap 3 → 4\n`);
  });

  it('exits 2 when a file is not a valid contract', async () => {
    const broken = write('broken.yaml', text.replace('duplicate_policy: reject', 'duplicate_policy: keep'));
    const { code, err } = await run('diff', original, broken);
    expect(code).toBe(2);
    expect(err).toContain(`${broken}: invalid contract:\n  - duplicate_policy: invalid value "keep"; allowed: reject`);
  });
});

describe('contracts list and show', () => {
  it('lists names, versions and field counts as JSON', async () => {
    const { code, out } = await run('list', '--format', 'json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as Array<{ name: string; version: string; fields: number }>;
    expect(rows.map((r) => [r.name, r.version])).toEqual([
      ['corporate_actions', '1.0.0'], ['features', '1.0.0'], ['investor_types', '1.0.0'], ['listed_info', '1.0.0'], ['price_data', '1.0.0'],
    ]);
    expect(rows.find((r) => r.name === 'investor_types')!.fields).toBe(56);
  });

  it('lists as a table in text', async () => {
    const { out } = await run('list');
    expect(out.split('\n')[0]).toMatch(/^NAME +VERSION +FIELDS +RULES +PRIMARY KEY$/);
    expect(out).toMatch(/\nprice_data +1\.0\.0 +16 +5 +ticker, date\n/);
  });

  it('shows the YAML, or the JSON Schema with --format json', async () => {
    const yaml = await run('show', 'price_data');
    expect(yaml.out).toBe(readFileSync(path.join(__dirname, '../../contracts/price_data.yaml'), 'utf8'));
    const json = await run('show', 'price_data', '--format', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ title: 'price_data@1.0.0', type: 'object', properties: { volume: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] } } });
  });

  it('exits 2 for an unknown contract', async () => {
    expect((await run('show', 'nope')).code).toBe(2);
  });
});

describe('help', () => {
  it.each([[[]], [['check']], [['diff']], [['list']], [['show']]])('contracts %p --help describes the command', async (args) => {
    const { code, out } = await run(...args, '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: gogooku3 contracts/);
    expect(out.split('\n')[2].length).toBeGreaterThan(10);
  });
});
