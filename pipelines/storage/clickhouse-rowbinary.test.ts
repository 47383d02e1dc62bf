import fc from 'fast-check';
import { decodeRowBinary, encodeRowBinary, isNullable } from './clickhouse-rowbinary';
import type { ColumnSpec, ColumnType, Row, Scalar } from './types';

const DAY_MS = 86_400_000;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ').toUpperCase();
const bytes = (spaced: string) => Buffer.from(spaced.replace(/\s+/g, ''), 'hex');

/** What a decode should give back for an encoded value (NaN and missing doubles are NULL). */
const expected = (value: Scalar | undefined): Scalar => (value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? null : value);

function roundTrip(columns: ColumnSpec[], rows: Row[]): Row[] {
  return decodeRowBinary(columns, encodeRowBinary(columns, rows));
}

describe('isNullable', () => {
  it.each([
    ['ticker', false], ['date', false], ['close', true], ['manifest_version', true], ['Ticker', true],
  ])('%s → %p', (name, nullable) => {
    expect(isNullable({ name, type: 'string' })).toBe(nullable);
  });
});

describe('RowBinary bytes', () => {
  it.each<[string, ColumnSpec[], Row, string]>([
    ['Nullable(Float64) 1.5', [{ name: 'close', type: 'double' }], { close: 1.5 }, '00 00 00 00 00 00 00 F8 3F'],
    ['Nullable(Float64) NULL', [{ name: 'close', type: 'double' }], { close: null }, '01'],
    ['Nullable(Float64) NaN → NULL', [{ name: 'close', type: 'double' }], { close: Number.NaN }, '01'],
    ['Nullable(Float64) missing → NULL', [{ name: 'close', type: 'double' }], {}, '01'],
    ['Nullable(Float64) -0', [{ name: 'close', type: 'double' }], { close: -0 }, '00 00 00 00 00 00 00 00 80'],
    ['String key ab', [{ name: 'ticker', type: 'string' }], { ticker: 'ab' }, '02 61 62'],
    ['String key empty', [{ name: 'ticker', type: 'string' }], { ticker: '' }, '00'],
    ['Nullable(String) é', [{ name: 'name', type: 'string' }], { name: 'é' }, '00 02 C3 A9'],
    ['Date key 1970-01-01', [{ name: 'date', type: 'date' }], { date: '1970-01-01' }, '00 00'],
    ['Date key 1970-01-02', [{ name: 'date', type: 'date' }], { date: '1970-01-02' }, '01 00'],
    ['Date key 2149-06-06', [{ name: 'date', type: 'date' }], { date: '2149-06-06' }, 'FF FF'],
    ['Nullable(Date)', [{ name: 'disclosed', type: 'date' }], { disclosed: '1970-01-02' }, '00 01 00'],
    ['Nullable(Int64) -1', [{ name: 'volume', type: 'integer' }], { volume: -1 }, '00 FF FF FF FF FF FF FF FF'],
    ['Nullable(Int64) 258', [{ name: 'volume', type: 'integer' }], { volume: 258 }, '00 02 01 00 00 00 00 00 00'],
    ['Nullable(UInt8) true', [{ name: 'halted', type: 'boolean' }], { halted: true }, '00 01'],
    ['Nullable(UInt8) false', [{ name: 'halted', type: 'boolean' }], { halted: false }, '00 00'],
    ['Nullable(DateTime64(3)) +1 ms', [{ name: 'at', type: 'timestamp' }], { at: '1970-01-01T00:00:00.001Z' }, '00 01 00 00 00 00 00 00 00'],
    [
      'a tiny known row: ticker, date, close',
      [{ name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }, { name: 'close', type: 'double' }],
      { ticker: 'ab', date: '1970-01-02', close: 1.5 },
      '02 61 62  01 00  00 00 00 00 00 00 00 F8 3F',
    ],
  ])('%s', (_label, columns, row, expectedHex) => {
    const encoded = encodeRowBinary(columns, [row]);
    expect(hex(encoded)).toBe(hex(bytes(expectedHex)));
    expect(decodeRowBinary(columns, bytes(expectedHex))).toEqual([Object.fromEntries(columns.map((c) => [c.name, expected(row[c.name])]))]);
  });

  it.each([
    [0, '00'], [1, '01'], [127, '7F'], [128, '80 01'], [300, 'AC 02'], [16_383, 'FF 7F'], [16_384, '80 80 01'], [2_097_152, '80 80 80 01'],
  ])('string length %p has varint prefix %s', (length, prefix) => {
    const encoded = encodeRowBinary([{ name: 'ticker', type: 'string' }], [{ ticker: 'x'.repeat(length) }]);
    const prefixBytes = bytes(prefix);
    expect(encoded.length).toBe(prefixBytes.length + length);
    expect(hex(encoded.subarray(0, prefixBytes.length))).toBe(hex(prefixBytes));
  });

  it('columns are written in the given order, not the row object order', () => {
    const columns: ColumnSpec[] = [{ name: 'b', type: 'boolean' }, { name: 'a', type: 'boolean' }];
    expect(hex(encodeRowBinary(columns, [{ a: true, b: false }]))).toBe('00 00 00 01');
  });

  it('no rows → no bytes → no rows', () => {
    const columns: ColumnSpec[] = [{ name: 'ticker', type: 'string' }];
    expect(encodeRowBinary(columns, []).length).toBe(0);
    expect(decodeRowBinary(columns, new Uint8Array())).toEqual([]);
  });

  it('decodes from a Uint8Array view at a non-zero offset', () => {
    const backing = new Uint8Array([0xAA, 0xAA, 0x02, 0x61, 0x62, 0xBB]);
    expect(decodeRowBinary([{ name: 'ticker', type: 'string' }], backing.subarray(2, 5))).toEqual([{ ticker: 'ab' }]);
  });
});

