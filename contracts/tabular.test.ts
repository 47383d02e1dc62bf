import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadContract } from './loader';
import { plainValue } from './parquet';
import { checkColumns, CsvSyntaxError, parseCsv, readTable, readTableFor, TabularError } from './tabular';
import { validateRows } from './validate';

const dir = mkdtempSync(path.join(tmpdir(), 'tabular-'));
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('parseCsv (RFC 4180)', () => {
  const cases: Array<[string, string, string[], Array<Record<string, string>>]> = [
    ['plain LF', 'a,b\n1,2\n', ['a', 'b'], [{ a: '1', b: '2' }]],
    ['CRLF line ends', 'a,b\r\n1,2\r\n3,4\r\n', ['a', 'b'], [{ a: '1', b: '2' }, { a: '3', b: '4' }]],
    ['no final line end', 'a,b\n1,2', ['a', 'b'], [{ a: '1', b: '2' }]],
    ['UTF-8 BOM', '\uFEFFa,b\n1,2\n', ['a', 'b'], [{ a: '1', b: '2' }]],
    ['quoted comma', 'a,b\n"x,y",2\n', ['a', 'b'], [{ a: 'x,y', b: '2' }]],
    ['escaped quotes', 'a,b\n"say ""hi""",2\n', ['a', 'b'], [{ a: 'say "hi"', b: '2' }]],
    ['quoted line breaks', 'a,b\n"line1\r\nline2",2\n', ['a', 'b'], [{ a: 'line1\r\nline2', b: '2' }]],
    ['empty cells', 'a,b,c\n,,\n', ['a', 'b', 'c'], [{ a: '', b: '', c: '' }]],
    ['quoted empty cell', 'a,b\n"",2\n', ['a', 'b'], [{ a: '', b: '2' }]],
    ['blank lines skipped', 'a,b\n\n1,2\n\n', ['a', 'b'], [{ a: '1', b: '2' }]],
    ['quoted header', '"a","b c"\n1,2\n', ['a', 'b c'], [{ a: '1', 'b c': '2' }]],
    ['quote inside an unquoted cell kept', 'a,b\n5"x,2\n', ['a', 'b'], [{ a: '5"x', b: '2' }]],
    ['non-ASCII text', 'name\n日本取引所グループ\n', ['name'], [{ name: '日本取引所グループ' }]],
    ['header only', 'a,b\n', ['a', 'b'], []],
    ['a column called __proto__ stays a column', '__proto__\n1\n', ['__proto__'], [JSON.parse('{"__proto__":"1"}')]],
  ];
  it.each(cases)('%s', (_name, text, header, rows) => {
    const table = parseCsv(text);
    expect(table.header).toEqual(header);
    expect(table.rows).toEqual(rows);
  });

  const errors: Array<[string, string, string]> = [
    ['empty file', '', 'line 1: no header line (the file is empty)'],
    ['ragged row', 'a,b\n1,2\n3\n', 'line 3: 1 fields, but the header has 2'],
    ['ragged row after a multi-line cell', 'a,b\n"x\ny",2\n3\n', 'line 4: 1 fields, but the header has 2'],
    ['unterminated quote', 'a,b\n"1,2\n', 'line 2: quoted field is not closed'],
    ['text after a closing quote', 'a,b\n"1"x,2\n', 'line 2: unexpected "x" after a closing quote'],
    ['duplicate header', 'a,a\n1,2\n', 'line 1: column "a" appears twice in the header'],
    ['unnamed column', 'a,,b\n1,2,3\n', 'line 1: column 2 of the header has no name'],
  ];
  it.each(errors)('rejects %s', (_name, text, message) => {
    expect(() => parseCsv(text)).toThrow(CsvSyntaxError);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('readTable file-level errors', () => {
  const cases: Array<[string, () => string, string, RegExp]> = [
    ['missing file', () => path.join(dir, 'nope.csv'), 'unreadable', /nope\.csv: cannot read the file: no such file$/],
    ['directory', () => { const d = path.join(dir, 'folder.csv'); mkdirSync(d, { recursive: true }); return d; }, 'unreadable', /folder\.csv: cannot read the file: is a directory$/],
    ['unsupported extension', () => file('data.json', '[]'), 'unsupported_extension', /data\.json: unsupported file type "\.json"; expected \.csv, \.parquet, \.pq$/],
    ['no extension', () => file('data', ''), 'unsupported_extension', /unsupported file type "\(none\)"/],
    ['malformed CSV', () => file('bad.csv', 'a,b\n1\n'), 'malformed', /bad\.csv: malformed CSV: line 2: 1 fields, but the header has 2$/],
    ['CSV named .parquet', () => file('fake.parquet', 'a,b\n1,2\n'), 'malformed', /fake\.parquet: not a readable Parquet file: /],
    ['missing Parquet file', () => path.join(dir, 'nope.parquet'), 'unreadable', /nope\.parquet: cannot read the file: no such file$/],
  ];
  it.each(cases)('%s', async (_name, make, code, message) => {
    const p = make();
    const error = await readTable(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TabularError);
    expect((error as TabularError).code).toBe(code);
    expect((error as TabularError).file).toBe(p);
    expect((error as Error).message).toMatch(message);
  });
});

describe('columns against a contract', () => {
  const price = loadContract('price_data');

  it('reports missing required and extra columns; aliases and system columns count as known', () => {
    expect(checkColumns(price, ['code', 'date', 'open', 'high', 'low', 'close', 'extra', '_ingested_at'])).toEqual({ missing: ['volume'], extra: ['extra'] });
  });

  it('fails on a missing required column, naming the file and the column', async () => {
    const p = file('short.csv', 'ticker,date,open\n7203,2024-01-04,1\n');
    await expect(readTableFor(p, price)).rejects.toThrow(`${p}: missing required columns high, low, close, volume for contract price_data@1.0.0 (header: ticker,date,open)`);
  });

  it('warns once about extra columns', async () => {
    const p = file('extra.csv', 'ticker,date,open,high,low,close,volume,note,memo\n7203,2024-01-04,1,1,1,1,1,x,y\n7203,2024-01-05,1,1,1,1,1,x,y\n');
    const { warnings, table } = await readTableFor(p, price);
    expect(warnings).toEqual([`${p}: ignoring 2 columns not in contract price_data@1.0.0: note, memo`]);
    expect(table.rows).toHaveLength(2);
  });
});

describe('Parquet', () => {
  async function writeParquet(name: string, select: string): Promise<string> {
    const p = path.join(dir, name);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`COPY (${select}) TO '${p.replace(/'/g, "''")}' (FORMAT parquet)`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    return p;
  }

  it('reads typed columns into plain values that validate as typed rows', async () => {
    const p = await writeParquet('bars.parquet', `
      SELECT * FROM (VALUES
        ('72030', DATE '2024-01-04', 100.0, 110.0, 90.0, 105.0, 1000::BIGINT, true, TIMESTAMP '2024-01-04 09:00:00'),
        ('130A0', DATE '2024-01-04', NULL, NULL, NULL, NULL, NULL::BIGINT, NULL, TIMESTAMP '2024-01-04 09:00:00'),
        ('7203', DATE '2024-01-05', -5.0, 110.0, 90.0, 105.0, 10::BIGINT, false, TIMESTAMP '2024-01-05 09:00:00')
      ) t(ticker, date, open, high, low, close, volume, upper_limit, _ingested_at)`);
    const table = await readTable(p);
    expect(table.format).toBe('parquet');
    expect(table.header).toEqual(['ticker', 'date', 'open', 'high', 'low', 'close', 'volume', 'upper_limit', '_ingested_at']);
    expect(table.rows[0]).toEqual({ ticker: '72030', date: '2024-01-04', open: 100, high: 110, low: 90, close: 105, volume: 1000, upper_limit: true, _ingested_at: '2024-01-04T09:00:00.000Z' });
    expect(table.rows[1]).toMatchObject({ open: null, volume: null, upper_limit: null });
    const result = validateRows(loadContract('price_data'), table.rows, { source: 'typed' });
    expect(result.valid.map((r) => r.ticker)).toEqual(['7203', '130A']);
    expect(result.issues.map((i) => [i.row, i.field, i.rule])).toEqual([[3, 'open', 'gt']]);
  });

  const plain: Array<[string, unknown, unknown]> = [
    ['safe bigint', 12n, 12],
    ['unsafe bigint as text', 2n ** 60n, '1152921504606846976'],
    ['DATE (midnight UTC)', new Date('2024-01-04T00:00:00Z'), '2024-01-04'],
    ['TIMESTAMP keeps its time', new Date('2024-01-04T15:00:00Z'), '2024-01-04T15:00:00.000Z'],
    ['bytes as UTF-8', new TextEncoder().encode('7203'), '7203'],
    ['nested as JSON', { a: [1n] }, '{"a":["1"]}'],
    ['undefined as null', undefined, null],
  ];
  it.each(plain)('plainValue: %s', (_name, input, expected) => {
    expect(plainValue(input)).toEqual(expected);
  });
});
