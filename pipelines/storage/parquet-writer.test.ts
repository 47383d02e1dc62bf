import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ParquetFileWriter, ParquetWriteError, writeParquetFile,
  type ParquetColumnData, type ParquetColumnSpec,
} from './parquet-writer';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DuckDBInstance } = require('@duckdb/node-api');

type Row = Record<string, unknown>;
const DAY = 86_400_000;
const days = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY;

/** Walks a column chunk's v1 page headers (just the fields this writer emits) → values and body size per page. */
function pageHeaders(buf: Buffer, start: number, end: number): { numValues: number; size: number }[] {
  const pages: { numValues: number; size: number }[] = [];
  let p = start;
  const varint = (): number => {
    let r = 0, m = 1, b: number;
    do { b = buf[p++]; r += (b & 0x7f) * m; m *= 128; } while (b & 0x80);
    return r;
  };
  const zigzag = (n: number): number => (n % 2 ? -(n + 1) / 2 : n / 2);
  while (p < end) {
    const fields: Record<string, number> = {};
    const struct = (prefix: string): void => {
      for (let last = 0; ;) {
        const h = buf[p++];
        if (h === 0) return;
        last = h >> 4 ? last + (h >> 4) : zigzag(varint());
        if ((h & 15) === 5) fields[prefix + last] = zigzag(varint());
        else if ((h & 15) === 12) struct(`${prefix}${last}.`);
        else throw new Error(`unexpected compact type ${h & 15}`);
      }
    };
    struct('');
    expect(fields['1']).toBe(0); // DATA_PAGE
    expect(fields['2']).toBe(fields['3']); // uncompressed
    pages.push({ numValues: fields['5.1'], size: fields['3'] });
    p += fields['3'];
  }
  expect(p).toBe(end);
  return pages;
}

