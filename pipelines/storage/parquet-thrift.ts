/**
 * Thrift compact-protocol encoder for the Parquet metadata this writer emits (PageHeader, FileMetaData), written from
 * the Thrift compact protocol spec and parquet-format's parquet.thrift. Encode-only and limited to the struct shapes
 * we produce; every integer we emit is < 2^53, so plain Number arithmetic is exact.
 */

/** Compact-protocol wire types (field headers and list element types). */
const CT_BOOL_TRUE = 1;
const CT_BOOL_FALSE = 2;
const CT_I16 = 4;
const CT_I32 = 5;
const CT_I64 = 6;
const CT_BINARY = 8;
const CT_LIST = 9;
const CT_STRUCT = 12;

/** parquet.thrift enums we use. */
export const PType = { BOOLEAN: 0, INT32: 1, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
export const ConvertedType = { UTF8: 0, DATE: 6 } as const;
export const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
export const Encoding = { PLAIN: 0, RLE: 3 } as const;
export const Codec = { UNCOMPRESSED: 0 } as const;
export const PageType = { DATA_PAGE: 0 } as const;
/** LogicalType union member ids. */
export const LogicalTypeId = { STRING: 1, DATE: 6 } as const;

/** Growable byte sink with compact-protocol primitives; tracks the last field id per nested struct. */
export class CompactWriter {
  private buf: Buffer;
  private pos = 0;
  private lastField = 0;
  private readonly stack: number[] = [];

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  /** Empties the writer for reuse (keeps its buffer). */
  reset(): void {
    this.pos = 0;
    this.lastField = 0;
    this.stack.length = 0;
  }

  /** The encoded bytes (a view; copy before reusing the writer). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint (ULEB128) of a non-negative integer < 2^53. */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  private zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private fieldHeader(type: number, id: number): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) {
      this.byte((delta << 4) | type);
    } else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField = id;
  }

  i16(id: number, v: number): void {
    this.fieldHeader(CT_I16, id);
    this.zigzag(v);
  }

  i32(id: number, v: number): void {
    this.fieldHeader(CT_I32, id);
    this.zigzag(v);
  }

  i64(id: number, v: number): void {
    this.fieldHeader(CT_I64, id);
    this.zigzag(v);
  }

  bool(id: number, v: boolean): void {
    this.fieldHeader(v ? CT_BOOL_TRUE : CT_BOOL_FALSE, id);
  }

  private rawBinary(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  binary(id: number, bytes: Uint8Array): void {
    this.fieldHeader(CT_BINARY, id);
    this.rawBinary(bytes);
  }

  string(id: number, s: string): void {
    this.binary(id, Buffer.from(s, 'utf8'));
  }

  /** Opens a nested struct field; close it with `end()`. */
  struct(id: number): void {
    this.fieldHeader(CT_STRUCT, id);
    this.push();
  }

  /** Opens a struct that is a list element (no field header); close it with `end()`. */
  element(): void {
    this.push();
  }

  private push(): void {
    this.stack.push(this.lastField);
    this.lastField = 0;
  }

  /** Writes the stop byte and returns to the enclosing struct. */
  end(): void {
    this.byte(0);
    this.lastField = this.stack.pop() ?? 0;
  }

  private listHeader(id: number, elemType: number, size: number): void {
    this.fieldHeader(CT_LIST, id);
    if (size < 15) {
      this.byte((size << 4) | elemType);
    } else {
      this.byte(0xf0 | elemType);
      this.varint(size);
    }
  }

  /** list<struct>: header only; then write `size` elements with `element()` … `end()`. */
  structList(id: number, size: number): void {
    this.listHeader(id, CT_STRUCT, size);
  }

  i32List(id: number, values: readonly number[]): void {
    this.listHeader(id, CT_I32, values.length);
    for (const v of values) this.zigzag(v);
  }

  stringList(id: number, values: readonly string[]): void {
    this.listHeader(id, CT_BINARY, values.length);
    for (const v of values) this.rawBinary(Buffer.from(v, 'utf8'));
  }
}

export interface PageHeaderFields {
  uncompressedSize: number;
  compressedSize: number;
  numValues: number;
}

