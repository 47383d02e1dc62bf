/**
 * Price files → PriceColumns, and feature columns → CSV text.
 *
 * CSV is read in chunks straight into Float64Arrays: no row objects and no string per numeric cell (numbers
 * are parsed from the line's characters), since `features compute` is benchmarked on millions of rows.
 * RFC 4180 quoting is honoured on the rare lines that contain a quote. Parquet goes through
 * contracts/tabular (DuckDB), whose row objects are acceptable for that less common input.
 */
import { createReadStream } from 'node:fs';
import { readTable, tableFormat, type Table } from '../../contracts/tabular';
import { csvCell } from '../io/csv';
import { PRICE_COLUMNS, rowCount, type PriceColumns, type PriceFrame } from './frame';

export const PRICE_FILE_COLUMNS = ['ticker', 'date', ...PRICE_COLUMNS] as const;

export class PriceInputError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'PriceInputError';
  }
}

/** Exact powers of ten: m / 10^k is one correctly rounded division when m < 2^53 and k <= 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const NUMBER_CHARS = /^[0-9.eE+-]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_RECORD = 1 << 20;

/** A cell's number: NaN for an empty cell (missing), undefined when it is not a decimal number. */
export function parseCell(s: string, a: number, b: number): number | undefined {
  if (a === b) return NaN;
  let i = a;
  let c = s.charCodeAt(i);
  const negative = c === 45;
  if (c === 45 || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let dot = false;
  for (; i < b; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (dot) fraction++;
    } else if (c === 46 && !dot) dot = true;
    else break;
  }
  if (i === b && digits > 0 && digits <= 15 && fraction <= 22) {
    const v = mantissa / POW10[fraction];
    return negative ? -v : v;
  }
  // Exponents, long mantissas, and everything invalid: let Number() decide, on a strict character set.
  const text = s.slice(a, b);
  const v = NUMBER_CHARS.test(text) ? Number(text) : NaN;
  return v - v === 0 ? v : undefined;
}

/** Where an RFC 4180 scan stands: at a field start, in an unquoted field, in quotes, just after a quote. */
const enum Scan { Start, Plain, Quoted, QuoteSeen }

/** Advances the scan over text[a, b) without allocating; a record is complete unless it ends Quoted. */
function scanQuotes(text: string, a: number, b: number, state: Scan): Scan {
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (state === Scan.Quoted) {
      if (c === 34) state = Scan.QuoteSeen;
    } else if (c === 44) state = Scan.Start;
    else if (c === 34 && state !== Scan.Plain) state = Scan.Quoted; // "" inside quotes, or an opening quote
    else state = Scan.Plain;
  }
  return state;
}

/** Splits one complete record (RFC 4180): fields may be quoted, "" is a quote, a quote mid-field is literal. */
function splitQuoted(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (record.charCodeAt(i) === 34) {
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) { field += record.slice(i); i = record.length; break; }
        field += record.slice(i, q);
        if (record.charCodeAt(q + 1) === 34) { field += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
    }
    let comma = record.indexOf(',', i);
    if (comma < 0) comma = record.length;
    field += record.slice(i, comma);
    fields.push(field);
    if (comma >= record.length) return fields;
    i = comma + 1;
  }
}