describe('ParquetFileWriter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-pqw-'));
  let conn: { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Row[] }> };
  let seq = 0;
  const file = (name = 'f'): string => path.join(dir, `${name}-${seq++}.parquet`);

  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Query results with dates as YYYY-MM-DD and BIGINTs as numbers, so expectations stay plain. */
  async function query(sql: string): Promise<Row[]> {
    const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k,
      v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'bigint' ? Number(v) : v])));
  }
  const readAll = (f: string): Promise<Row[]> => query(`SELECT * FROM read_parquet('${f}')`);
  const metadata = (f: string): Promise<Row[]> => query(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, type, num_values, stats_min_value, stats_max_value,
            stats_null_count, compression, encodings FROM parquet_metadata('${f}') ORDER BY row_group_id, column_id`);

  /** Column-major expectation → row objects. */
  function rowsOf(expected: Record<string, unknown[]>): Row[] {
    const names = Object.keys(expected);
    return expected[names[0]].map((_, i) => Object.fromEntries(names.map((n) => [n, expected[n][i]])));
  }

  const roundTrips: { name: string; type: ParquetColumnSpec['type']; data: ParquetColumnData; expected: unknown[] }[] = [
    { name: 'strings with nulls, empty and non-ASCII', type: 'string',
      data: ['a', null, '', '日本語', '銘柄コード 7203 トヨタ自動車 — long enough to skip the ASCII fast path', '🎌', 'x'.repeat(40)],
      expected: ['a', null, '', '日本語', '銘柄コード 7203 トヨタ自動車 — long enough to skip the ASCII fast path', '🎌', 'x'.repeat(40)] },
    { name: 'dates from Int32Array days', type: 'date',
      data: Int32Array.from([0, days('2099-12-31'), -1, days('1900-01-01'), days('2024-02-29')]),
      expected: ['1970-01-01', '2099-12-31', '1969-12-31', '1900-01-01', '2024-02-29'] },
    { name: 'dates from YYYY-MM-DD strings', type: 'date',
      data: ['1970-01-01', null, '2099-12-31', '1969-12-31', '0099-06-30'],
      expected: ['1970-01-01', null, '2099-12-31', '1969-12-31', '0099-06-30'] },
    { name: 'dates from Float64Array with NaN', type: 'date',
      data: Float64Array.from([NaN, days('2024-01-04'), -719162]), expected: [null, '2024-01-04', '0001-01-01'] },
    { name: 'doubles: NaN and ±Infinity become NULL', type: 'double',
      data: Float64Array.from([1.5, NaN, Infinity, -Infinity, -2.5, 1e308, 5e-324, 0]),
      expected: [1.5, null, null, null, -2.5, 1e308, 5e-324, 0] },
    { name: 'doubles without nulls (single RLE level run)', type: 'double',
      data: Float64Array.from({ length: 11 }, (_, i) => i / 3 - 1), expected: Array.from({ length: 11 }, (_, i) => i / 3 - 1) },
    { name: 'int32 bounds from Int32Array', type: 'int32',
      data: Int32Array.from([2147483647, -2147483648, 0, -1, 42]), expected: [2147483647, -2147483648, 0, -1, 42] },
    { name: 'int32 from Float64Array with NaN', type: 'int32',
      data: Float64Array.from([NaN, 2147483647, -2147483648, -0, 7]), expected: [null, 2147483647, -2147483648, 0, 7] },
    { name: 'booleans from Float64Array with nulls', type: 'boolean',
      data: Float64Array.from([1, 0, NaN, 1, 1, 0, 0, 1, NaN, 1, 0]),
      expected: [true, false, null, true, true, false, false, true, null, true, false] },
    { name: 'booleans from Uint8Array', type: 'boolean', data: Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 0, 1]),
      expected: [false, true, true, false, true, false, false, false, true] },
    { name: 'all-null string', type: 'string', data: [null, null, null], expected: [null, null, null] },
    { name: 'all-null double', type: 'double', data: Float64Array.from([NaN, Infinity, NaN]), expected: [null, null, null] },
    { name: 'all-null int32', type: 'int32', data: new Float64Array(3).fill(NaN), expected: [null, null, null] },
    { name: 'all-null boolean', type: 'boolean', data: new Float64Array(9).fill(NaN), expected: new Array(9).fill(null) },
    { name: 'a single row', type: 'double', data: Float64Array.from([3.25]), expected: [3.25] },
  ];

  it.each(roundTrips)('round-trips $name through DuckDB', async ({ type, data, expected }) => {
    const f = file();
    const res = await writeParquetFile(f, [{ name: 'v', type }], { v: data }, expected.length);
    expect(res).toEqual({ rows: expected.length, rowGroups: 1, bytes: fs.statSync(f).size });
    expect(await readAll(f)).toEqual(expected.map((v) => ({ v })));
  });

  it('keeps -0.0 as a value and writes min/max/null_count statistics', async () => {
    const f = file();
    await writeParquetFile(f, [
      { name: 'x', type: 'double' }, { name: 'i', type: 'int32' }, { name: 'd', type: 'date' }, { name: 'b', type: 'boolean' }, { name: 's', type: 'string' },
    ], {
      x: Float64Array.from([-0, 2.5, NaN]), i: Float64Array.from([5, NaN, -3]), d: ['2024-01-04', '1999-12-31', null],
      b: Float64Array.from([1, 1, NaN]), s: ['b', null, 'a'],
    }, 3);
    expect(Object.is((await readAll(f))[0].x, -0)).toBe(true);
    expect((await metadata(f)).map((m) => [m.path_in_schema, m.stats_min_value, m.stats_max_value, m.stats_null_count])).toEqual([
      ['x', '-0.0', '2.5', 1], ['i', '-3', '5', 1], ['d', '1999-12-31', '2024-01-04', 1], ['b', 'true', 'true', 1], ['s', null, null, 1],
    ]);
  });

  it('declares the schema DuckDB expects: flat, OPTIONAL, physical and converted types', async () => {
    const f = file();
    const cols: ParquetColumnSpec[] = [
      { name: 'code', type: 'string' }, { name: 'date', type: 'date' }, { name: 'close', type: 'double' },
      { name: 'volume', type: 'int32' }, { name: 'halted', type: 'boolean' },
    ];
    await writeParquetFile(f, cols, {
      code: ['72030'], date: Int32Array.of(19726), close: Float64Array.of(2590.5), volume: Int32Array.of(100), halted: Uint8Array.of(0),
    }, 1, { createdBy: 'gogooku3 test', keyValueMetadata: { run_id: 'run-1', fingerprint: '日本' } });
    expect(await query(`SELECT name, type, repetition_type, num_children, converted_type, duckdb_type FROM parquet_schema('${f}')`)).toEqual([
      { name: 'schema', type: null, repetition_type: null, num_children: 5, converted_type: null, duckdb_type: null },
      { name: 'code', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', num_children: null, converted_type: 'UTF8', duckdb_type: 'VARCHAR' },
      { name: 'date', type: 'INT32', repetition_type: 'OPTIONAL', num_children: null, converted_type: 'DATE', duckdb_type: 'DATE' },
      { name: 'close', type: 'DOUBLE', repetition_type: 'OPTIONAL', num_children: null, converted_type: null, duckdb_type: 'DOUBLE' },
      { name: 'volume', type: 'INT32', repetition_type: 'OPTIONAL', num_children: null, converted_type: null, duckdb_type: 'INTEGER' },
      { name: 'halted', type: 'BOOLEAN', repetition_type: 'OPTIONAL', num_children: null, converted_type: null, duckdb_type: 'BOOLEAN' },
    ]);
    expect(await query(`SELECT created_by, num_rows, num_row_groups, format_version FROM parquet_file_metadata('${f}')`)).toEqual([
      { created_by: 'gogooku3 test', num_rows: 1, num_row_groups: 1, format_version: 1 },
    ]);
    expect(await query(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${f}') ORDER BY k`)).toEqual([
      { k: 'fingerprint', v: '日本' }, { k: 'run_id', v: 'run-1' },
    ]);
    expect((await metadata(f)).map((m) => [m.compression, m.encodings])).toEqual(new Array(5).fill(['UNCOMPRESSED', 'PLAIN, RLE']));
  });

  it('writes a schema-only file for 0 rows (empty row groups are skipped)', async () => {
    const f = file();
    const w = await ParquetFileWriter.open(f, [{ name: 's', type: 'string' }, { name: 'x', type: 'double' }]);
    await w.writeRowGroup({ s: [], x: new Float64Array(0) }, 0);
    expect(await w.close()).toEqual({ rows: 0, rowGroups: 0, bytes: fs.statSync(f).size });
    expect(await query(`SELECT count(*) AS n FROM read_parquet('${f}')`)).toEqual([{ n: 0 }]);
    expect(await query(`DESCRIBE SELECT * FROM read_parquet('${f}')`)).toEqual([
      expect.objectContaining({ column_name: 's', column_type: 'VARCHAR' }), expect.objectContaining({ column_name: 'x', column_type: 'DOUBLE' }),
    ]);
  });

  it('appends row groups in order; parquet_metadata lists each', async () => {
    const f = file();
    const w = await ParquetFileWriter.open(f, [{ name: 'k', type: 'int32' }, { name: 's', type: 'string' }]);
    const sizes = [3, 1, 5];
    let next = 0;
    for (const n of sizes) {
      const k = Int32Array.from({ length: n }, () => next++);
      await w.writeRowGroup({ k, s: Array.from(k, (v) => (v % 2 ? `s${v}` : null)) }, n);
    }
    expect(await w.close()).toEqual({ rows: 9, rowGroups: 3, bytes: fs.statSync(f).size });
    expect(await readAll(f)).toEqual(Array.from({ length: 9 }, (_, v) => ({ k: v, s: v % 2 ? `s${v}` : null })));
    const meta = await metadata(f);
    expect(meta.filter((m) => m.path_in_schema === 'k').map((m) => [m.row_group_id, m.row_group_num_rows, m.stats_min_value, m.stats_max_value]))
      .toEqual([[0, 3, '0', '2'], [1, 1, '3', '3'], [2, 5, '4', '8']]);
  });

  it('splits large columns into several pages that read back intact', async () => {
    const f = file();
    const n = 10_000;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : i / 4));
    const s = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `銘柄${i}`));
    const flag = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? NaN : i % 2));
    await writeParquetFile(f, [{ name: 'x', type: 'double' }, { name: 's', type: 'string' }, { name: 'flag', type: 'boolean' }],
      { x, s, flag }, n, { pageSizeBytes: 1024 });
    const rows = await query(`SELECT x, s, flag FROM read_parquet('${f}')`);
    expect(rows).toEqual(Array.from({ length: n }, (_, i) => ({
      x: i % 7 === 0 ? null : i / 4, s: i % 5 === 0 ? null : `銘柄${i}`, flag: i % 3 === 0 ? null : i % 2 === 1,
    })));
    expect((await metadata(f)).map((m) => m.stats_null_count)).toEqual([Math.ceil(n / 7), n / 5, Math.ceil(n / 3)]);
    const bytes = fs.readFileSync(f);
    const chunks = await query(`SELECT path_in_schema AS col, data_page_offset AS o, total_compressed_size AS size FROM parquet_metadata('${f}')`);
    const pages: Record<string, { numValues: number; size: number }[]> = Object.fromEntries(chunks.map((c) => [c.col as string, pageHeaders(bytes, c.o as number, (c.o as number) + (c.size as number))]));
    expect(pages.x).toHaveLength(Math.ceil(n / 128)); // 1024 value bytes per page
    expect(pages.flag).toHaveLength(Math.ceil(n / 1024));
    expect(pages.s.length).toBeGreaterThan(100);
    for (const col of ['x', 's', 'flag']) expect(pages[col].reduce((a, pg) => a + pg.numValues, 0)).toBe(n);
  });

  it('handles pages and internal blocks that do not line up (150k rows, 1 MiB pages)', async () => {
    const f = file();
    const n = 150_000;
    const s = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 3 ? `c${i}` : `日${i}`));
    const b = Float64Array.from({ length: n }, (_, i) => (i % 17 === 0 ? NaN : (i * 7) % 3 === 0 ? 1 : 0));
    const x = Float64Array.from({ length: n }, (_, i) => (i % 1000 === 999 ? -Infinity : i));
    const k = Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? NaN : -i));
    await writeParquetFile(f, [{ name: 's', type: 'string' }, { name: 'b', type: 'boolean' }, { name: 'x', type: 'double' }, { name: 'k', type: 'int32' }],
      { s, b, x, k }, n, { pageSizeBytes: 1 << 20 });
    const rows = await query(`SELECT s, b, x, k FROM read_parquet('${f}')`);
    expect(rows).toHaveLength(n);
    for (let i = 0; i < n; i += 1) {
      const r = rows[i];
      if (r.s !== s[i] || r.b !== (b[i] === b[i] ? b[i] === 1 : null) || r.x !== (i % 1000 === 999 ? null : i) || r.k !== (i % 9 === 0 ? null : -i)) {
        throw new Error(`row ${i} differs: ${JSON.stringify(r)}`);
      }
    }
    const bytes = fs.readFileSync(f);
    const chunks = await query(`SELECT path_in_schema AS col, data_page_offset AS o, total_compressed_size AS size FROM parquet_metadata('${f}')`);
    const pageCounts = Object.fromEntries(chunks.map((c) => [c.col as string, pageHeaders(bytes, c.o as number, (c.o as number) + (c.size as number)).length]));
    expect(pageCounts).toEqual({ s: 3, b: 1, x: 2, k: 1 });
  });

  it('writes 200 columns', async () => {
    const f = file();
    const cols: ParquetColumnSpec[] = Array.from({ length: 200 }, (_, c) => ({ name: `f${c}`, type: 'double' }));
    const data = Object.fromEntries(cols.map((c, j) => [c.name, Float64Array.from({ length: 10 }, (_, i) => (i === j % 10 ? NaN : j * 100 + i))]));
    await writeParquetFile(f, cols, data, 10);
    const rows = await readAll(f);
    expect(Object.keys(rows[0])).toHaveLength(200);
    expect(rows).toEqual(Array.from({ length: 10 }, (_, i) => Object.fromEntries(cols.map((c, j) => [c.name, i === j % 10 ? null : j * 100 + i]))));
  });

  it('writes 100k rows of mixed types that aggregate to the same totals', async () => {
    const f = file();
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 101 === 0 ? NaN : Math.sin(i)));
    const v = Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? NaN : i - 50_000));
    const d = Int32Array.from({ length: n }, (_, i) => 19_000 + (i % 1000));
    const code = Array.from({ length: n }, (_, i) => (i % 997 === 0 ? null : `${1000 + (i % 4000)}0`));
    await writeParquetFile(f, [{ name: 'x', type: 'double' }, { name: 'v', type: 'int32' }, { name: 'd', type: 'date' }, { name: 'code', type: 'string' }],
      { x, v, d, code }, n);
    let sx = 0, nx = 0, sv = 0, nv = 0;
    for (let i = 0; i < n; i++) {
      if (x[i] === x[i]) { sx += x[i]; nx++; }
      if (v[i] === v[i]) { sv += v[i]; nv++; }
    }
    const [agg] = await query(`SELECT count(*) AS n, count(x) AS nx, sum(x) AS sx, count(v) AS nv, sum(v)::DOUBLE AS sv,
      min(d) AS dmin, max(d) AS dmax, count(code) AS ncode, count(DISTINCT code) AS dcode FROM read_parquet('${f}')`);
    expect(agg).toEqual({ n, nx, sx: expect.closeTo(sx, 6), nv, sv, dmin: '2022-01-08', dmax: '2024-10-03', ncode: n - Math.ceil(n / 997), dcode: 4000 });
    const sample = await query(`SELECT file_row_number AS i, x, v, code FROM read_parquet('${f}', file_row_number = true)
      WHERE file_row_number IN (0, 1, 13, 99999) ORDER BY i`);
    expect(sample).toEqual([0, 1, 13, 99_999].map((i) => ({
      i, x: x[i] === x[i] ? x[i] : null, v: v[i] === v[i] ? v[i] : null, code: code[i],
    })));
  });

  describe('errors', () => {
    const cols: ParquetColumnSpec[] = [{ name: 'x', type: 'double' }, { name: 'n', type: 'int32' }, { name: 'd', type: 'date' },
      { name: 'b', type: 'boolean' }, { name: 's', type: 'string' }];
    const good = (): Record<string, ParquetColumnData> => ({
      x: Float64Array.of(1, 2), n: Float64Array.of(1, NaN), d: ['2024-01-04', null], b: Float64Array.of(1, NaN), s: ['a', null],
    });
    const cases: { name: string; data: Record<string, unknown>; rows?: number; message: RegExp; column?: string; row?: number }[] = [
      { name: 'wrong column length', data: { ...good(), x: Float64Array.of(1) }, message: /column "x" has 1 values, expected 2/, column: 'x' },
      { name: 'unknown column', data: { ...good(), extra: Float64Array.of(1, 2) }, message: /unknown column\(s\) "extra"/, column: 'extra' },
      { name: 'missing column', data: { x: Float64Array.of(1, 2), n: Float64Array.of(1, 2) }, message: /missing column "d"/, column: 'd' },
      { name: 'non-integer int32', data: { ...good(), n: Float64Array.of(1, 2.5) }, message: /column "n" row 1: 2.5 is not an int32/, column: 'n', row: 1 },
      { name: 'int32 out of range', data: { ...good(), n: Float64Array.of(2 ** 31, 0) }, message: /column "n" row 0: 2147483648 is not an int32/, column: 'n', row: 0 },
      { name: 'Infinity in int32', data: { ...good(), n: Float64Array.of(0, -Infinity) }, message: /column "n" row 1: -Infinity/, column: 'n', row: 1 },
      { name: 'invalid date string', data: { ...good(), d: ['2024-02-30', null] }, message: /column "d" row 0: "2024-02-30" is not a YYYY-MM-DD date/, column: 'd', row: 0 },
      { name: 'non-boolean value', data: { ...good(), b: Float64Array.of(0, 2) }, message: /column "b" row 1: 2 is not a boolean/, column: 'b', row: 1 },
      { name: 'non-string in string column', data: { ...good(), s: ['a', 5] }, message: /column "s" row 1: number is not a string/, column: 's', row: 1 },
      { name: 'wrong array kind', data: { ...good(), x: Int32Array.of(1, 2) }, message: /column "x" \(double\): unsupported data Int32Array/, column: 'x' },
      { name: 'bad rowCount', data: good(), rows: -1, message: /rowCount must be a non-negative integer/ },
    ];

    it.each(cases)('$name → ParquetWriteError; the writer stays usable and the bad group is dropped', async ({ data, rows, message, column, row }) => {
      const f = file();
      const w = await ParquetFileWriter.open(f, cols);
      await w.writeRowGroup(good(), 2);
      const error = await w.writeRowGroup(data as Record<string, ParquetColumnData>, rows ?? 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParquetWriteError);
      expect((error as ParquetWriteError).message).toMatch(message);
      expect((error as ParquetWriteError).column).toBe(column);
      expect((error as ParquetWriteError).row).toBe(row);
      await w.writeRowGroup({ ...good(), x: Float64Array.of(3, 4) }, 2);
      expect(await w.close()).toMatchObject({ rows: 4, rowGroups: 2 });
      expect(await query(`SELECT x, n, d, b, s FROM read_parquet('${f}')`)).toEqual([
        { x: 1, n: 1, d: '2024-01-04', b: true, s: 'a' }, { x: 2, n: null, d: null, b: null, s: null },
        { x: 3, n: 1, d: '2024-01-04', b: true, s: 'a' }, { x: 4, n: null, d: null, b: null, s: null },
      ]);
    });

    it.each([
      { name: 'no columns', columns: [], message: /at least one column/ },
      { name: 'duplicate names', columns: [{ name: 'a', type: 'double' }, { name: 'a', type: 'int32' }], message: /duplicate column "a"/ },
      { name: 'empty name', columns: [{ name: '', type: 'double' }], message: /non-empty/ },
      { name: 'unknown type', columns: [{ name: 'a', type: 'decimal' }], message: /column "a": unknown type "decimal"/ },
    ])('rejects a schema with $name before creating any file', async ({ columns, message }) => {
      const sub = fs.mkdtempSync(path.join(dir, 'schema-'));
      await expect(ParquetFileWriter.open(path.join(sub, 'x.parquet'), columns as ParquetColumnSpec[])).rejects.toThrow(message);
      expect(fs.readdirSync(sub)).toEqual([]);
    });

    it('refuses use after close', async () => {
      const w = await ParquetFileWriter.open(file(), [{ name: 'x', type: 'double' }]);
      await w.close();
      await expect(w.writeRowGroup({ x: Float64Array.of(1) }, 1)).rejects.toThrow(/writer is closed/);
      await expect(w.close()).rejects.toThrow(/writer is closed/);
      await w.abort(); // no-op after a successful close
    });
  });

  describe('atomicity', () => {
    const cols: ParquetColumnSpec[] = [{ name: 'x', type: 'double' }];

    it('shows nothing at the target until close(), then renames the temp file over it', async () => {
      const sub = fs.mkdtempSync(path.join(dir, 'atomic-'));
      const target = path.join(sub, 'part.parquet');
      const w = await ParquetFileWriter.open(target, cols);
      await w.writeRowGroup({ x: Float64Array.of(1, 2) }, 2);
      expect(fs.existsSync(target)).toBe(false);
      expect(fs.readdirSync(sub)).toEqual([expect.stringMatching(/^part\.parquet\.tmp-[0-9a-f]+$/)]);
      await w.close();
      expect(fs.readdirSync(sub)).toEqual(['part.parquet']);
      expect(await readAll(target)).toEqual([{ x: 1 }, { x: 2 }]);
    });

    it('abort() removes the temp file and leaves the previous file intact', async () => {
      const sub = fs.mkdtempSync(path.join(dir, 'abort-'));
      const target = path.join(sub, 'part.parquet');
      await writeParquetFile(target, cols, { x: Float64Array.of(7) }, 1);
      const before = fs.readFileSync(target);
      const w = await ParquetFileWriter.open(target, cols);
      await w.writeRowGroup({ x: Float64Array.of(1, 2, 3) }, 3);
      await w.abort();
      await w.abort();
      expect(fs.readdirSync(sub)).toEqual(['part.parquet']);
      expect(fs.readFileSync(target).equals(before)).toBe(true);
      expect(await readAll(target)).toEqual([{ x: 7 }]);
      await expect(w.writeRowGroup({ x: Float64Array.of(1) }, 1)).rejects.toThrow(/writer is aborted/);
    });

    it('replaces the previous file only on close()', async () => {
      const sub = fs.mkdtempSync(path.join(dir, 'replace-'));
      const target = path.join(sub, 'part.parquet');
      await writeParquetFile(target, cols, { x: Float64Array.of(7) }, 1);
      const w = await ParquetFileWriter.open(target, cols);
      await w.writeRowGroup({ x: Float64Array.of(8, 9) }, 2);
      expect(await readAll(target)).toEqual([{ x: 7 }]);
      await w.close();
      expect(await readAll(target)).toEqual([{ x: 8 }, { x: 9 }]);
      expect(fs.readdirSync(sub)).toEqual(['part.parquet']);
    });

    it('writeParquetFile leaves no temp file behind when the data is invalid', async () => {
      const sub = fs.mkdtempSync(path.join(dir, 'oneshot-'));
      await expect(writeParquetFile(path.join(sub, 'p.parquet'), [{ name: 'n', type: 'int32' }], { n: Float64Array.of(0.5) }, 1))
        .rejects.toThrow(ParquetWriteError);
      expect(fs.readdirSync(sub)).toEqual([]);
    });
  });
});
