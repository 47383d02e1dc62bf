/**
 * Price files → PriceColumns: the `--prices` input of `features compute`.
 *
 * A CSV or Parquet file with the columns ticker,date,open,high,low,close,volume (split-adjusted; in any order;
 * an empty cell or null is missing). Read as well when the file has them, for the features that need them:
 *   turnover_value           traded value in yen (→ aux.turnover)
 *   upper_limit, lower_limit price-limit flags: true/false (any case) or 1/0; empty is missing
 *   sector33                 TSE 33-sector code as text, e.g. "3050"; empty is missing
 * Every other column is ignored.
 *
 * CSV is read in chunks straight into Float64Arrays: no row objects and no string per numeric cell (numbers
 * are parsed from the line's characters), since `features compute` is benchmarked on millions of rows.
 * RFC 4180 quoting is honoured on the rare lines that contain a quote. Parquet goes through
 * contracts/tabular (DuckDB), whose row objects are acceptable for that less common input.
 */
import { createReadStream } from 'node:fs';
import { readTable, tableFormat, type Table } from '../../contracts/tabular';
import { PRICE_COLUMNS, type AuxColumn, type PriceColumns } from './frame';

/** Moved to ./feature-csv; re-exported for existing importers. */
export { featureCsv } from './feature-csv';

export const PRICE_FILE_COLUMNS = ['ticker', 'date', ...PRICE_COLUMNS] as const;

/** Read when the header has them; a column the file lacks is absent from the result (no aux key, no sector33). */
export const OPTIONAL_PRICE_COLUMNS = ['turnover_value', 'upper_limit', 'lower_limit', 'sector33'] as const;
export type OptionalPriceColumn = (typeof OPTIONAL_PRICE_COLUMNS)[number];

/** Every column a reader takes, required then optional; CSV `bounds` are indexed by it. */
const COLUMNS = [...PRICE_FILE_COLUMNS, ...OPTIONAL_PRICE_COLUMNS] as const;
/** The aux column each numeric optional column fills. */
const AUX_OF = { turnover_value: 'turnover', upper_limit: 'upper_limit', lower_limit: 'lower_limit' } as const satisfies Record<Exclude<OptionalPriceColumn, 'sector33'>, AuxColumn>;
type NumericOptional = keyof typeof AUX_OF;
const NUMERIC_OPTIONAL = Object.keys(AUX_OF) as NumericOptional[];
const TURNOVER = COLUMNS.indexOf('turnover_value');
const SECTOR = COLUMNS.indexOf('sector33');
const NOT_A_FLAG = 'not a flag (expected true, false, 1 or 0)';

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