/** Encodes a v1 DATA_PAGE PageHeader (PLAIN values, RLE definition and repetition levels). */
export function encodeDataPageHeader(w: CompactWriter, h: PageHeaderFields): void {
  w.i32(1, PageType.DATA_PAGE);
  w.i32(2, h.uncompressedSize);
  w.i32(3, h.compressedSize);
  w.struct(5);
  w.i32(1, h.numValues);
  w.i32(2, Encoding.PLAIN);
  w.i32(3, Encoding.RLE);
  w.i32(4, Encoding.RLE);
  w.end();
  w.end();
}

export interface SchemaLeaf {
  name: string;
  type: number;
  convertedType?: number;
  logicalType?: number;
}

export interface ColumnChunkMeta {
  type: number;
  path: string;
  numValues: number;
  totalSize: number;
  dataPageOffset: number;
  nullCount: number;
  min?: Uint8Array;
  max?: Uint8Array;
}

export interface RowGroupMeta {
  numRows: number;
  fileOffset: number;
  totalSize: number;
  columns: ColumnChunkMeta[];
}

export interface FileMeta {
  schema: SchemaLeaf[];
  numRows: number;
  rowGroups: RowGroupMeta[];
  keyValue: [string, string][];
  createdBy: string;
}

function encodeColumnChunk(w: CompactWriter, c: ColumnChunkMeta): void {
  w.element();
  w.i64(2, 0); // file_offset: deprecated; 0 = no ColumnMetaData outside the footer (parquet.thrift's guidance)
  w.struct(3);
  w.i32(1, c.type);
  w.i32List(2, [Encoding.PLAIN, Encoding.RLE]);
  w.stringList(3, [c.path]);
  w.i32(4, Codec.UNCOMPRESSED);
  w.i64(5, c.numValues);
  w.i64(6, c.totalSize);
  w.i64(7, c.totalSize);
  w.i64(9, c.dataPageOffset);
  w.struct(12);
  w.i64(3, c.nullCount);
  if (c.max && c.min) {
    w.binary(5, c.max);
    w.binary(6, c.min);
  }
  w.end();
  w.end();
  w.end();
}

/** Encodes FileMetaData (version 1) with column_orders TYPE_ORDER for every leaf, so min_value/max_value apply. */
export function encodeFileMetaData(meta: FileMeta): Buffer {
  const w = new CompactWriter(4096);
  w.i32(1, 1);
  w.structList(2, meta.schema.length + 1);
  w.element();
  w.string(4, 'schema');
  w.i32(5, meta.schema.length);
  w.end();
  for (const leaf of meta.schema) {
    w.element();
    w.i32(1, leaf.type);
    w.i32(3, Repetition.OPTIONAL);
    w.string(4, leaf.name);
    if (leaf.convertedType !== undefined) w.i32(6, leaf.convertedType);
    if (leaf.logicalType !== undefined) {
      w.struct(10);
      w.struct(leaf.logicalType);
      w.end();
      w.end();
    }
    w.end();
  }
  w.i64(3, meta.numRows);
  w.structList(4, meta.rowGroups.length);
  meta.rowGroups.forEach((rg, ordinal) => {
    w.element();
    w.structList(1, rg.columns.length);
    for (const c of rg.columns) encodeColumnChunk(w, c);
    w.i64(2, rg.totalSize);
    w.i64(3, rg.numRows);
    w.i64(5, rg.fileOffset);
    w.i64(6, rg.totalSize);
    if (ordinal < 0x8000) w.i16(7, ordinal);
    w.end();
  });
  if (meta.keyValue.length > 0) {
    w.structList(5, meta.keyValue.length);
    for (const [k, v] of meta.keyValue) {
      w.element();
      w.string(1, k);
      w.string(2, v);
      w.end();
    }
  }
  w.string(6, meta.createdBy);
  w.structList(7, meta.schema.length);
  for (let i = 0; i < meta.schema.length; i++) {
    w.element();
    w.struct(1); // TYPE_ORDER: TypeDefinedOrder {}
    w.end();
    w.end();
  }
  w.end();
  return Buffer.from(w.bytes());
}
