import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { frameFromColumns, frameFromRows, type PriceColumns } from './frame';
import { featureCsv, parseCell, priceColumnsFromTable, PriceCsvReader, PriceInputError, readPriceColumns } from './price-file';

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

describe('featureCsv', () => {
  it('ticker,date,<features>; empty cell for NaN and non-finite; shortest round-trip numbers; CSV quoting', () => {
    const frame = frameFromRows([
      { ticker: '1301', date: '2024-01-04', open: 1, high: 1, low: 1, close: 1, volume: 1 },
      { ticker: '1301', date: '2024-01-05', open: 1, high: 1, low: 1, close: 1, volume: 1 },
      { ticker: 'A,B', date: '2024-01-04', open: 1, high: 1, low: 1, close: 1, volume: 1 },
    ]);
    const out = featureCsv(frame, ['x', 'y'], { x: Float64Array.of(NaN, 0.1 + 0.2, -0), y: Float64Array.of(Infinity, 1e21, 5) });
    expect(out.toString('utf8')).toBe('ticker,date,x,y\n1301,2024-01-04,,\n1301,2024-01-05,0.30000000000000004,1e+21\n"A,B",2024-01-04,0,5\n');
  });

  it('property: what it writes, the reader of numbers reads back exactly', () => {
    const { frame } = frameFromColumns({
      ticker: ['1301'], date: ['2024-01-04'], open: Float64Array.of(1), high: Float64Array.of(1), low: Float64Array.of(1), close: Float64Array.of(1), volume: Float64Array.of(1),
    });
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const cell = featureCsv(frame, ['x'], { x: Float64Array.of(x) }).toString().split('\n')[1].split(',')[2];
      expect(Object.is(parseCell(cell, 0, cell.length), x === 0 ? 0 : x)).toBe(true);
    }));
  });

  it('a column that does not match the frame is a programming error', () => {
    const frame = frameFromRows([]);
    expect(() => featureCsv(frame, ['x'], {})).toThrow(/column x does not match the frame/);
  });
});
