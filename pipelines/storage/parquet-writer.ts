/**
 * Streaming Parquet writer for wide numeric tables: typed arrays go straight into PLAIN, uncompressed v1 data pages
 * (one preallocated buffer per page, one positional write per page, the next page encoded while the previous one is
 * being written). Flat schema, every column OPTIONAL; nulls are carried by RLE/bit-packed definition levels.
 * Written from the Parquet format specification; page bodies are encoded in ./parquet-pages, Thrift metadata in
 * ./parquet-thrift. Statistics: null_count for every column chunk, min/max for all but strings.
 *
 * Atomic: data goes to `${file}.tmp-<random>` and is renamed over `file` only by close(), after an fsync.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ParquetWriteError, Scratch, booleanPage, describe, doublePage, int32Page, intFromDoublePage, parseDates, stringPage,
  type PageBody, type Stats,
} from './parquet-pages';
import {
  CompactWriter, ConvertedType, LogicalTypeId, PType, encodeDataPageHeader, encodeFileMetaData,
  type ColumnChunkMeta, type RowGroupMeta, type SchemaLeaf,
} from './parquet-thrift';

export type ParquetColumnType = 'string' | 'date' | 'double' | 'int32' | 'boolean';
export interface ParquetColumnSpec { name: string; type: ParquetColumnType }
/**
 * One row group's values for one column:
 * - string: (string | null)[]
 * - date: Int32Array of days since 1970-01-01, Float64Array of days with NaN = null, or (string | null)[] of YYYY-MM-DD
 * - double: Float64Array; NaN and ±Infinity are written as null
 * - int32: Int32Array, or Float64Array with NaN = null (other values must be integers in int32 range)
 * - boolean: Float64Array of 0 / 1 / NaN (= null), or Uint8Array of 0 / 1
 */
export type ParquetColumnData = ReadonlyArray<string | null> | Float64Array | Int32Array | Uint8Array;
export interface ParquetWriterOptions {
  createdBy?: string;
  keyValueMetadata?: Record<string, string>;
  /** Data pages are split above roughly this many value bytes (default 64 MiB). */
  pageSizeBytes?: number;
}
export interface ParquetWriteResult { rows: number; rowGroups: number; bytes: number }
export { ParquetWriteError };

const MAGIC = Buffer.from('PAR1', 'ascii');
const DEFAULT_PAGE_BYTES = 64 << 20;
const MAX_PAGE_ROWS = 1 << 24;
const PHYSICAL: Record<ParquetColumnType, SchemaLeaf['type']> = {
  string: PType.BYTE_ARRAY, date: PType.INT32, double: PType.DOUBLE, int32: PType.INT32, boolean: PType.BOOLEAN,
};
const VALUE_WIDTH: Record<ParquetColumnType, number> = { string: 1, date: 4, double: 8, int32: 4, boolean: 1 };