function grow(a: Float64Array, n: number): Float64Array {
  if (n < a.length) return a;
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Push text chunks in order, then end(). Errors name the file, line, row and column. */
export class PriceCsvReader {
  private rest = '';
  private line = 0;
  private first = true;
  /** Index of each PRICE_FILE_COLUMNS column in the file's header. */
  private index: number[] | null = null;
  /** For each field of the file, its PRICE_FILE_COLUMNS index or −1. */
  private want: Int32Array | null = null;
  private width = 0;
  private n = 0;
  private readonly ticker: string[] = [];
  private readonly date: string[] = [];
  private nums: Float64Array[] = PRICE_COLUMNS.map(() => new Float64Array(1 << 14));
  private readonly dates = new Map<string, string>();
  private lastTicker = '';
  private readonly bounds = new Int32Array(2 * PRICE_FILE_COLUMNS.length);

  constructor(readonly file: string) {}

  push(chunk: string): void {
    let text = this.rest + chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let pos = 0;
    for (;;) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      let record = text.slice(pos, nl);
      let lines = 1;
      if (record.includes('"')) {
        // A quoted field may hold line breaks: extend the record until its quotes balance.
        let state = scanQuotes(text, pos, nl, Scan.Start);
        while (state === Scan.Quoted) {
          const next = text.indexOf('\n', nl + 1);
          if (next < 0) { nl = -1; break; }
          state = scanQuotes(text, nl, next, state);
          nl = next;
          lines++;
        }
        if (nl < 0) break;
        record = text.slice(pos, nl);
      }
      pos = nl + 1;
      this.line += lines;
      this.record(record.endsWith('\r') ? record.slice(0, -1) : record, this.line - lines + 1);
    }
    this.rest = text.slice(pos);
    // An unclosed quote would otherwise have every later chunk re-scan the whole pending record.
    if (this.rest.length > MAX_RECORD) throw this.fail(this.line + 1, 'a record longer than 1 MiB (an unclosed quote?)');
  }

  end(): PriceColumns {
    if (this.rest.length > 0) {
      const record = this.rest.endsWith('\r') ? this.rest.slice(0, -1) : this.rest;
      this.rest = '';
      if (scanQuotes(record, 0, record.length, Scan.Start) === Scan.Quoted) throw this.fail(this.line + 1, 'a quoted field is not closed');
      this.line++;
      this.record(record, this.line);
    }
    if (!this.index) throw new PriceInputError(this.file, 'no header line (the file is empty)');
    const [open, high, low, close, volume] = this.nums.map((a) => a.slice(0, this.n));
    return { ticker: this.ticker, date: this.date, open, high, low, close, volume };
  }

  private fail(line: number, detail: string): PriceInputError {
    return new PriceInputError(this.file, `line ${line}: ${detail}`);
  }

  private record(text: string, line: number): void {
    if (text === '') return;
    if (!this.index) {
      this.header(splitQuoted(text), line);
      return;
    }
    const row = this.n + 1;
    const b = this.bounds;
    let str = text;
    let fields: number;
    if (text.includes('"')) {
      // Rare: lay the wanted fields, unquoted, side by side so the code below reads both cases alike.
      const parts = splitQuoted(text);
      fields = parts.length;
      if (fields === this.width) {
        str = '';
        for (let c = 0; c < PRICE_FILE_COLUMNS.length; c++) {
          b[2 * c] = str.length;
          str += parts[this.index![c]];
          b[2 * c + 1] = str.length;
        }
      }
    } else {
      fields = this.locate(text);
    }
    if (fields !== this.width) throw this.fail(line, `row ${row} has ${fields} fields, but the header has ${this.width}`);
    const ta = b[0];
    const tb = b[1];
    if (ta === tb) throw this.bad(line, row, 0, str, 'empty ticker');
    const last = this.lastTicker;
    const ticker = tb - ta === last.length && str.startsWith(last, ta) ? last : str.slice(ta, tb);
    this.lastTicker = ticker;
    const raw = str.slice(b[2], b[3]);
    let date = this.dates.get(raw);
    if (date === undefined) {
      if (!DATE.test(raw)) throw this.bad(line, row, 1, str, 'expected a date YYYY-MM-DD');
      this.dates.set(raw, raw);
      date = raw;
    }
    const i = this.n;
    if (i >= this.nums[0].length) this.nums = this.nums.map((a) => grow(a, i));
    for (let c = 0; c < PRICE_COLUMNS.length; c++) {
      const v = parseCell(str, b[2 * c + 4], b[2 * c + 5]);
      if (v === undefined) throw this.bad(line, row, c + 2, str, 'not a number');
      this.nums[c][i] = v;
    }
    this.ticker.push(ticker);
    this.date.push(date);
    this.n++;
  }

  private bad(line: number, row: number, c: number, str: string, why: string): PriceInputError {
    const cell = str.slice(this.bounds[2 * c], this.bounds[2 * c + 1]);
    return this.fail(line, `row ${row}, column ${PRICE_FILE_COLUMNS[c]}: ${why}: ${JSON.stringify(cell)}`);
  }

  /** Records where each wanted column starts and ends in an unquoted line; returns the number of fields. */
  private locate(text: string): number {
    const want = this.want!;
    let start = 0;
    let f = 0;
    for (;;) {
      let end = text.indexOf(',', start);
      if (end < 0) end = text.length;
      const c = f < want.length ? want[f] : -1;
      if (c >= 0) { this.bounds[2 * c] = start; this.bounds[2 * c + 1] = end; }
      f++;
      if (end === text.length) return f;
      start = end + 1;
    }
  }

  private header(names: string[], line: number): void {
    const missing = PRICE_FILE_COLUMNS.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      throw this.fail(line, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${names.join(',')}; need ${PRICE_FILE_COLUMNS.join(',')})`);
    }
    this.index = PRICE_FILE_COLUMNS.map((c) => names.indexOf(c));
    this.want = new Int32Array(names.length).fill(-1);
    this.index.forEach((f, c) => { this.want![f] = c; });
    this.width = names.length;
  }
}

/** Columns from a table read by contracts/tabular (Parquet): plain values, null for missing. */
export function priceColumnsFromTable(table: Table, file: string): PriceColumns {
  const missing = PRICE_FILE_COLUMNS.filter((c) => !table.header.includes(c));
  if (missing.length > 0) throw new PriceInputError(file, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (columns: ${table.header.join(',')})`);
  const n = table.rows.length;
  const nums = PRICE_COLUMNS.map(() => new Float64Array(n));
  const ticker: string[] = new Array<string>(n);
  const date: string[] = new Array<string>(n);
  table.rows.forEach((r, i) => {
    const bad = (c: string, why: string) => new PriceInputError(file, `row ${i + 1}, column ${c}: ${why}: ${JSON.stringify(r[c])}`);
    if (r.ticker === null || r.ticker === '') throw bad('ticker', 'empty ticker');
    ticker[i] = String(r.ticker);
    if (typeof r.date !== 'string' || !DATE.test(r.date)) throw bad('date', 'expected a date YYYY-MM-DD');
    date[i] = r.date;
    PRICE_COLUMNS.forEach((c, j) => {
      const v = r[c];
      const x = v === null ? NaN : typeof v === 'number' ? v : typeof v === 'string' ? parseCell(v, 0, v.length) : undefined;
      if (x === undefined || (!Number.isNaN(x) && !Number.isFinite(x))) throw bad(c, 'not a number');
      nums[j][i] = x;
    });
  });
  const [open, high, low, close, volume] = nums;
  return { ticker, date, open, high, low, close, volume };
}

