import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Table } from '../../contracts/tabular';
import type { PriceColumns } from './frame';
import {
  OPTIONAL_PRICE_COLUMNS, parseCell, parseFlag, priceColumnsFromTable, PriceCsvReader, PriceInputError, readPriceColumns,
  type OptionalPriceColumn,
} from './price-file';

const HEADER = 'ticker,date,open,high,low,close,volume';

function read(text: string | string[]): PriceColumns {
  const reader = new PriceCsvReader('p.csv');
  for (const chunk of Array.isArray(text) ? text : [text]) reader.push(chunk);
  return reader.end();
}

const plain = (c: PriceColumns) => ({
  ticker: c.ticker, date: c.date, open: Array.from(c.open), high: Array.from(c.high), low: Array.from(c.low), close: Array.from(c.close), volume: Array.from(c.volume),
});

describe('parseCell', () => {
  it.each<[string, number | undefined]>([
    ['1234', 1234], ['-12.5', -12.5], ['+3', 3], ['0.1', 0.1], ['.5', 0.5], ['5.', 5], ['007', 7],
    ['1e3', 1000], ['-2.5E-2', -0.025], ['12345678901234567890', 12345678901234567890], ['0.30000000000000004', 0.30000000000000004],
    ['', NaN],
    ['abc', undefined], ['1,5', undefined], [' 1', undefined], ['0x10', undefined], ['1.2.3', undefined], ['-', undefined],
    ['.', undefined], ['Infinity', undefined], ['NaN', undefined], ['1e999', undefined], ['1_000', undefined],
  ])('%p → %p', (text, expected) => {
    expect(parseCell(text, 0, text.length)).toEqual(expected);
  });

  it('property: agrees with Number() on every decimal a writer produces', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const text = String(x);
      expect(Object.is(parseCell(text, 0, text.length), Number(text))).toBe(true);
    }));
    fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 8 }), (m, k) => {
      const text = (m / 10 ** k).toFixed(k);
      expect(parseCell(text, 0, text.length)).toBe(Number(text));
    }));
  });
});

describe('PriceCsvReader', () => {
  const text = `${HEADER}\n1301,2024-01-04,1,2,0.5,1.5,100\n"7203",2024-01-04,10,11,9,10.5,\n130A,2024-01-05,,,,,0\n`;
  const expected = {
    ticker: ['1301', '7203', '130A'], date: ['2024-01-04', '2024-01-04', '2024-01-05'],
    open: [1, 10, NaN], high: [2, 11, NaN], low: [0.5, 9, NaN], close: [1.5, 10.5, NaN], volume: [100, NaN, 0],
  };

  it('reads columns; an empty cell is missing (NaN); quotes are honoured', () => {
    expect(plain(read(text))).toEqual(expected);
  });

  it('property: any chunking reads the same', () => {
    fc.assert(fc.property(fc.array(fc.nat(text.length), { maxLength: 6 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), text.length];
      expect(plain(read(points.slice(1).map((p, i) => text.slice(points[i], p))))).toEqual(expected);
    }));
  });

  it('CRLF, a BOM, blank lines, no final newline, extra and reordered columns', () => {
    const t = `\uFEFFnote,close,volume,ticker,date,open,high,low\r\n"a, b",1.5,100,1301,2024-01-04,1,2,0.5\r\n\r\nx,2,200,1301,2024-01-05,1,2,1`;
    const c = plain(read(t));
    expect(c.close).toEqual([1.5, 2]);
    expect(c.ticker).toEqual(['1301', '1301']);
    expect(c.low).toEqual([0.5, 1]);
  });

  it('a quoted field may hold a line break and a doubled quote', () => {
    const c = read(`note,${HEADER}\n"two\nlines ""quoted""",1301,2024-01-04,1,2,0.5,1.5,100\n`);
    expect(plain(c).close).toEqual([1.5]);
  });

  it('a quote in the middle of a field is literal and does not open a multi-line record', () => {
    const c = read(`note,${HEADER}\n24" screen,1301,2024-01-04,1,2,0.5,1.5,100\nok,1301,2024-01-05,1,2,0.5,2,100\n`);
    expect(plain(c).close).toEqual([1.5, 2]);
  });

  it.each<[string, string | string[], string]>([
    ['a non-numeric cell', `${HEADER}\n1301,2024-01-04,1,2,0.5,1.5,100\n1301,2024-01-05,1,2,0.5,abc,100\n`,
      'p.csv: line 3: row 2, column close: not a number: "abc"'],
    ['a bad date', `${HEADER}\n1301,2024/01/04,1,2,0.5,1.5,100\n`, 'p.csv: line 2: row 1, column date: expected a date YYYY-MM-DD: "2024/01/04"'],
    ['an empty ticker', `${HEADER}\n,2024-01-04,1,2,0.5,1.5,100\n`, 'p.csv: line 2: row 1, column ticker: empty ticker: ""'],
    ['a short row', `${HEADER}\n1301,2024-01-04,1,2,0.5,1.5\n`, 'p.csv: line 2: row 1 has 6 fields, but the header has 7'],
    ['a missing column', 'ticker,date,open,high,low,close\n', 'p.csv: line 1: missing column volume (header: ticker,date,open,high,low,close; need ticker,date,open,high,low,close,volume)'],
    ['an empty file', '', 'p.csv: no header line (the file is empty)'],
    ['an unclosed quote', `${HEADER}\n"1301,2024-01-04,1,2,0.5,1.5,100\n`, 'p.csv: line 2: a quoted field is not closed'],
    ['an unclosed quote in a large file, found without reading it all', [`${HEADER}\n"1301,2024-01-04,1,2,0.5,1.5,100\n`, ...Array(300).fill('x,'.repeat(2000) + '\n')],
      'p.csv: line 2: a record longer than 1 MiB (an unclosed quote?)'],
  ])('%s is an error naming the line, row and column', (_name, t, message) => {
    expect(() => read(t)).toThrow(new PriceInputError('p.csv', message.slice('p.csv: '.length)));
  });
});

