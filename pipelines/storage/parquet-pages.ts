/**
 * Data-page body encoders for the Parquet writer (./parquet-writer): PLAIN values, definition levels (max level 1)
 * in the RLE/bit-packed hybrid with its 4-byte length prefix. Each encoder fills one reusable scratch buffer:
 *
 *   [ reserve for PageHeader | u32 level length | level header | level bitmap ][ values, 8-byte aligned … ]
 *                                                                             ^ valuesStart
 * The level section is laid out backwards from valuesStart once the null count is known, so values can be written
 * (compacted, nulls omitted) in the same pass that finds the nulls. Hot loops are per type, with no per-value calls.
 */

/** Bad input (schema, lengths, values) or misuse; names the column and row when one is at fault. */
export class ParquetWriteError extends Error {
  constructor(message: string, readonly column?: string, readonly row?: number) {
    super(message);
    this.name = 'ParquetWriteError';
  }
}

/** Room in front of each page body for its PageHeader (ours are under 32 bytes). */
export const HEADER_RESERVE = 64;

/** Running column-chunk statistics over non-null values. */
export interface Stats { nulls: number; min: number; max: number }

/** A reusable page buffer; the Float64Array/Int32Array views need its ArrayBuffer to start at byte 0. */
export class Scratch {
  ab = new ArrayBuffer(0);
  u8 = Buffer.alloc(0);
  ensure(n: number): void {
    if (this.ab.byteLength >= n) return;
    this.ab = new ArrayBuffer(Math.ceil(Math.max(n, this.ab.byteLength * 1.5) / 65536) * 65536);
    this.u8 = Buffer.from(this.ab);
  }
}

/** A page body in a Scratch: bytes [base, end), `count` values including nulls. */
export interface PageBody { slot: Scratch; base: number; end: number; count: number }

function varintLen(n: number): number {
  let len = 1;
  while (n >= 0x80) { n = Math.floor(n / 0x80); len++; }
  return len;
}

function putVarint(u8: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) { u8[p++] = (n % 0x80) | 0x80; n = Math.floor(n / 0x80); }
  u8[p++] = n;
  return p;
}

/** Sizes the scratch for `count` values of at most `valuesCap` bytes; returns valuesStart (bitmap ends there). */
function prepare(s: Scratch, count: number, valuesCap: number): number {
  const groups = Math.ceil(count / 8);
  const valuesStart = Math.ceil((HEADER_RESERVE + 4 + varintLen(groups * 2 + 1) + groups) / 8) * 8;
  s.ensure(valuesStart + valuesCap);
  return valuesStart;
}

/**
 * Writes the level section in front of valuesStart and returns the body's base. With some nulls the bitmap already at
 * [valuesStart - groups, valuesStart) becomes one bit-packed run; otherwise a single RLE run (all 1 or all 0) replaces it.
 */
function finishLevels(s: Scratch, valuesStart: number, count: number, nulls: number): number {
  const u8 = s.u8;
  let defStart: number;
  if (nulls > 0 && nulls < count) {
    const groups = Math.ceil(count / 8);
    defStart = valuesStart - groups - varintLen(groups * 2 + 1);
    putVarint(u8, defStart, groups * 2 + 1);
  } else {
    defStart = valuesStart - varintLen(count * 2) - 1;
    const p = putVarint(u8, defStart, count * 2);
    u8[p] = nulls === 0 ? 1 : 0;
  }
  u8.writeUInt32LE(valuesStart - defStart, defStart - 4);
  return defStart - 4;
}

/*
 * Hot loops live in small kernel functions called once per block of BLOCK values. V8 then optimizes each kernel as a
 * whole; a long loop inside a page function would be optimized on-stack mid-call, without type feedback for the code
 * after the loop, and be deoptimized and recompiled on every page (measured 5x slower).
 */
const BLOCK = 1 << 16; // a multiple of 8, so blocks start on bitmap byte boundaries
/** Running [min, max] shared with the kernels. */
const MM = new Float64Array(2);
/** Kernels report an invalid value's index here and return -1. */
const BAD = new Float64Array(1);