/** Reads `ticker,date,open,high,low,close,volume` from CSV (streamed) or Parquet; extra columns are ignored. */
export async function readPriceColumns(file: string): Promise<PriceColumns> {
  if (tableFormat(file) === 'parquet') return priceColumnsFromTable(await readTable(file), file);
  const reader = new PriceCsvReader(file);
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) reader.push(chunk as string);
  } catch (error) {
    if (error instanceof PriceInputError) throw error;
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new PriceInputError(file, `cannot read the file: ${why}`);
  }
  return reader.end();
}

/** A growing byte buffer, so a large output is never one huge string (or a rope of a million lines). */
class ByteSink {
  private length = 0;

  constructor(private buf: Buffer) {}

  write(s: string): void {
    const need = this.length + s.length * 3;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, need));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * `ticker,date,<names…>` in frame order, as UTF-8 bytes; an empty cell where a value is missing (NaN, or not
 * finite). Numbers are written in JavaScript's shortest round-trip form, so a reader gets the exact double.
 */
export function featureCsv(frame: PriceFrame, names: readonly string[], columns: Record<string, Float64Array>): Buffer {
  const cols = names.map((n) => columns[n]);
  for (const [j, c] of cols.entries()) {
    if (!c || c.length !== rowCount(frame)) throw new RangeError(`column ${names[j]} does not match the frame`);
  }
  // Typical lines are ~25 bytes of key and ~20 per value; a good first guess saves copying on growth.
  const out = new ByteSink(Buffer.allocUnsafe(Math.min(2 ** 30, 4096 + rowCount(frame) * (25 + 20 * names.length))));
  out.write(`${['ticker', 'date', ...names].map(csvCell).join(',')}\n`);
  let batch = '';
  let rows = 0;
  for (let k = 0; k < frame.tickers.length; k++) {
    const ticker = `${csvCell(frame.tickers[k])},`;
    for (let i = frame.tickerStart[k]; i < frame.tickerStart[k + 1]; i++) {
      const d = frame.date[i];
      batch += ticker + (DATE.test(d) ? d : csvCell(d));
      for (let j = 0; j < cols.length; j++) {
        const v = cols[j][i];
        batch += v - v === 0 ? `,${v}` : ',';
      }
      batch += '\n';
      if (++rows === 1024) {
        out.write(batch);
        batch = '';
        rows = 0;
      }
    }
  }
  out.write(batch);
  return out.bytes();
}