describe('priceColumnsFromTable (Parquet rows)', () => {
  it('takes numbers, numeric strings and nulls', () => {
    const c = priceColumnsFromTable({
      header: ['ticker', 'date', 'open', 'high', 'low', 'close', 'volume'],
      rows: [{ ticker: 1301, date: '2024-01-04', open: 1, high: '2', low: null, close: 1.5, volume: 100 }],
    }, 'p.parquet');
    expect(plain(c)).toEqual({ ticker: ['1301'], date: ['2024-01-04'], open: [1], high: [2], low: [NaN], close: [1.5], volume: [100] });
  });

  it.each<[string, Record<string, string | number | boolean | null>, string]>([
    ['a string that is not a number', { close: 'n/a' }, 'row 1, column close: not a number: "n/a"'],
    ['a boolean', { volume: true }, 'row 1, column volume: not a number: true'],
    ['a timestamp date', { date: '2024-01-04T09:00:00.000Z' }, 'row 1, column date: expected a date YYYY-MM-DD: "2024-01-04T09:00:00.000Z"'],
  ])('%s', (_name, patch, message) => {
    const row = { ticker: '1301', date: '2024-01-04', open: 1, high: 2, low: 0.5, close: 1.5, volume: 100, ...patch };
    expect(() => priceColumnsFromTable({ header: Object.keys(row), rows: [row] }, 'p.parquet')).toThrow(new PriceInputError('p.parquet', message));
  });
});

describe('readPriceColumns', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'price-file-'));

  it('streams a file larger than one read chunk', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `T${i % 7},2024-01-${String((i % 28) + 1).padStart(2, '0')},1,2,0.5,${i},100`);
    const file = path.join(dir, 'big.csv');
    writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
    const c = await readPriceColumns(file);
    expect(c.close.length).toBe(40_000);
    expect(c.close[39_999]).toBe(39_999);
  });

  it.each<[string, RegExp]>([
    ['missing.csv', /missing\.csv: cannot read the file: no such file$/],
    ['prices.txt', /unsupported file type "\.txt"/],
  ])('%s', async (name, message) => {
    await expect(readPriceColumns(path.join(dir, name))).rejects.toThrow(message);
  });
});

