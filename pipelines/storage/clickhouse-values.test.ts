import fc from 'fast-check';
import { columnsFromClickHouse, columnTypeFromClickHouse, latestPerKey, ledgerFromRow, ledgerToRow, mergeColumns } from './clickhouse-values';
import type { ColumnSpec, ColumnType, LedgerEntry, Row } from './types';

describe('columnTypeFromClickHouse', () => {
  it.each<[string, ColumnType]>([
    ['Nullable(Float64)', 'double'],
    ['Float64', 'double'],
    ['Float32', 'double'],
    ['LowCardinality(Nullable(String))', 'string'],
    ['LowCardinality(String)', 'string'],
    ['Nullable(String)', 'string'],
    ['String', 'string'],
    ['FixedString(4)', 'string'],
    ['Date', 'date'],
    ['Nullable(Date)', 'date'],
    ['Date32', 'date'],
    ['UInt8', 'boolean'],
    ['Nullable(UInt8)', 'boolean'],
    ['Bool', 'boolean'],
    ['Int64', 'integer'],
    ['Nullable(Int64)', 'integer'],
    ['UInt64', 'integer'],
    ['UInt32', 'integer'],
    ['Int8', 'integer'],
    ["DateTime64(3, 'UTC')", 'timestamp'],
    ["Nullable(DateTime64(3, 'UTC'))", 'timestamp'],
    ['DateTime', 'timestamp'],
    ['  Nullable( Float64 ) ', 'double'],
  ])('%s → %s', (type, expected) => {
    expect(columnTypeFromClickHouse(type)).toBe(expected);
  });

  it.each(['Decimal(18, 4)', 'UUID', 'Array(String)', 'Map(String, Float64)', 'Int128', 'Nullable(Decimal64(2))', 'Tuple(Float64)', 'Enum8(\'a\' = 1)', ''])('%j has no lake type', (type) => {
    expect(() => columnTypeFromClickHouse(type)).toThrow(`ClickHouse type ${type} has no lake column type`);
  });

  it('columnsFromClickHouse maps each column and keeps order', () => {
    expect(columnsFromClickHouse([
      { name: 'ticker', type: 'LowCardinality(String)' },
      { name: 'date', type: 'Date' },
      { name: 'close', type: 'Nullable(Float64)' },
    ])).toEqual([{ name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }, { name: 'close', type: 'double' }]);
    expect(columnsFromClickHouse([])).toEqual([]);
    expect(() => columnsFromClickHouse([{ name: 'id', type: 'UUID' }])).toThrow(/UUID/);
  });
});

describe('mergeColumns', () => {
  const live: ColumnSpec[] = [
    { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' }, { name: 'close', type: 'double' }, { name: 'old_feature', type: 'double' },
  ];

  it.each<[string, ColumnSpec[], ColumnSpec[], ColumnSpec[]]>([
    ['no live table: the incoming columns', [], live, live],
    ['nothing incoming: the live columns', live, [], live],
    ['same columns, different order: live order kept', live, [...live].reverse(), live],
    ['a dropped column is kept', live, live.slice(0, 3), live],
    [
      'new columns appended in incoming order',
      live,
      [{ name: 'rsi_14', type: 'double' }, { name: 'ticker', type: 'string' }, { name: 'halted', type: 'boolean' }],
      [...live, { name: 'rsi_14', type: 'double' }, { name: 'halted', type: 'boolean' }],
    ],
    ['a column repeated in incoming is added once', [], [{ name: 'a', type: 'string' }, { name: 'a', type: 'string' }], [{ name: 'a', type: 'string' }]],
  ])('%s', (_label, liveColumns, incoming, expected) => {
    expect(mergeColumns(liveColumns, incoming)).toEqual(expected);
  });

  it.each<[string, ColumnSpec[], ColumnSpec[], string]>([
    ['double → integer', live, [{ name: 'close', type: 'integer' }], 'column close is double in the live table but integer in the new partitions; migrate the table first'],
    ['date → string', live, [{ name: 'date', type: 'string' }], 'column date is date in the live table but string in the new partitions'],
    ['dropped column reappears with another type', live, [{ name: 'old_feature', type: 'boolean' }], 'column old_feature is double'],
  ])('type change %s → error naming the column', (_label, liveColumns, incoming, message) => {
    expect(() => mergeColumns(liveColumns, incoming)).toThrow(message);
  });

  it('does not mutate or alias its inputs', () => {
    const liveCopy = structuredClone(live);
    const incoming: ColumnSpec[] = [{ name: 'x', type: 'double' }];
    const out = mergeColumns(live, incoming);
    out[0].type = 'integer';
    out[out.length - 1].type = 'integer';
    expect(live).toEqual(liveCopy);
    expect(incoming).toEqual([{ name: 'x', type: 'double' }]);
  });

  it('property: live columns form the prefix, every incoming name appears exactly once', () => {
    const names = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const col = fc.record({ name: names, type: fc.constant<ColumnType>('double') });
    fc.assert(fc.property(fc.uniqueArray(col, { selector: (c) => c.name }), fc.array(col), (liveCols, incoming) => {
      const out = mergeColumns(liveCols, incoming);
      expect(out.slice(0, liveCols.length)).toEqual(liveCols);
      expect(new Set(out.map((c) => c.name)).size).toBe(out.length);
      for (const c of incoming) expect(out.some((o) => o.name === c.name)).toBe(true);
    }));
  });
});

const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  runId: 'run-1', step: 'features', partition: '2024-01-04', status: 'succeeded', attempts: 1, inputFingerprint: 'fp',
  outputChecksum: 'sha256:abc', rowsIn: 10, rowsOut: 9, rowsQuarantined: 1, startedAt: '2024-01-04T09:00:00.000Z',
  finishedAt: '2024-01-04T09:00:05.000Z', error: null, ...over,
});