describe('RowBinary round trip', () => {
  const ALL: ColumnSpec[] = [
    { name: 'ticker', type: 'string' },
    { name: 'date', type: 'date' },
    { name: 'name', type: 'string' },
    { name: 'disclosed', type: 'date' },
    { name: 'close', type: 'double' },
    { name: 'volume', type: 'integer' },
    { name: 'halted', type: 'boolean' },
    { name: 'at', type: 'timestamp' },
  ];
  const base: Row = { ticker: '7203', date: '2024-01-04', name: 'Toyota', disclosed: '2024-01-03', close: 2500.5, volume: 1_000, halted: false, at: '2024-01-04T09:00:00.123Z' };

  it.each<[string, Row]>([
    ['every type', base],
    ['every nullable column null', { ticker: '7203', date: '2024-01-04', name: null, disclosed: null, close: null, volume: null, halted: null, at: null }],
    ['nullable columns absent', { ticker: '7203', date: '2024-01-04' }],
    ['date 1970-01-01', { ...base, date: '1970-01-01', disclosed: '1970-01-01' }],
    ['date 2149-06-06', { ...base, date: '2149-06-06', disclosed: '2149-06-06' }],
    ['leap day', { ...base, date: '2024-02-29' }],
    ['empty strings', { ...base, ticker: '', name: '' }],
    ['multi-byte unicode', { ...base, ticker: 'トヨタ', name: 'Ünïcødé 😀 𝔘 中文 \u0000 \n\t\'"\\' }],
    ['string of 200 bytes (2-byte varint)', { ...base, name: 'é'.repeat(100) }],
    ['string of 128 bytes exactly', { ...base, name: 'x'.repeat(128) }],
    ['string of 18000 bytes (3-byte varint)', { ...base, ticker: 'あ'.repeat(6000), name: '😀'.repeat(4097) }],
    ['double -0', { ...base, close: -0 }],
    ['double +Infinity', { ...base, close: Number.POSITIVE_INFINITY }],
    ['double -Infinity', { ...base, close: Number.NEGATIVE_INFINITY }],
    ['double smallest subnormal', { ...base, close: Number.MIN_VALUE }],
    ['double negative subnormal', { ...base, close: -2.2250738585072e-308 }],
    ['double largest finite', { ...base, close: Number.MAX_VALUE }],
    ['double smallest normal', { ...base, close: 2.2250738585072014e-308 }],
    ['double 0.1 + 0.2 (last bit)', { ...base, close: 0.1 + 0.2 }],
    ['double EPSILON', { ...base, close: 1 + Number.EPSILON }],
    ['integer bounds', { ...base, volume: Number.MAX_SAFE_INTEGER }],
    ['integer negative bound', { ...base, volume: Number.MIN_SAFE_INTEGER }],
    ['integer 2^62', { ...base, volume: 2 ** 62 }],
    ['integer -2^63', { ...base, volume: -(2 ** 63) }],
    ['integer 0', { ...base, volume: 0 }],
    ['boolean true', { ...base, halted: true }],
    ['timestamp epoch', { ...base, at: '1970-01-01T00:00:00.000Z' }],
    ['timestamp before epoch', { ...base, at: '1969-12-31T23:59:59.999Z' }],
    ['timestamp far future', { ...base, at: '2299-12-31T23:59:59.999Z' }],
  ])('%s', (_label, row) => {
    const [decoded, ...rest] = roundTrip(ALL, [row]);
    expect(rest).toEqual([]);
    for (const c of ALL) expect([c.name, decoded[c.name]]).toEqual([c.name, expected(row[c.name])]);
  });

  it.each([Number.NaN, -Number.NaN, Buffer.from('7FF8000000000001', 'hex').readDoubleBE(0)])('double NaN %p decodes as null', (nan) => {
    expect(roundTrip(ALL, [{ ...base, close: nan }])[0].close).toBeNull();
  });

  it.each([
    ['timestamp without milliseconds', '2024-01-04T09:00:00Z', '2024-01-04T09:00:00.000Z'],
    ['timestamp with an offset', '2024-01-04T18:00:00.000+09:00', '2024-01-04T09:00:00.000Z'],
  ])('normalises %s to ISO UTC with milliseconds', (_label, input, output) => {
    expect(roundTrip(ALL, [{ ...base, at: input }])[0].at).toBe(output);
  });

  it('keeps many rows in order, past the 64 KiB initial buffer', () => {
    const rows: Row[] = Array.from({ length: 40 }, (_, i) => ({
      ...base, ticker: `T${i}`, name: i % 7 === 0 ? 'é'.repeat(20_000 + i) : `n${i}`, close: i % 3 === 0 ? null : i / 3, volume: i * 1_000_003,
    }));
    const encoded = encodeRowBinary(ALL, rows);
    expect(encoded.length).toBeGreaterThan(1 << 16);
    expect(decodeRowBinary(ALL, encoded)).toEqual(rows.map((r) => Object.fromEntries(ALL.map((c) => [c.name, expected(r[c.name])]))));
  });

  it('a single string longer than the initial buffer', () => {
    const name = 'x'.repeat(70_000) + '😀';
    expect(roundTrip(ALL, [{ ...base, name }])[0].name).toBe(name);
  });
});