describe('parseFlag', () => {
  it.each<[string, number | undefined]>([
    ['1', 1], ['0', 0], ['true', 1], ['TRUE', 1], ['True', 1], ['false', 0], ['FALSE', 0], ['fAlSe', 0], ['', NaN],
    ['2', undefined], ['-1', undefined], ['01', undefined], ['1.0', undefined], [' 1', undefined], ['yes', undefined],
    ['t', undefined], ['tru', undefined], ['truee', undefined], ['falsy', undefined], ['TRUE ', undefined], ['null', undefined],
  ])('%p → %p', (text, expected) => {
    expect(parseFlag(text, 0, text.length)).toEqual(expected);
  });

  it('reads only its slice of the line', () => {
    expect(parseFlag('x,true,0', 2, 6)).toBe(1);
    expect(parseFlag('x,true,0', 7, 8)).toBe(0);
  });
});

describe('optional columns', () => {
  /** Three rows of cells per optional column, as CSV text and as Parquet plain values, and what both read as. */
  const CELLS: Record<OptionalPriceColumn, { csv: string[]; table: Array<string | number | boolean | null>; read: Array<number | string | null> }> = {
    turnover_value: { csv: ['1500000', '', '2.5e9'], table: [1500000, null, '2.5e9'], read: [1500000, NaN, 2.5e9] },
    upper_limit: { csv: ['1', '', 'FALSE'], table: [true, null, 'FALSE'], read: [1, NaN, 0] },
    lower_limit: { csv: ['0', 'true', 'False'], table: [0, 'true', false], read: [0, 1, 0] },
    sector33: { csv: ['3050', '', '0050'], table: ['3050', '', '0050'], read: ['3050', null, '0050'] },
  };
  const AUX_KEY = { turnover_value: 'turnover', upper_limit: 'upper_limit', lower_limit: 'lower_limit' } as const;
  const BARS = ['1301,2024-01-04,1,2,0.5,1.5,100', '1301,2024-01-05,1,2,0.5,1.6,100', '7203,2024-01-04,10,11,9,10.5,5'];
  /** Every subset of the optional columns. */
  const SUBSETS = Array.from({ length: 1 << OPTIONAL_PRICE_COLUMNS.length }, (_, m) => OPTIONAL_PRICE_COLUMNS.filter((_c, j) => m & (1 << j)));

  /** The optional part of a result: which keys the reader set, and their values as plain arrays. */
  const extras = (c: PriceColumns) => ({
    keys: Object.keys(c).filter((k) => k === 'aux' || k === 'sector33'),
    aux: c.aux && Object.fromEntries(Object.entries(c.aux).map(([k, v]) => [k, Array.from(v)])),
    sector33: c.sector33,
  });
  const expected = (cols: readonly OptionalPriceColumn[]) => {
    const aux = cols.filter((c) => c !== 'sector33');
    const sector = cols.includes('sector33');
    return {
      keys: [...(aux.length > 0 ? ['aux'] : []), ...(sector ? ['sector33'] : [])],
      aux: aux.length > 0 ? Object.fromEntries(aux.map((c) => [AUX_KEY[c], CELLS[c].read])) : undefined,
      sector33: sector ? CELLS.sector33.read : undefined,
    };
  };
  /** The optional columns first (reversed, so out of their usual order), then the required ones. */
  const csvWith = (cols: readonly OptionalPriceColumn[], cell = (s: string) => s) => {
    const names = [...cols].reverse();
    const lines = BARS.map((bar, r) => [...names.map((c) => cell(CELLS[c].csv[r])), bar].join(','));
    return `${[...names, HEADER].join(',')}\n${lines.join('\n')}\n`;
  };
  const tableWith = (cols: readonly OptionalPriceColumn[]): Table => {
    const header = ['ticker', 'date', 'open', 'high', 'low', 'close', 'volume', ...cols];
    const rows = BARS.map((bar, r) => ({
      ...Object.fromEntries(bar.split(',').map((v, j) => [header[j], j < 2 ? v : Number(v)])),
      ...Object.fromEntries(cols.map((c) => [c, CELLS[c].table[r]])),
    }));
    return { header, rows };
  };

  it.each(SUBSETS.map((cols) => [cols.join(',') || '(none)', cols]))('CSV with %s', (_name, cols) => {
    const c = read(csvWith(cols));
    expect(extras(c)).toStrictEqual(expected(cols));
    expect(Array.from(c.close)).toEqual([1.5, 1.6, 10.5]);
  });

  it.each(SUBSETS.filter((cols) => cols.length > 0).map((cols) => [cols.join(','), cols]))('CSV with %s, every optional cell quoted', (_name, cols) => {
    expect(extras(read(csvWith(cols, (s) => `"${s}"`)))).toStrictEqual(expected(cols));
  });

  it.each(SUBSETS.map((cols) => [cols.join(',') || '(none)', cols]))('Parquet rows with %s', (_name, cols) => {
    expect(extras(priceColumnsFromTable(tableWith(cols), 'p.parquet'))).toStrictEqual(expected(cols));
  });

  it('quoted fields: a comma, a doubled quote and a line break in a code; a quoted note beside unquoted optional cells', () => {
    const c = read(`note,sector33,${HEADER},upper_limit,turnover_value\n`
      + `"a\nb",3050,1301,2024-01-04,1,2,0.5,1.5,100,1,"2000"\n`
      + `x,"30,50",1301,2024-01-05,1,2,0.5,1.5,100,"true",\n`
      + `y,"A ""B""",1301,2024-01-06,1,2,0.5,1.5,100,"",3\n`);
    expect(extras(c)).toStrictEqual({ keys: ['aux', 'sector33'], aux: { turnover: [2000, NaN, 3], upper_limit: [1, 1, NaN] }, sector33: ['3050', '30,50', 'A "B"'] });
  });

  it('property: any chunking reads the same', () => {
    const text = csvWith(OPTIONAL_PRICE_COLUMNS);
    fc.assert(fc.property(fc.array(fc.nat(text.length), { maxLength: 6 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), text.length];
      expect(extras(read(points.slice(1).map((p, i) => text.slice(points[i], p))))).toStrictEqual(expected(OPTIONAL_PRICE_COLUMNS));
    }));
  });

  it('a file larger than the first buffers keeps every optional column aligned', () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ turnover: i * 10, upper: i % 2, lower: i % 3 === 0 ? 1 : 0, sector: String(i >> 12) }));
    const lines = rows.map((r, i) => `T${i >> 8},2024-01-04,1,2,0.5,${i},100,${r.turnover},${r.upper},${r.lower ? 'true' : 'false'},${r.sector}`);
    const c = read(`${HEADER},turnover_value,upper_limit,lower_limit,sector33\n${lines.join('\n')}\n`);
    expect(extras(c)).toStrictEqual({
      keys: ['aux', 'sector33'], sector33: rows.map((r) => r.sector),
      aux: { turnover: rows.map((r) => r.turnover), upper_limit: rows.map((r) => r.upper), lower_limit: rows.map((r) => r.lower) },
    });
  });

  const BAD_HEADER = `${HEADER},turnover_value,upper_limit,lower_limit,sector33`;
  const OK = '1301,2024-01-04,1,2,0.5,1.5,100,5,1,0,3050';
  it.each<[string, string, string]>([
    ['a word for a flag', '1301,2024-01-05,1,2,0.5,1.5,100,5,yes,0,3050', 'line 3: row 2, column upper_limit: not a flag (expected true, false, 1 or 0): "yes"'],
    ['a decimal flag', '1301,2024-01-05,1,2,0.5,1.5,100,5,0,1.0,3050', 'line 3: row 2, column lower_limit: not a flag (expected true, false, 1 or 0): "1.0"'],
    ['a flag with a space', '1301,2024-01-05,1,2,0.5,1.5,100,5,0, 1,3050', 'line 3: row 2, column lower_limit: not a flag (expected true, false, 1 or 0): " 1"'],
    ['a quoted bad flag', '1301,2024-01-05,1,2,0.5,1.5,100,5,"2",0,3050', 'line 3: row 2, column upper_limit: not a flag (expected true, false, 1 or 0): "2"'],
    ['a non-numeric turnover', '1301,2024-01-05,1,2,0.5,1.5,100,1e,0,0,3050', 'line 3: row 2, column turnover_value: not a number: "1e"'],
    ['a short row', '1301,2024-01-05,1,2,0.5,1.5,100,5,0,0', 'line 3: row 2 has 10 fields, but the header has 11'],
  ])('CSV: %s is an error naming the line, row and column', (_name, bad, message) => {
    expect(() => read(`${BAD_HEADER}\n${OK}\n${bad}\n`)).toThrow(new PriceInputError('p.csv', message));
  });

  it.each<[string, Record<string, string | number | boolean | null>, string]>([
    ['a flag of 2', { upper_limit: 2 }, 'row 1, column upper_limit: not a flag (expected true, false, 1 or 0): 2'],
    ['a word for a flag', { lower_limit: 'yes' }, 'row 1, column lower_limit: not a flag (expected true, false, 1 or 0): "yes"'],
    ['a boolean turnover', { turnover_value: true }, 'row 1, column turnover_value: not a number: true'],
    ['a boolean sector', { sector33: true }, 'row 1, column sector33: expected a sector code: true'],
    ['a fractional sector', { sector33: 30.5 }, 'row 1, column sector33: expected a sector code: 30.5'],
  ])('Parquet rows: %s', (_name, patch, message) => {
    const row = { ticker: '1301', date: '2024-01-04', open: 1, high: 2, low: 0.5, close: 1.5, volume: 100, ...patch };
    expect(() => priceColumnsFromTable({ header: Object.keys(row), rows: [row] }, 'p.parquet')).toThrow(new PriceInputError('p.parquet', message));
  });

  describe('Parquet files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'price-file-pq-'));
    async function writeParquet(name: string, select: string): Promise<string> {
      const file = path.join(dir, name);
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
      return file;
    }
    const BARS_SQL = [`'1301', DATE '2024-01-04', 1.0, 2.0, 0.5, 1.5, 100::BIGINT`, `'1301', DATE '2024-01-05', 1.0, 2.0, 0.5, 1.6, 100::BIGINT`];

    it.each<[string, OptionalPriceColumn[], string[], ReturnType<typeof extras>]>([
      ['none', [], [], { keys: [], aux: undefined, sector33: undefined }],
      ['typed: DOUBLE turnover, BOOLEAN flags, VARCHAR sector', ['turnover_value', 'upper_limit', 'lower_limit', 'sector33'],
        [`1.5e6, true, false, '3050'`, 'NULL, NULL, true, NULL'],
        { keys: ['aux', 'sector33'], aux: { turnover: [1.5e6, NaN], upper_limit: [1, NaN], lower_limit: [0, 1] }, sector33: ['3050', null] }],
      ['as J-Quants sends them: BIGINT turnover, "1"/"0" flags', ['turnover_value', 'upper_limit', 'lower_limit'],
        [`1500000::BIGINT, '1', '0'`, `0::BIGINT, '0', ''`],
        { keys: ['aux'], aux: { turnover: [1.5e6, 0], upper_limit: [1, 0], lower_limit: [0, NaN] }, sector33: undefined }],
      ['INTEGER flags, INTEGER sector (read as its digits)', ['upper_limit', 'sector33'], ['1, 3050', '0, NULL'],
        { keys: ['aux', 'sector33'], aux: { upper_limit: [1, 0] }, sector33: ['3050', null] }],
    ])('%s', async (name, cols, cells, want) => {
      const rows = BARS_SQL.map((bar, r) => `(${[bar, ...(cols.length > 0 ? [cells[r]] : [])].join(', ')})`).join(', ');
      const names = ['ticker', 'date', 'open', 'high', 'low', 'close', 'volume', ...cols].join(', ');
      const file = await writeParquet(`${name.replace(/\W+/g, '_')}.parquet`, `SELECT * FROM (VALUES ${rows}) t(${names})`);
      const c = await readPriceColumns(file);
      expect(extras(c)).toStrictEqual(want);
      expect(Array.from(c.close)).toEqual([1.5, 1.6]);
    });
  });
});