function fixedBytes(type: ParquetColumnType, v: number): Buffer {
  if (type === 'double') {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return b;
  }
  if (type === 'boolean') return Buffer.from([v]);
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

export class ParquetFileWriter {
  private fh: fs.FileHandle | null;
  private offset = MAGIC.length;
  private rows = 0;
  private readonly rowGroups: RowGroupMeta[] = [];
  private readonly slots = [new Scratch(), new Scratch()];
  private slot = 0;
  private pending: Promise<void> | null = null;
  private readonly hw = new CompactWriter(64);
  private readonly pageBytes: number;
  private state: 'open' | 'busy' | 'failed' | 'closed' | 'aborted' = 'open';

  private constructor(
    readonly file: string, private readonly temp: string, fh: fs.FileHandle,
    private readonly columns: ParquetColumnSpec[], private readonly opts: ParquetWriterOptions,
  ) {
    this.fh = fh;
    this.pageBytes = Math.max(1024, opts.pageSizeBytes ?? DEFAULT_PAGE_BYTES);
  }

  static async open(file: string, columns: ParquetColumnSpec[], opts: ParquetWriterOptions = {}): Promise<ParquetFileWriter> {
    if (os.endianness() !== 'LE') throw new ParquetWriteError('parquet writer needs a little-endian host');
    if (columns.length === 0) throw new ParquetWriteError('a Parquet file needs at least one column');
    const seen = new Set<string>();
    for (const c of columns) {
      if (typeof c.name !== 'string' || c.name === '') throw new ParquetWriteError('column names must be non-empty strings');
      if (seen.has(c.name)) throw new ParquetWriteError(`duplicate column "${c.name}"`, c.name);
      if (!Object.prototype.hasOwnProperty.call(PHYSICAL, c.type)) throw new ParquetWriteError(`column "${c.name}": unknown type ${JSON.stringify(c.type)}`, c.name);
      seen.add(c.name);
    }
    const dir = path.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    const temp = `${file}.tmp-${randomBytes(6).toString('hex')}`;
    const fh = await fs.open(temp, 'wx');
    const writer = new ParquetFileWriter(file, temp, fh, columns.map((c) => ({ name: c.name, type: c.type })), opts);
    try {
      await writer.writeAt(MAGIC, 0, MAGIC.length, 0);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer;
  }

  /**
   * Appends one row group (skipped when rowCount is 0); the arrays may be reused once this resolves. A ParquetWriteError
   * (bad input) drops the group and leaves the writer usable; any other error leaves it failed (abort() it).
   */
  async writeRowGroup(data: Record<string, ParquetColumnData>, rowCount: number): Promise<void> {
    if (this.state !== 'open') throw new ParquetWriteError(`cannot write a row group: writer is ${this.state}`);
    this.validate(data, rowCount);
    if (rowCount === 0) return;
    this.state = 'busy';
    const start = this.offset;
    try {
      const chunks: ColumnChunkMeta[] = [];
      for (const col of this.columns) chunks.push(await this.writeColumn(col, data[col.name], rowCount));
      await this.drain();
      this.rowGroups.push({ numRows: rowCount, fileOffset: start, totalSize: this.offset - start, columns: chunks });
      this.rows += rowCount;
      this.state = 'open';
    } catch (error) {
      await this.drain().catch(() => undefined);
      this.offset = start; // the partial row group is overwritten by the next one and cut off by close()
      if (this.state === 'busy') this.state = error instanceof ParquetWriteError ? 'open' : 'failed';
      throw error;
    }
  }

  /** Writes the footer, fsyncs, and renames the temp file over the target. */
  async close(): Promise<ParquetWriteResult> {
    if (this.state !== 'open') {
      if (this.state === 'failed') await this.abort();
      throw new ParquetWriteError(`cannot close: writer is ${this.state}`);
    }
    this.state = 'busy';
    const fh = this.fh!;
    try {
      const meta = encodeFileMetaData({
        schema: this.columns.map((c) => ({
          name: c.name, type: PHYSICAL[c.type],
          convertedType: c.type === 'string' ? ConvertedType.UTF8 : c.type === 'date' ? ConvertedType.DATE : undefined,
          logicalType: c.type === 'string' ? LogicalTypeId.STRING : c.type === 'date' ? LogicalTypeId.DATE : undefined,
        })),
        numRows: this.rows,
        rowGroups: this.rowGroups,
        keyValue: Object.entries(this.opts.keyValueMetadata ?? {}),
        createdBy: this.opts.createdBy ?? 'gogooku3 parquet-writer version 1.0.0',
      });
      const tail = Buffer.allocUnsafe(meta.length + 8);
      meta.copy(tail, 0);
      tail.writeUInt32LE(meta.length, meta.length);
      MAGIC.copy(tail, meta.length + 4);
      await this.writeAt(tail, 0, tail.length, this.offset);
      this.offset += tail.length;
      await fh.truncate(this.offset);
      await fh.sync();
      await fh.close();
      this.fh = null;
      await fs.rename(this.temp, this.file);
    } catch (error) {
      this.state = 'failed';
      await this.abort();
      throw error;
    }
    this.state = 'closed';
    const dir = await fs.open(path.dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return { rows: this.rows, rowGroups: this.rowGroups.length, bytes: this.offset };
  }

  /** Discards everything written: closes and removes the temp file; the target is untouched. Idempotent. */
  async abort(): Promise<void> {
    if (this.state === 'closed' || this.state === 'aborted') return;
    this.state = 'aborted';
    await this.drain().catch(() => undefined);
    if (this.fh) {
      const fh = this.fh;
      this.fh = null;
      await fh.close().catch(() => undefined);
    }
    await fs.rm(this.temp, { force: true });
  }

  private validate(data: Record<string, ParquetColumnData>, rowCount: number): void {
    if (!Number.isSafeInteger(rowCount) || rowCount < 0) throw new ParquetWriteError(`rowCount must be a non-negative integer, got ${rowCount}`);
    if (data === null || typeof data !== 'object') throw new ParquetWriteError('row group data must be an object of columns');
    const known = new Set(this.columns.map((c) => c.name));
    const unknown = Object.keys(data).filter((k) => !known.has(k));
    if (unknown.length > 0) throw new ParquetWriteError(`unknown column(s) ${unknown.map((k) => `"${k}"`).join(', ')}`, unknown[0]);
    for (const col of this.columns) {
      const v = Object.prototype.hasOwnProperty.call(data, col.name) ? data[col.name] : undefined;
      if (v === undefined) throw new ParquetWriteError(`missing column "${col.name}"`, col.name);
      const ok = col.type === 'string' ? Array.isArray(v)
        : col.type === 'date' ? Array.isArray(v) || v instanceof Int32Array || v instanceof Float64Array
          : col.type === 'double' ? v instanceof Float64Array
            : col.type === 'int32' ? v instanceof Int32Array || v instanceof Float64Array
              : v instanceof Float64Array || v instanceof Uint8Array;
      if (!ok) throw new ParquetWriteError(`column "${col.name}" (${col.type}): unsupported data ${describe(v)}`, col.name);
      if (v.length !== rowCount) throw new ParquetWriteError(`column "${col.name}" has ${v.length} values, expected ${rowCount}`, col.name);
    }
  }

  private async writeColumn(col: ParquetColumnSpec, data: ParquetColumnData, n: number): Promise<ColumnChunkMeta> {
    const first = this.offset;
    const st: Stats = { nulls: 0, min: Infinity, max: -Infinity };
    if (col.type === 'string') {
      const values = data as ReadonlyArray<string | null>;
      for (let from = 0; from < n;) {
        const l = stringPage(this.slots[this.slot], col.name, values, from, n, this.pageBytes, st);
        await this.emitPage(l);
        from += l.count;
      }
    } else {
      let src = data as Float64Array | Int32Array | Uint8Array;
      if (Array.isArray(data)) src = parseDates(col.name, data);
      else if (src instanceof Uint8Array) src = Float64Array.from(src);
      const step = Math.max(1, Math.min(MAX_PAGE_ROWS, Math.floor(this.pageBytes / VALUE_WIDTH[col.type])));
      for (let from = 0; from < n; from += step) {
        const to = Math.min(n, from + step);
        const slot = this.slots[this.slot];
        const l = src instanceof Int32Array ? int32Page(slot, src, from, to, st)
          : col.type === 'double' ? doublePage(slot, src as Float64Array, from, to, st)
            : col.type === 'boolean' ? booleanPage(slot, col.name, src as Float64Array, from, to, st)
              : intFromDoublePage(slot, col.name, src as Float64Array, from, to, st);
        await this.emitPage(l);
      }
    }
    const hasMinMax = col.type !== 'string' && st.nulls < n;
    return {
      type: PHYSICAL[col.type], path: col.name, numValues: n, totalSize: this.offset - first, dataPageOffset: first, nullCount: st.nulls,
      // Parquet ordering rule for doubles: a zero min is written as -0, a zero max as +0.
      min: hasMinMax ? fixedBytes(col.type, st.min === 0 ? -0 : st.min) : undefined,
      max: hasMinMax ? fixedBytes(col.type, st.max === 0 ? 0 : st.max) : undefined,
    };
  }

  /** Puts the PageHeader in front of the body, queues the write, and waits for the previous page's write. */
  private async emitPage(l: PageBody): Promise<void> {
    const size = l.end - l.base;
    this.hw.reset();
    encodeDataPageHeader(this.hw, { uncompressedSize: size, compressedSize: size, numValues: l.count });
    const header = this.hw.bytes();
    const start = l.base - header.length;
    l.slot.u8.set(header, start);
    const position = this.offset;
    this.offset += l.end - start;
    const previous = this.pending;
    const write = this.writeAt(l.slot.u8, start, l.end - start, position);
    write.catch(() => undefined);
    this.pending = write;
    this.slot ^= 1;
    if (previous) await previous;
  }

  private async drain(): Promise<void> {
    const p = this.pending;
    this.pending = null;
    if (p) await p;
  }

  private async writeAt(buf: Uint8Array, offset: number, length: number, position: number): Promise<void> {
    while (length > 0) {
      if (!this.fh) throw new ParquetWriteError(`writer is ${this.state}`);
      const { bytesWritten } = await this.fh.write(buf, offset, length, position);
      offset += bytesWritten;
      position += bytesWritten;
      length -= bytesWritten;
    }
  }
}

/** One-shot: writes `data` as a single row group and closes (removing the temp file on any error). */
export async function writeParquetFile(
  file: string, columns: ParquetColumnSpec[], data: Record<string, ParquetColumnData>, rowCount: number, opts?: ParquetWriterOptions,
): Promise<ParquetWriteResult> {
  const writer = await ParquetFileWriter.open(file, columns, opts);
  try {
    await writer.writeRowGroup(data, rowCount);
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