/** Whether s[a, a + word.length) is `word` (lower case ASCII letters), ignoring case; allocation-free. */
function isWord(s: string, a: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((s.charCodeAt(a + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** A flag cell: 1 for 1/true, 0 for 0/false (true/false in any case), NaN for an empty cell, else undefined. */
export function parseFlag(s: string, a: number, b: number): number | undefined {
  switch (b - a) {
    case 0: return NaN;
    case 1: { const c = s.charCodeAt(a); return c === 49 ? 1 : c === 48 ? 0 : undefined; }
    case 4: return isWord(s, a, 'true') ? 1 : undefined;
    case 5: return isWord(s, a, 'false') ? 0 : undefined;
    default: return undefined;
  }
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
  /** Index of each COLUMNS column in the file's header; −1 for an optional column the file lacks. */
  private index: number[] | null = null;
  /** The COLUMNS indexes the file has, ascending. */
  private present: number[] = [];
  /** For each field of the file, its COLUMNS index or −1. */
  private want: Int32Array | null = null;
  private width = 0;
  private n = 0;
  private readonly ticker: string[] = [];
  private readonly date: string[] = [];
  private nums: Float64Array[] = PRICE_COLUMNS.map(() => new Float64Array(1 << 14));
  private readonly dates = new Map<string, string>();
  private lastTicker = '';
  private readonly bounds = new Int32Array(2 * COLUMNS.length);
  /** Whether the file has any optional column (else a row costs one test more), which numeric ones, their values. */
  private extra = false;
  private auxColumns: number[] = [];
  private aux: Float64Array[] = [];
  private sector: Array<string | null> | null = null;
  private lastSector = '';

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
    const cols: PriceColumns = { ticker: this.ticker, date: this.date, open, high, low, close, volume };
    if (this.auxColumns.length > 0) {
      const aux: NonNullable<PriceColumns['aux']> = {};
      this.auxColumns.forEach((c, k) => { aux[AUX_OF[COLUMNS[c] as NumericOptional]] = this.aux[k].slice(0, this.n); });
      cols.aux = aux;
    }
    if (this.sector) cols.sector33 = this.sector;
    return cols;
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
        for (let k = 0; k < this.present.length; k++) {
          const c = this.present[k];
          b[2 * c] = str.length;
          str += parts[this.index[c]];
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
    if (i >= this.nums[0].length) {
      this.nums = this.nums.map((a) => grow(a, i));
      this.aux = this.aux.map((a) => grow(a, i));
    }
    for (let c = 0; c < PRICE_COLUMNS.length; c++) {
      const v = parseCell(str, b[2 * c + 4], b[2 * c + 5]);
      if (v === undefined) throw this.bad(line, row, c + 2, str, 'not a number');
      this.nums[c][i] = v;
    }
    if (this.extra) this.optional(str, line, row, i);
    this.ticker.push(ticker);
    this.date.push(date);
    this.n++;
  }

  /** Reads row i's optional columns from the located fields (as record() reads the required ones). */
  private optional(str: string, line: number, row: number, i: number): void {
    const b = this.bounds;
    for (let k = 0; k < this.auxColumns.length; k++) {
      const c = this.auxColumns[k];
      const number = c === TURNOVER;
      const v = number ? parseCell(str, b[2 * c], b[2 * c + 1]) : parseFlag(str, b[2 * c], b[2 * c + 1]);
      if (v === undefined) throw this.bad(line, row, c, str, number ? 'not a number' : NOT_A_FLAG);
      this.aux[k][i] = v;
    }
    if (this.sector) {
      const a = b[2 * SECTOR];
      const e = b[2 * SECTOR + 1];
      const last = this.lastSector; // rows come grouped by ticker: the code is nearly always the previous row's
      this.sector.push(a === e ? null : e - a === last.length && str.startsWith(last, a) ? last : (this.lastSector = str.slice(a, e)));
    }
  }

  private bad(line: number, row: number, c: number, str: string, why: string): PriceInputError {
    const cell = str.slice(this.bounds[2 * c], this.bounds[2 * c + 1]);
    return this.fail(line, `row ${row}, column ${COLUMNS[c]}: ${why}: ${JSON.stringify(cell)}`);
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
    const index = COLUMNS.map((c) => names.indexOf(c));
    this.index = index;
    this.want = new Int32Array(names.length).fill(-1);
    this.present = COLUMNS.map((_, c) => c).filter((c) => index[c] >= 0);
    for (const c of this.present) this.want[index[c]] = c;
    this.auxColumns = NUMERIC_OPTIONAL.map((name) => COLUMNS.indexOf(name)).filter((c) => index[c] >= 0);
    this.aux = this.auxColumns.map(() => new Float64Array(this.nums[0].length));
    this.sector = index[SECTOR] >= 0 ? [] : null;
    this.extra = this.auxColumns.length > 0 || this.sector !== null;
    this.width = names.length;
  }
}

type TableCell = Table['rows'][number][string];

/** A table cell as a number (finite, or numeric text), or as a flag (BOOLEAN, 0/1, flag text); null is NaN. */
function tableNumber(v: TableCell): number | undefined {
  const x = v === null ? NaN : typeof v === 'number' ? v : typeof v === 'string' ? parseCell(v, 0, v.length) : undefined;
  return x === undefined || (!Number.isNaN(x) && !Number.isFinite(x)) ? undefined : x;
}
const tableFlag = (v: TableCell): number | undefined =>
  v === null ? NaN : typeof v === 'boolean' ? Number(v) : typeof v === 'string' ? parseFlag(v, 0, v.length) : v === 0 || v === 1 ? v : undefined;

/** Columns from a table read by contracts/tabular (Parquet): plain values, null for missing; integer sector33 → its digits. */
export function priceColumnsFromTable(table: Table, file: string): PriceColumns {
  const missing = PRICE_FILE_COLUMNS.filter((c) => !table.header.includes(c));
  if (missing.length > 0) throw new PriceInputError(file, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (columns: ${table.header.join(',')})`);
  const n = table.rows.length;
  const nums = PRICE_COLUMNS.map(() => new Float64Array(n));
  const ticker: string[] = new Array<string>(n);
  const date: string[] = new Array<string>(n);
  const auxNames = NUMERIC_OPTIONAL.filter((c) => table.header.includes(c));
  const aux = auxNames.map(() => new Float64Array(n));
  const sector33 = table.header.includes('sector33') ? new Array<string | null>(n) : undefined;
  table.rows.forEach((r, i) => {
    const bad = (c: string, why: string) => new PriceInputError(file, `row ${i + 1}, column ${c}: ${why}: ${JSON.stringify(r[c])}`);
    if (r.ticker === null || r.ticker === '') throw bad('ticker', 'empty ticker');
    ticker[i] = String(r.ticker);
    if (typeof r.date !== 'string' || !DATE.test(r.date)) throw bad('date', 'expected a date YYYY-MM-DD');
    date[i] = r.date;
    PRICE_COLUMNS.forEach((c, j) => {
      const x = tableNumber(r[c]);
      if (x === undefined) throw bad(c, 'not a number');
      nums[j][i] = x;
    });
    auxNames.forEach((c, k) => {
      const x = c === 'turnover_value' ? tableNumber(r[c]) : tableFlag(r[c]);
      if (x === undefined) throw bad(c, c === 'turnover_value' ? 'not a number' : NOT_A_FLAG);
      aux[k][i] = x;
    });
    if (sector33) {
      const v = r.sector33;
      if (v !== null && typeof v !== 'string' && !Number.isSafeInteger(v)) throw bad('sector33', 'expected a sector code');
      sector33[i] = v === null || v === '' ? null : String(v);
    }
  });
  const [open, high, low, close, volume] = nums;
  const cols: PriceColumns = { ticker, date, open, high, low, close, volume };
  if (auxNames.length > 0) cols.aux = Object.fromEntries(auxNames.map((c, k) => [AUX_OF[c], aux[k]]));
  if (sector33) cols.sector33 = sector33;
  return cols;
}

/**
 * Reads a price file, CSV (streamed) or Parquet: the columns ticker,date,open,high,low,close,volume, required,
 * and the OPTIONAL_PRICE_COLUMNS the file has — turnover_value into aux.turnover, the flags upper_limit and
 * lower_limit (true/false/1/0 → 1/0, empty → NaN) into aux, sector33 as text (empty → null). An optional
 * column the file lacks is absent from the result; any other column is ignored. Throws PriceInputError naming
 * the file (and for CSV the line) for an unreadable file, a missing required column or a bad cell.
 */
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