describe('ledgerToRow / ledgerFromRow', () => {
  it('maps every field to the run_ledger column', () => {
    expect(ledgerToRow(entry(), 7)).toEqual({
      run_id: 'run-1', step: 'features', partition: '2024-01-04', status: 'succeeded', attempts: 1, input_fingerprint: 'fp',
      output_checksum: 'sha256:abc', rows_in: 10, rows_out: 9, rows_quarantined: 1, started_at: '2024-01-04T09:00:00.000Z',
      finished_at: '2024-01-04T09:00:05.000Z', error: null, version: 7,
    });
  });

  it.each<[string, LedgerEntry]>([
    ['succeeded', entry()],
    ['running, nulls', entry({ status: 'running', outputChecksum: null, finishedAt: null, error: null, rowsOut: 0, rowsQuarantined: 0 })],
    ['failed with an error', entry({ status: 'failed', attempts: 3, error: "boom: can't \"quote\" \\ this\nline 2", outputChecksum: null })],
    ['skipped, ticker partition', entry({ status: 'skipped', partition: '2024-01-04/7203', rowsIn: 0, rowsOut: 0 })],
    ['empty strings are not nulls', entry({ outputChecksum: '', error: '', finishedAt: '' })],
  ])('round trip: %s', (_label, e) => {
    expect(ledgerFromRow(ledgerToRow(e, 3) as Row)).toEqual(e);
  });

  it('reads the shapes ClickHouse JSON returns (UInt64 as strings, absent nullables)', () => {
    const row: Row = {
      run_id: 'run-1', step: 'features', partition: '2024-01-04', status: 'succeeded', attempts: 2, input_fingerprint: 'fp',
      rows_in: '10', rows_out: '9', rows_quarantined: '0', started_at: '2024-01-04T09:00:00.000Z', version: '5',
    };
    expect(ledgerFromRow(row)).toEqual(entry({ attempts: 2, rowsQuarantined: 0, outputChecksum: null, finishedAt: null, error: null }));
  });

  it('property: any entry round-trips', () => {
    const str = fc.string({ unit: 'grapheme', maxLength: 30 });
    const entryArb: fc.Arbitrary<LedgerEntry> = fc.record({
      runId: str, step: str, partition: str, status: fc.constantFrom('running', 'succeeded', 'failed', 'skipped'),
      attempts: fc.nat(1000), inputFingerprint: str, outputChecksum: fc.option(str, { nil: null }),
      rowsIn: fc.nat(), rowsOut: fc.nat(), rowsQuarantined: fc.nat(), startedAt: str,
      finishedAt: fc.option(str, { nil: null }), error: fc.option(str, { nil: null }),
    });
    fc.assert(fc.property(entryArb, fc.nat(), (e, version) => {
      const row = ledgerToRow(e, version);
      expect(row.version).toBe(version);
      expect(ledgerFromRow(row as Row)).toEqual(e);
    }));
  });
});