describe('RowBinary errors', () => {
  it.each<[string, ColumnSpec[], Row]>([
    ['ticker null', [{ name: 'ticker', type: 'string' }], { ticker: null }],
    ['ticker absent', [{ name: 'ticker', type: 'string' }], {}],
    ['date null', [{ name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }], { ticker: 'A', date: null }],
    ['a key named ticker typed double holding NaN', [{ name: 'ticker', type: 'double' }], { ticker: Number.NaN }],
  ])('key column: %s', (_label, columns, row) => {
    const name = columns.find((c) => row[c.name] === undefined || row[c.name] === null || Number.isNaN(row[c.name]))!.name;
    expect(() => encodeRowBinary(columns, [row])).toThrow(`column ${name} is a key column and may not be null`);
  });

  it.each<[string, Scalar]>([
    ['before 1970', '1969-12-31'],
    ['after 2149-06-06', '2149-06-07'],
    ['year 9999', '9999-12-31'],
    ['no zero padding', '2024-1-04'],
    ['compact', '20240104'],
    ['with a time', '2024-01-04T00:00:00Z'],
    ['month 13', '2024-13-01'],
    ['not a date', 'yesterday'],
    ['a number', 19_000],
    ['a boolean', true],
  ])('date out of range / malformed: %s', (_label, value) => {
    expect(() => encodeRowBinary([{ name: 'disclosed', type: 'date' }], [{ disclosed: value }]))
      .toThrow(`column disclosed: ${JSON.stringify(value)} is not a date ClickHouse's Date holds (1970-01-01 … 2149-06-06)`);
  });

  // Date.parse rolls impossible calendar dates over ('2024-02-30' → 2024-03-01); they must be refused.
  it.each(['2024-02-30', '2023-02-29', '2024-04-31'])('refuses the impossible calendar date %s', (value) => {
    expect(() => encodeRowBinary([{ name: 'date', type: 'date' }], [{ date: value }])).toThrow(/is not a date/);
  });

  it('refuses an empty column list (the decoder could never advance)', () => {
    expect(() => decodeRowBinary([], new Uint8Array([1]))).toThrow(/at least one column/);
    expect(() => encodeRowBinary([], [{}])).toThrow(/at least one column/);
  });

  it.each<[string, ColumnSpec[], string, string]>([
    ['null flag without its double', [{ name: 'close', type: 'double' }], '00 00 00', 'RowBinary truncated at byte 1 (row 0)'],
    ['string shorter than its length', [{ name: 'ticker', type: 'string' }], '05 61 62', 'RowBinary truncated at byte 1 (row 0)'],
    ['varint cut off', [{ name: 'ticker', type: 'string' }], '80', 'RowBinary truncated at byte 1 (row 0)'],
    ['date cut off', [{ name: 'date', type: 'date' }], '01', 'RowBinary truncated at byte 0 (row 0)'],
    ['second row cut off', [{ name: 'close', type: 'double' }], '01 00 00 00', 'RowBinary truncated at byte 2 (row 1)'],
    ['second column missing', [{ name: 'ticker', type: 'string' }, { name: 'halted', type: 'boolean' }], '01 61', 'RowBinary truncated at byte 2 (row 0)'],
    ['integer cut off', [{ name: 'volume', type: 'integer' }], '00 01 02', 'RowBinary truncated at byte 1 (row 0)'],
    ['timestamp cut off', [{ name: 'at', type: 'timestamp' }], '00 01', 'RowBinary truncated at byte 1 (row 0)'],
  ])('truncated: %s', (_label, columns, input, message) => {
    expect(() => decodeRowBinary(columns, bytes(input))).toThrow(message);
  });

  it('every cut inside a row throws "RowBinary truncated"; a cut at a row boundary gives the rows before it', () => {
    const columns: ColumnSpec[] = [
      { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }, { name: 'close', type: 'double' },
      { name: 'name', type: 'string' }, { name: 'halted', type: 'boolean' },
    ];
    const rows: Row[] = [
      { ticker: 'A', date: '2024-01-04', close: 1, name: 'é'.repeat(70), halted: true },
      { ticker: 'BB', date: '2024-01-05', close: null, name: null, halted: false },
      { ticker: 'CCC', date: '2024-01-06', close: -2.5, name: '', halted: null },
    ];
    const boundaries = [0];
    for (let i = 1; i <= rows.length; i++) boundaries.push(encodeRowBinary(columns, rows.slice(0, i)).length);
    const full = encodeRowBinary(columns, rows);
    for (let cut = 0; cut <= full.length; cut++) {
      const prefix = full.subarray(0, cut);
      const k = boundaries.indexOf(cut);
      if (k >= 0) expect(decodeRowBinary(columns, prefix)).toEqual(rows.slice(0, k));
      else expect(() => decodeRowBinary(columns, prefix)).toThrow(/^RowBinary truncated at byte \d+ \(row \d\)$/);
    }
  });
});