function doubleKernel(src: Float64Array, i: number, end: number, dst: Float64Array, k: number, bm: Uint8Array, p: number): number {
  let min = MM[0], max = MM[1];
  for (; i < end; i += 8) {
    const lim = end - i < 8 ? end - i : 8; // one loop shape for full and partial bitmap bytes
    let bits = 0;
    for (let b = 0; b < lim; b++) {
      const v = src[i + b];
      if (v - v === 0) { // finite; NaN and ±Infinity are nulls
        dst[k++] = v;
        bits |= 1 << b;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    bm[p++] = bits;
  }
  MM[0] = min; MM[1] = max;
  return k;
}

/** DOUBLE: one pass writes the null bitmap and the compacted values, and tracks min/max. */
export function doublePage(s: Scratch, src: Float64Array, from: number, to: number, st: Stats): PageBody {
  const count = to - from;
  const valuesStart = prepare(s, count, count * 8);
  const dst = new Float64Array(s.ab, valuesStart, count);
  const bmStart = valuesStart - Math.ceil(count / 8);
  MM[0] = st.min; MM[1] = st.max;
  let k = 0;
  for (let i = from; i < to; i += BLOCK) k = doubleKernel(src, i, Math.min(to, i + BLOCK), dst, k, s.u8, bmStart + ((i - from) >> 3));
  st.min = MM[0]; st.max = MM[1]; st.nulls += count - k;
  return { slot: s, base: finishLevels(s, valuesStart, count, count - k), end: valuesStart + k * 8, count };
}

function int32StatsKernel(src: Int32Array, i: number, end: number): void {
  let min = MM[0], max = MM[1];
  for (; i < end; i++) {
    const v = src[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  MM[0] = min; MM[1] = max;
}

/** INT32 (or DATE days) from an Int32Array: no nulls, bytes copied as they are. */
export function int32Page(s: Scratch, src: Int32Array, from: number, to: number, st: Stats): PageBody {
  const count = to - from;
  const valuesStart = prepare(s, count, count * 4);
  MM[0] = st.min; MM[1] = st.max;
  for (let i = from; i < to; i += BLOCK) int32StatsKernel(src, i, Math.min(to, i + BLOCK));
  st.min = MM[0]; st.max = MM[1];
  s.u8.set(new Uint8Array(src.buffer, src.byteOffset + from * 4, count * 4), valuesStart);
  return { slot: s, base: finishLevels(s, valuesStart, count, 0), end: valuesStart + count * 4, count };
}

function intKernel(src: Float64Array, i: number, end: number, from: number, dst: Int32Array, k: number, bm: Uint8Array, bmStart: number): number {
  let min = MM[0], max = MM[1];
  for (; i < end; i++) {
    const v = src[i];
    if (v !== v) continue;
    if ((v | 0) !== v) { BAD[0] = i; return -1; }
    dst[k++] = v;
    bm[bmStart + ((i - from) >> 3)] |= 1 << ((i - from) & 7);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  MM[0] = min; MM[1] = max;
  return k;
}

/** INT32 (or DATE days) from a Float64Array: NaN is null, anything else must be an int32 (else names the row). */
export function intFromDoublePage(s: Scratch, col: string, src: Float64Array, from: number, to: number, st: Stats): PageBody {
  const count = to - from;
  const valuesStart = prepare(s, count, count * 4);
  const dst = new Int32Array(s.ab, valuesStart, count);
  const bmStart = valuesStart - Math.ceil(count / 8);
  s.u8.fill(0, bmStart, valuesStart);
  MM[0] = st.min; MM[1] = st.max;
  let k = 0;
  for (let i = from; i < to; i += BLOCK) {
    k = intKernel(src, i, Math.min(to, i + BLOCK), from, dst, k, s.u8, bmStart);
    if (k < 0) {
      const row = BAD[0];
      throw new ParquetWriteError(`column "${col}" row ${row}: ${src[row]} is not an int32`, col, row);
    }
  }
  st.min = MM[0]; st.max = MM[1]; st.nulls += count - k;
  return { slot: s, base: finishLevels(s, valuesStart, count, count - k), end: valuesStart + k * 4, count };
}

function booleanKernel(src: Float64Array, i: number, end: number, from: number, u8: Uint8Array, valuesStart: number, k: number, bmStart: number): number {
  let min = MM[0], max = MM[1];
  for (; i < end; i++) {
    const v = src[i];
    if (v !== v) continue;
    if (v !== 0 && v !== 1) { BAD[0] = i; return -1; }
    if (v === 1) u8[valuesStart + (k >> 3)] |= 1 << (k & 7);
    k++;
    u8[bmStart + ((i - from) >> 3)] |= 1 << ((i - from) & 7);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  MM[0] = min; MM[1] = max;
  return k;
}

/** BOOLEAN from 0 / 1 / NaN (= null): values PLAIN bit-packed LSB first, nulls omitted. */
export function booleanPage(s: Scratch, col: string, src: Float64Array, from: number, to: number, st: Stats): PageBody {
  const count = to - from;
  const valuesStart = prepare(s, count, Math.ceil(count / 8));
  const bmStart = valuesStart - Math.ceil(count / 8);
  s.u8.fill(0, bmStart, valuesStart + Math.ceil(count / 8));
  MM[0] = st.min; MM[1] = st.max;
  let k = 0;
  for (let i = from; i < to; i += BLOCK) {
    k = booleanKernel(src, i, Math.min(to, i + BLOCK), from, s.u8, valuesStart, k, bmStart);
    if (k < 0) {
      const row = BAD[0];
      throw new ParquetWriteError(`column "${col}" row ${row}: ${src[row]} is not a boolean (0, 1 or NaN)`, col, row);
    }
  }
  st.min = MM[0]; st.max = MM[1]; st.nulls += count - k;
  return { slot: s, base: finishLevels(s, valuesStart, count, count - k), end: valuesStart + Math.ceil(k / 8), count };
}

/** Page sizing for strings: advances while the worst-case size fits; returns the end row, or -1 (BAD) on a non-string. */
function stringScanKernel(src: ReadonlyArray<string | null>, i: number, end: number, first: boolean, limit: number): number {
  let bound = MM[0], nulls = MM[1];
  for (; i < end; i++) {
    const v = src[i];
    if (v == null) { nulls++; continue; }
    if (typeof v !== 'string') { BAD[0] = i; return -1; }
    const add = 4 + 3 * v.length; // a UTF-16 code unit takes at most 3 UTF-8 bytes
    if (bound + add > limit && !(first && bound === 0)) break;
    bound += add;
  }
  MM[0] = bound; MM[1] = nulls;
  return i;
}

function stringKernel(src: ReadonlyArray<string | null>, i: number, end: number, from: number, u8: Buffer, p: number, bmStart: number): number {
  for (; i < end; i++) {
    const v = src[i];
    if (v == null) continue;
    u8[bmStart + ((i - from) >> 3)] |= 1 << ((i - from) & 7);
    const len = v.length;
    let bytes = 0;
    if (len <= 32) { // short ASCII strings (codes, tickers) without a native call
      for (; bytes < len; bytes++) {
        const c = v.charCodeAt(bytes);
        if (c > 0x7f) break;
        u8[p + 4 + bytes] = c;
      }
      if (bytes < len) bytes = u8.write(v, p + 4, 'utf8');
    } else {
      bytes = u8.write(v, p + 4, 'utf8');
    }
    u8[p] = bytes & 0xff;
    u8[p + 1] = (bytes >>> 8) & 0xff;
    u8[p + 2] = (bytes >>> 16) & 0xff;
    u8[p + 3] = bytes >>> 24;
    p += 4 + bytes;
  }
  return p;
}

/** BYTE_ARRAY (UTF-8) from strings; takes rows from `from` until the page's worst-case size passes `pageBytes`. */
export function stringPage(
  s: Scratch, col: string, src: ReadonlyArray<string | null>, from: number, n: number, pageBytes: number, st: Stats,
): PageBody {
  MM[0] = 0; MM[1] = 0;
  let to = from;
  while (to < n) {
    const end = Math.min(n, to + BLOCK);
    const stop = stringScanKernel(src, to, end, to === from, pageBytes);
    if (stop < 0) {
      const row = BAD[0];
      throw new ParquetWriteError(`column "${col}" row ${row}: ${describe(src[row])} is not a string`, col, row);
    }
    to = stop;
    if (stop < end) break;
  }
  const bound = MM[0], nulls = MM[1];
  const count = to - from;
  const valuesStart = prepare(s, count, bound);
  const bmStart = valuesStart - Math.ceil(count / 8);
  s.u8.fill(0, bmStart, valuesStart);
  let p = valuesStart;
  for (let i = from; i < to; i += BLOCK) p = stringKernel(src, i, Math.min(to, i + BLOCK), from, s.u8, p, bmStart);
  st.nulls += nulls;
  return { slot: s, base: finishLevels(s, valuesStart, count, nulls), end: p, count };
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return v === null ? 'null' : typeof v;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** YYYY-MM-DD strings → days since 1970-01-01 (NaN for null); an invalid date names its row. */
export function parseDates(col: string, values: ReadonlyArray<string | null>): Float64Array {
  const out = new Float64Array(values.length);
  const d = new Date(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) { out[i] = NaN; continue; }
    const m = typeof v === 'string' ? DATE_RE.exec(v) : null;
    if (m) {
      const y = +m[1], mo = +m[2] - 1, day = +m[3];
      d.setTime(0);
      d.setUTCFullYear(y, mo, day); // unlike Date.UTC, no 19xx mapping for years < 100
      if (d.getUTCFullYear() === y && d.getUTCMonth() === mo && d.getUTCDate() === day) { out[i] = d.getTime() / MS_PER_DAY; continue; }
    }
    throw new ParquetWriteError(`column "${col}" row ${i}: ${JSON.stringify(v)} is not a YYYY-MM-DD date`, col, i);
  }
  return out;
}