describe('latestPerKey', () => {
  it.each<[string, Array<{ entry: LedgerEntry; version: number }>, LedgerEntry[]]>([
    ['empty', [], []],
    [
      'highest version wins regardless of input order',
      [
        { entry: entry({ status: 'succeeded', attempts: 2 }), version: 3 },
        { entry: entry({ status: 'running', attempts: 1 }), version: 1 },
        { entry: entry({ status: 'failed', attempts: 1 }), version: 2 },
      ],
      [entry({ status: 'succeeded', attempts: 2 })],
    ],
    [
      'equal versions: the later one wins',
      [
        { entry: entry({ status: 'running' }), version: 1 },
        { entry: entry({ status: 'failed' }), version: 1 },
      ],
      [entry({ status: 'failed' })],
    ],
    [
      'run, step and partition each separate keys',
      [
        { entry: entry({ runId: 'run-1', status: 'running' }), version: 1 },
        { entry: entry({ runId: 'run-1', status: 'succeeded' }), version: 2 },
        { entry: entry({ runId: 'run-2', status: 'failed' }), version: 1 },
        { entry: entry({ step: 'labels', status: 'skipped' }), version: 1 },
        { entry: entry({ partition: '2024-01-05', status: 'running' }), version: 9 },
      ],
      [
        entry({ runId: 'run-1', status: 'succeeded' }),
        entry({ partition: '2024-01-05', status: 'running' }),
        entry({ step: 'labels', status: 'skipped' }),
        entry({ runId: 'run-2', status: 'failed' }),
      ],
    ],
    [
      'sorted by startedAt, then runId, step, partition',
      [
        { entry: entry({ runId: 'b', step: 's', partition: 'p', startedAt: '2024-01-04T10:00:00.000Z' }), version: 1 },
        { entry: entry({ runId: 'a', step: 's', partition: 'p', startedAt: '2024-01-04T11:00:00.000Z' }), version: 1 },
        { entry: entry({ runId: 'b', step: 'r', partition: 'q', startedAt: '2024-01-04T10:00:00.000Z' }), version: 1 },
        { entry: entry({ runId: 'a', step: 't', partition: 'p', startedAt: '2024-01-04T10:00:00.000Z' }), version: 1 },
        { entry: entry({ runId: 'b', step: 'r', partition: 'p', startedAt: '2024-01-04T10:00:00.000Z' }), version: 1 },
      ],
      [
        entry({ runId: 'a', step: 't', partition: 'p', startedAt: '2024-01-04T10:00:00.000Z' }),
        entry({ runId: 'b', step: 'r', partition: 'p', startedAt: '2024-01-04T10:00:00.000Z' }),
        entry({ runId: 'b', step: 'r', partition: 'q', startedAt: '2024-01-04T10:00:00.000Z' }),
        entry({ runId: 'b', step: 's', partition: 'p', startedAt: '2024-01-04T10:00:00.000Z' }),
        entry({ runId: 'a', step: 's', partition: 'p', startedAt: '2024-01-04T11:00:00.000Z' }),
      ],
    ],
    [
      'keys do not collide when fields contain the separator-free concatenation',
      [
        { entry: entry({ runId: 'ab', step: 'c' }), version: 1 },
        { entry: entry({ runId: 'a', step: 'bc' }), version: 2 },
      ],
      [entry({ runId: 'a', step: 'bc' }), entry({ runId: 'ab', step: 'c' })],
    ],
  ])('%s', (_label, entries, expected) => {
    expect(latestPerKey(entries)).toEqual(expected);
  });

  it('property: one entry per key, each the max version, sorted', () => {
    const small = fc.constantFrom('a', 'b', 'c');
    const item = fc.record({
      entry: fc.record({ runId: small, step: small, partition: small, startedAt: small, attempts: fc.nat(5) }).map((p) => entry(p)),
      version: fc.nat(10),
    });
    fc.assert(fc.property(fc.array(item, { maxLength: 30 }), (items) => {
      const out = latestPerKey(items);
      const key = (e: LedgerEntry) => [e.runId, e.step, e.partition].join('|');
      expect(new Set(out.map(key)).size).toBe(out.length);
      expect(new Set(out.map(key))).toEqual(new Set(items.map((i) => key(i.entry))));
      for (const e of out) {
        const mine = items.filter((i) => key(i.entry) === key(e));
        const max = Math.max(...mine.map((i) => i.version));
        expect(mine.filter((i) => i.version === max).at(-1)!.entry).toBe(e);
      }
      const order = out.map((e) => [e.startedAt, e.runId, e.step, e.partition].join('|'));
      expect(order).toEqual([...order].sort());
    }));
  });
});