describe('RowBinary property', () => {
  const TYPES: ColumnType[] = ['string', 'date', 'double', 'integer', 'boolean', 'timestamp'];
  const MIN_TS = Date.UTC(1900, 0, 1);
  const MAX_TS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

  const valueOf = (type: ColumnType): fc.Arbitrary<Scalar> => {
    switch (type) {
      case 'string': return fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'grapheme-ascii', minLength: 120, maxLength: 300 }));
      case 'date': return fc.integer({ min: 0, max: 65_535 }).map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10));
      case 'double': return fc.double();
      // `+ 0` turns a -0 into 0: an Int64 has no negative zero.
      case 'integer': return fc.oneof(fc.maxSafeInteger(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 })).map((n) => n + 0);
      case 'boolean': return fc.boolean();
      case 'timestamp': return fc.integer({ min: MIN_TS, max: MAX_TS }).map((ms) => new Date(ms).toISOString());
    }
  };

  const columnsArb = fc.uniqueArray(
    fc.record({ name: fc.oneof(fc.constantFrom('ticker', 'date'), fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/)), type: fc.constantFrom(...TYPES) }),
    { selector: (c) => c.name, minLength: 1, maxLength: 8 },
  );

  const tableArb = columnsArb.chain((columns) => {
    const rowArb = fc.record(Object.fromEntries(columns.map((c) => {
      const value = valueOf(c.type);
      // Key columns may not be NULL (nor NaN, which is NULL); the others are null sometimes.
      const arb = isNullable(c) ? fc.option(value, { nil: null, freq: 4 }) : value.filter((v) => !(typeof v === 'number' && Number.isNaN(v)));
      return [c.name, arb];
    })) as Record<string, fc.Arbitrary<Scalar>>);
    return fc.tuple(fc.constant(columns), fc.array(rowArb, { maxLength: 15 }));
  });

  it('arbitrary rows of arbitrary typed columns round-trip (NaN → null, -0 kept)', () => {
    fc.assert(fc.property(tableArb, ([columns, rows]) => {
      const decoded = roundTrip(columns, rows);
      expect(decoded).toHaveLength(rows.length);
      decoded.forEach((row, i) => {
        expect(Object.keys(row)).toEqual(columns.map((c) => c.name));
        for (const c of columns) {
          const want = expected(rows[i][c.name]);
          const got = row[c.name];
          if (!Object.is(got, want)) throw new Error(`row ${i} column ${c.name} (${c.type}): wrote ${String(rows[i][c.name])}, read ${String(got)}`);
        }
      });
    }), { numRuns: 300 });
  });

  it('encoding is deterministic and decode → encode gives the same bytes', () => {
    fc.assert(fc.property(tableArb, ([columns, rows]) => {
      const once = encodeRowBinary(columns, rows);
      expect(Buffer.compare(once, encodeRowBinary(columns, rows))).toBe(0);
      expect(Buffer.compare(once, encodeRowBinary(columns, decodeRowBinary(columns, once)))).toBe(0);
    }), { numRuns: 200 });
  });
});
