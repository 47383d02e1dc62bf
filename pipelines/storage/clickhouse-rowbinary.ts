/**
 * RowBinary for the column types the lake writes. Loads use it instead of a text format because it is exact:
 * a Float64 travels as its eight bytes, so what the DWH holds has the same checksum as what the run produced
 * (text parsers of older servers may round the last bit). LowCardinality is transparent in RowBinary.
 */
import type { ColumnSpec, Row, Scalar } from './types';

const DAY_MS = 86_400_000;
const NULLABLE_KEYS = new Set(['ticker', 'date']);

/** Whether a column is written with a null flag; matches clickhouseType (key columns are NOT NULL). */
export function isNullable(column: ColumnSpec): boolean {
  return !NULLABLE_KEYS.has(column.name);
}

class Writer {
  private buffer = Buffer.allocUnsafe(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buffer[this.length++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.buffer.writeUInt16LE(v, this.length);
    this.length += 2;
  }

  f64(v: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  i64(v: bigint): void {
    this.reserve(8);
    this.buffer.writeBigInt64LE(v, this.length);
    this.length += 8;
  }

  string(v: string): void {
    const bytes = Buffer.byteLength(v);
    let n = bytes;
    this.reserve(bytes + 10);
    do {
      let byte = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      this.buffer[this.length++] = byte;
    } while (n > 0);
    this.length += this.buffer.write(v, this.length);
  }

  take(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function dateToDays(value: Scalar, column: string): number {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  // Date.parse rolls 2024-02-30 over to March; a real date prints back as itself.
  const real = Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
  if (!real || ms < 0 || ms / DAY_MS > 65_535) throw new Error(`column ${column}: ${JSON.stringify(value)} is not a date ClickHouse's Date holds (1970-01-01 … 2149-06-06)`);
  return ms / DAY_MS;
}

/** Rows → RowBinary in the given column order. A NaN double is written as NULL (the lake's meaning of NaN). */
export function encodeRowBinary(columns: readonly ColumnSpec[], rows: readonly Row[]): Buffer {
  if (columns.length === 0) throw new Error('RowBinary needs at least one column');
  const w = new Writer();
  const nullable = columns.map(isNullable);
  for (const row of rows) {
    for (let ci = 0; ci < columns.length; ci++) {
      const { name, type } = columns[ci];
      const value = row[name] ?? null;
      const missing = value === null || (type === 'double' && typeof value === 'number' && Number.isNaN(value));
      if (nullable[ci]) {
        w.u8(missing ? 1 : 0);
        if (missing) continue;
      } else if (missing) {
        throw new Error(`column ${name} is a key column and may not be null`);
      }
      switch (type) {
        case 'string': w.string(String(value)); break;
        case 'date': w.u16(dateToDays(value, name)); break;
        case 'double': w.f64(Number(value)); break;
        case 'integer': w.i64(BigInt(value as number)); break;
        case 'boolean': w.u8(value ? 1 : 0); break;
        case 'timestamp': w.i64(BigInt(Date.parse(String(value)))); break;
      }
    }
  }
  return w.take();
}

/** RowBinary (as `SELECT <columns> … FORMAT RowBinary` returns it) → rows typed like the lake's. */
export function decodeRowBinary(columns: readonly ColumnSpec[], bytes: Uint8Array): Row[] {
  if (columns.length === 0) throw new Error('RowBinary needs at least one column');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nullable = columns.map(isNullable);
  const rows: Row[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw new Error(`RowBinary truncated at byte ${at} (row ${rows.length})`);
  };
  while (at < buf.length) {
    const row: Row = {};
    for (let ci = 0; ci < columns.length; ci++) {
      const { name, type } = columns[ci];
      if (nullable[ci]) {
        need(1);
        if (buf[at++] === 1) {
          row[name] = null;
          continue;
        }
      }
      switch (type) {
        case 'string': {
          let n = 0;
          let shift = 1;
          for (;;) {
            need(1);
            const byte = buf[at++];
            n += (byte & 0x7f) * shift;
            if ((byte & 0x80) === 0) break;
            shift *= 128;
          }
          need(n);
          row[name] = buf.toString('utf8', at, at + n);
          at += n;
          break;
        }
        case 'date':
          need(2);
          row[name] = new Date(buf.readUInt16LE(at) * DAY_MS).toISOString().slice(0, 10);
          at += 2;
          break;
        case 'double':
          need(8);
          row[name] = buf.readDoubleLE(at);
          at += 8;
          break;
        case 'integer':
          need(8);
          row[name] = Number(buf.readBigInt64LE(at));
          at += 8;
          break;
        case 'boolean':
          need(1);
          row[name] = buf[at++] === 1;
          break;
        case 'timestamp':
          need(8);
          row[name] = new Date(Number(buf.readBigInt64LE(at))).toISOString();
          at += 8;
          break;
      }
    }
    rows.push(row);
  }
  return rows;
}
