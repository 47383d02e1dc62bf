import { InvalidStoreUrlError } from './errors';
import {
  capabilities, checkIdentifier, clickhouseType, createTableDdl, dailyReturnsView, ddlSettings, loadTableNames, parseClickHouseUrl,
  parseServerVersion, quoteIdentifier, quoteLiteral, swapStatement, type Capabilities,
} from './clickhouse-support';
import type { ColumnSpec } from './types';

const caps = (version: string): Capabilities => capabilities(parseServerVersion(version));

/** The columns of a features partition, in lake order. */
const FEATURE_COLUMNS: ColumnSpec[] = [
  { name: 'ticker', type: 'string' },
  { name: 'date', type: 'date' },
  { name: 'manifest_version', type: 'string' },
  { name: 'returns_1d', type: 'double' },
  { name: 'volatility_20d', type: 'double' },
  { name: 'rsi_14', type: 'double' },
  { name: 'is_limit_up', type: 'boolean' },
  { name: 'volume', type: 'integer' },
];

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('parseClickHouseUrl', () => {
  it.each([
    ['defaults', 'clickhouse://ch.internal', { httpUrl: 'http://ch.internal:8123', username: 'default', password: '', database: 'default', redacted: 'clickhouse://ch.internal' }],
    ['empty path is the default database', 'clickhouse://ch.internal/', { httpUrl: 'http://ch.internal:8123', database: 'default' }],
    ['port, user, database', 'clickhouse://etl@ch.internal:9000/analytics', { httpUrl: 'http://ch.internal:9000', username: 'etl', password: '', database: 'analytics', redacted: 'clickhouse://etl@ch.internal:9000/analytics' }],
    ['percent-encoded password with @ and :', 'clickhouse://alice:p%40ss%3Aw@ch.internal:8123/dwh', { httpUrl: 'http://ch.internal:8123', username: 'alice', password: 'p@ss:w', database: 'dwh', redacted: 'clickhouse://alice:***@ch.internal:8123/dwh' }],
    ['password without user', 'clickhouse://:secret@127.0.0.1', { httpUrl: 'http://127.0.0.1:8123', username: 'default', password: 'secret', redacted: 'clickhouse://:***@127.0.0.1' }],
    ['percent-encoded user', 'clickhouse://a%40b:x@h', { username: 'a@b', password: 'x' }],
    ['?secure=true → https on the default port', 'clickhouse://ch.internal?secure=true', { httpUrl: 'https://ch.internal:8123', redacted: 'clickhouse://ch.internal?secure=true' }],
    ['?secure=false stays http', 'clickhouse://ch.internal?secure=false', { httpUrl: 'http://ch.internal:8123' }],
    ['port 8443 → https', 'clickhouse://u:pw@ch.internal:8443/db', { httpUrl: 'https://ch.internal:8443', password: 'pw', redacted: 'clickhouse://u:***@ch.internal:8443/db' }],
    ['IPv6 host keeps its brackets', 'clickhouse://[::1]:8123', { httpUrl: 'http://[::1]:8123' }],
  ])('%s', (_label, url, expected) => {
    expect(parseClickHouseUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['bad scheme', 'http://alice:hunter2@ch.internal/db', 'http://alice:***@ch.internal/db', /expected clickhouse:\/\//],
    ['no host', 'clickhouse://alice:hunter2@/db', undefined, /no host|not a URL/],
    ['database with a dash', 'clickhouse://alice:hunter2@ch.internal/my-db', 'clickhouse://alice:***@ch.internal/my-db', /database must match/],
    ['database starting with a digit', 'clickhouse://alice:hunter2@ch.internal/1db', 'clickhouse://alice:***@ch.internal/1db', /database must match/],
    ['nested path', 'clickhouse://alice:hunter2@ch.internal/db/extra', 'clickhouse://alice:***@ch.internal/db/extra', /database must match/],
    ['not a URL at all', 'clickhouse://alice:hunter2@[bad', 'clickhouse://alice:***@[bad', /not a URL/],
  ])('refuses %s with the redacted URL and never the password', (_label, url, redacted, reason) => {
    const error = thrown(() => parseClickHouseUrl(url));
    expect(error).toBeInstanceOf(InvalidStoreUrlError);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain('hunter2');
    expect((error as InvalidStoreUrlError).url).not.toContain('hunter2');
    if (redacted !== undefined) {
      expect((error as InvalidStoreUrlError).url).toBe(redacted);
      expect(error.message).toContain(JSON.stringify(redacted));
    }
  });

  it.each([
    ['clickhouse://u:hun%ZZter2@h'],
    ['clickhouse://u:hunter2@h/%ZZ'],
  ])('refuses malformed percent-encoding %s with InvalidStoreUrlError', (url) => {
    const error = thrown(() => parseClickHouseUrl(url));
    expect(error).toBeInstanceOf(InvalidStoreUrlError);
    expect(error.message).not.toContain('hun%ZZter2');
  });
});

describe('parseServerVersion', () => {
  it.each([
    ['18.16.1', 18, 16, '18.16.1'],
    ['20.1.2.4', 20, 1, '20.1.2.4'],
    [' 24.8.4.13\n', 24, 8, '24.8.4.13'],
    ['23.3.1.2823 (official build)', 23, 3, '23.3.1.2823 (official build)'],
  ])('%j', (text, major, minor, trimmed) => {
    expect(parseServerVersion(text)).toEqual({ major, minor, text: trimmed });
  });

  it.each(['', 'latest', 'v24.8', '24'])('refuses %j', (text) => {
    expect(() => parseServerVersion(text)).toThrow(/unrecognised ClickHouse version/);
  });
});

describe('capabilities', () => {
  it.each<[string, Capabilities]>([
    ['18.10.3', { ttl: false, lowCardinality: 'none', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['18.12.17', { ttl: false, lowCardinality: 'experimental', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['18.16.1', { ttl: false, lowCardinality: 'experimental', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['19.1.6', { ttl: false, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['19.5.4', { ttl: false, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['19.6.2', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['19.11.14', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: false }],
    ['19.12.1', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: false, parquetInput: true }],
    ['20.1.2.4', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: true, parquetInput: true }],
    ['20.9.7', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: false, dateTime64: true, parquetInput: true }],
    ['20.10.3', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: true, dateTime64: true, parquetInput: true }],
    ['21.8.1', { ttl: true, lowCardinality: 'ga', windowFunctions: false, exchangeTables: true, dateTime64: true, parquetInput: true }],
    ['21.9.2', { ttl: true, lowCardinality: 'ga', windowFunctions: true, exchangeTables: true, dateTime64: true, parquetInput: true }],
    ['24.8.4.13', { ttl: true, lowCardinality: 'ga', windowFunctions: true, exchangeTables: true, dateTime64: true, parquetInput: true }],
  ])('%s', (version, expected) => {
    expect(caps(version)).toEqual(expected);
  });
});

describe('clickhouseType', () => {
  const c18 = caps('18.16.1');
  const c24 = caps('24.8.4.13');
  it.each<[string, ColumnSpec, Capabilities, { experimentalLowCardinality?: boolean }, string]>([
    ['key string, no LowCardinality on 18.16', { name: 'ticker', type: 'string' }, c18, {}, 'String'],
    ['key string, experimental LowCardinality', { name: 'ticker', type: 'string' }, c18, { experimentalLowCardinality: true }, 'LowCardinality(String)'],
    ['key string on 24.8', { name: 'ticker', type: 'string' }, c24, {}, 'LowCardinality(String)'],
    ['nullable low-cardinality string', { name: 'sector33', type: 'string' }, c24, {}, 'LowCardinality(Nullable(String))'],
    ['manifest_version', { name: 'manifest_version', type: 'string' }, c24, {}, 'LowCardinality(Nullable(String))'],
    ['other strings stay plain', { name: 'company_name', type: 'string' }, c24, {}, 'Nullable(String)'],
    ['key date', { name: 'date', type: 'date' }, c18, {}, 'Date'],
    ['non-key date', { name: 'disclosed', type: 'date' }, c18, {}, 'Nullable(Date)'],
    ['double', { name: 'close', type: 'double' }, c18, {}, 'Nullable(Float64)'],
    ['integer', { name: 'volume', type: 'integer' }, c18, {}, 'Nullable(Int64)'],
    ['boolean', { name: 'halted', type: 'boolean' }, c18, {}, 'Nullable(UInt8)'],
    ['timestamp on 20.1', { name: 'at', type: 'timestamp' }, caps('20.1.2.4'), {}, "Nullable(DateTime64(3, 'UTC'))"],
    ['non-string LowCardinality name is not wrapped', { name: 'ticker', type: 'integer' }, c24, {}, 'Int64'],
  ])('%s', (_label, column, c, options, expected) => {
    expect(clickhouseType(column, c, options)).toBe(expected);
  });

  it('refuses timestamps before DateTime64', () => {
    expect(() => clickhouseType({ name: 'at', type: 'timestamp' }, caps('19.16.1'), {})).toThrow('column at: timestamps need DateTime64 (ClickHouse 20.1+)');
  });
});

describe('ddlSettings', () => {
  it.each<[string, { experimentalLowCardinality?: boolean }, Record<string, 0 | 1>]>([
    ['18.16.1', {}, {}],
    ['18.16.1', { experimentalLowCardinality: false }, {}],
    ['18.16.1', { experimentalLowCardinality: true }, { allow_experimental_low_cardinality_type: 1 }],
    ['18.10.3', { experimentalLowCardinality: true }, {}],
    ['19.1.6', { experimentalLowCardinality: true }, {}],
    ['24.8.4.13', { experimentalLowCardinality: true }, {}],
  ])('%s %j', (version, options, expected) => {
    expect(ddlSettings(caps(version), options)).toEqual(expected);
  });
});

describe('createTableDdl', () => {
  it.each<[string, string, { ttlYears?: number; experimentalLowCardinality?: boolean }]>([
    ['18.16 (no TTL, plain String, no settings)', '18.16.1', {}],
    ['18.16 with experimental LowCardinality', '18.16.1', { experimentalLowCardinality: true }],
    ['24.8 (LowCardinality, TTL 2 years)', '24.8.4.13', {}],
    ['24.8 with ttlYears 0 (no TTL)', '24.8.4.13', { ttlYears: 0 }],
  ])('features on %s', (_label, version, options) => {
    const c = caps(version);
    const ddl = createTableDdl('features', FEATURE_COLUMNS, c, options);
    expect({ ddl, settings: ddlSettings(c, options) }).toMatchSnapshot();
  });

  it.each<[string, string, { ttlYears?: number; experimentalLowCardinality?: boolean }, Partial<Record<'ttl' | 'lowCardinality' | 'settings', boolean>>]>([
    ['18.16.1', '18.16.1', {}, { ttl: false, lowCardinality: false, settings: false }],
    ['18.16.1 experimental', '18.16.1', { experimentalLowCardinality: true }, { ttl: false, lowCardinality: true, settings: true }],
    ['19.6.2', '19.6.2', {}, { ttl: true, lowCardinality: true, settings: false }],
    ['24.8 default', '24.8.4.13', {}, { ttl: true, lowCardinality: true, settings: false }],
    ['24.8 ttlYears 0', '24.8.4.13', { ttlYears: 0 }, { ttl: false, lowCardinality: true, settings: false }],
  ])('%s: TTL / LowCardinality / settings', (_label, version, options, expected) => {
    const c = caps(version);
    const ddl = createTableDdl('features', FEATURE_COLUMNS, c, options);
    expect(ddl.includes('TTL ')).toBe(expected.ttl);
    expect(ddl.includes('LowCardinality(')).toBe(expected.lowCardinality);
    expect(Object.keys(ddlSettings(c, options)).length > 0).toBe(expected.settings);
    expect(ddl).toMatch(/^CREATE TABLE `features` \(\n/);
    expect(ddl).toContain('\nENGINE = MergeTree\nPARTITION BY toYYYYMM(date)\nORDER BY (ticker, date)');
  });

  it.each([
    [2, 'TTL date + INTERVAL 2 YEAR DELETE'],
    [5, 'TTL date + INTERVAL 5 YEAR DELETE'],
  ])('ttlYears %p → %s', (ttlYears, clause) => {
    expect(createTableDdl('features', FEATURE_COLUMNS, caps('24.8.4.13'), { ttlYears }).endsWith(`\n${clause}`)).toBe(true);
  });

  it('ttlYears 0 → no TTL', () => {
    expect(createTableDdl('features', FEATURE_COLUMNS, caps('24.8.4.13'), { ttlYears: 0 })).not.toContain('TTL');
  });

  // A fractional year would truncate to INTERVAL 0 YEAR, which deletes every row on the next merge.
  it.each([0.5, 3.7, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses ttlYears %p', (ttlYears) => {
    expect(() => createTableDdl('features', FEATURE_COLUMNS, caps('24.8.4.13'), { ttlYears })).toThrow(/ttlYears must be a whole number/);
  });

  it('keys ticker/date are NOT NULL, every other column Nullable', () => {
    for (const version of ['18.16.1', '24.8.4.13']) {
      const ddl = createTableDdl('features', FEATURE_COLUMNS, caps(version));
      const lines = new Map(ddl.split('\n').filter((l) => l.startsWith('  `')).map((l) => {
        const m = /^ {2}`([^`]+)` (.+?),?$/.exec(l);
        return [m![1], m![2]] as const;
      }));
      expect([...lines.keys()]).toEqual(FEATURE_COLUMNS.map((c) => c.name));
      for (const [name, type] of lines) {
        if (name === 'ticker' || name === 'date') expect(type).not.toContain('Nullable');
        else expect(type).toContain('Nullable(');
      }
    }
  });

  it('orders by date alone without a ticker column', () => {
    const ddl = createTableDdl('calendar', [{ name: 'date', type: 'date' }, { name: 'open', type: 'boolean' }], caps('24.8.4.13'));
    expect(ddl).toContain('ORDER BY (date)\n');
  });

  it.each<[string, string, ColumnSpec[], string, RegExp | string]>([
    ['no date column', 'features', [{ name: 'ticker', type: 'string' }, { name: 'close', type: 'double' }], '24.8.4.13', 'table features needs a date column to be partitioned'],
    ['timestamp on 18.16', 'events', [{ name: 'date', type: 'date' }, { name: 'at', type: 'timestamp' }], '18.16.1', /timestamps need DateTime64/],
    ['table with a dash', 'my-table', FEATURE_COLUMNS, '24.8.4.13', /^table "my-table" must match/],
    ['table with a backtick', 'x`; DROP TABLE y', FEATURE_COLUMNS, '24.8.4.13', /must match/],
    ['empty table name', '', FEATURE_COLUMNS, '24.8.4.13', /must match/],
    ['table name of 129 characters', 'a'.repeat(129), FEATURE_COLUMNS, '24.8.4.13', /must match/],
  ])('refuses %s', (_label, table, columns, version, message) => {
    expect(() => createTableDdl(table, columns, caps(version))).toThrow(message);
  });

  it('accepts a 128-character table name', () => {
    expect(createTableDdl('a'.repeat(128), FEATURE_COLUMNS, caps('24.8.4.13'))).toContain(`\`${'a'.repeat(128)}\``);
  });
});

describe('checkIdentifier', () => {
  it.each([['features', true], ['_x9', true], ['9x', false], ['a.b', false], ['naïve', false], ['a b', false]])('%j → ok %p', (name, ok) => {
    if (ok) expect(checkIdentifier(name, 'dataset')).toBe(name);
    else expect(() => checkIdentifier(name, 'dataset')).toThrow(`dataset ${JSON.stringify(name)} must match`);
  });
});

describe('dailyReturnsView', () => {
  it.each([
    ['18.16.1', 'features', false],
    ['21.8.1', 'features', false],
    ['21.9.2', 'adjusted_prices', true],
    ['24.8.4.13', 'adjusted_prices', true],
  ])('%s reads %s (window function: %p)', (version, source, modern) => {
    const view = dailyReturnsView(caps(version));
    expect(view.source).toBe(source);
    expect(view.sql).toMatch(/^CREATE VIEW IF NOT EXISTS daily_returns AS\s+SELECT ticker, date, /);
    expect(view.sql).toMatch(new RegExp(`FROM ${source}\\b`));
    expect(view.sql).toContain(' AS ret_1d');
    expect(view.sql.includes('lagInFrame(close) OVER w')).toBe(modern);
    expect(view.sql.includes('PARTITION BY ticker ORDER BY date')).toBe(modern);
    expect(view.sql.includes('returns_1d AS ret_1d')).toBe(!modern);
  });
});

describe('loadTableNames', () => {
  it.each([
    ['features', 'run-2024-01-04', 'run20240104'],
    ['labels', '2024-01-04T09:00:00.000Z/abc', '20240104T090000000Zabc'],
    ['features', 'r'.repeat(10) + '0123456789abcdefghijklmn', '0123456789abcdefghijklmn'],
    ['features', '--', ''],
  ])('%s / %j → suffix %j', (table, runId, suffix) => {
    const names = loadTableNames(table, runId);
    expect(names).toEqual({ staging: `${table}__staging_${suffix}`, old: `${table}__old_${suffix}`, leftoverPrefix: `${table}__` });
    expect(names.staging.startsWith(names.leftoverPrefix)).toBe(true);
    expect(names.old.startsWith(names.leftoverPrefix)).toBe(true);
    expect(() => checkIdentifier(names.staging, 'staging')).not.toThrow();
    expect(() => checkIdentifier(names.old, 'old')).not.toThrow();
  });

  it('runs of different ids share the prefix but not the names', () => {
    const a = loadTableNames('features', 'run-a');
    const b = loadTableNames('features', 'run-b');
    expect(a.leftoverPrefix).toBe(b.leftoverPrefix);
    expect(a.staging).not.toBe(b.staging);
  });
});

describe('swapStatement', () => {
  const names = { staging: 'features__staging_r1', old: 'features__old_r1' };
  it.each([
    ['no target (first load), old server', '18.16.1', false, { sql: 'RENAME TABLE `features__staging_r1` TO `features`', kind: 'rename', dropAfter: '' }],
    ['no target (first load), modern server', '24.8.4.13', false, { sql: 'RENAME TABLE `features__staging_r1` TO `features`', kind: 'rename', dropAfter: '' }],
    ['exchange on 20.10', '20.10.3', true, { sql: 'EXCHANGE TABLES `features` AND `features__staging_r1`', kind: 'exchange', dropAfter: 'features__staging_r1' }],
    ['exchange on 24.8', '24.8.4.13', true, { sql: 'EXCHANGE TABLES `features` AND `features__staging_r1`', kind: 'exchange', dropAfter: 'features__staging_r1' }],
    ['double rename on 20.9', '20.9.7', true, { sql: 'RENAME TABLE `features` TO `features__old_r1`, `features__staging_r1` TO `features`', kind: 'rename', dropAfter: 'features__old_r1' }],
    ['double rename on 18.16', '18.16.1', true, { sql: 'RENAME TABLE `features` TO `features__old_r1`, `features__staging_r1` TO `features`', kind: 'rename', dropAfter: 'features__old_r1' }],
  ])('%s', (_label, version, targetExists, expected) => {
    const swap = swapStatement('features', names, caps(version), targetExists);
    expect(swap).toEqual(expected);
    expect(swap.sql.split(';')).toHaveLength(1);
  });
});

describe('quoting', () => {
  it.each([
    ['plain', 'features', '`features`'],
    ['backtick', 'a`b', '`a\\`b`'],
    ['backslash', 'a\\b', '`a\\\\b`'],
    ['backslash before backtick', 'a\\`', '`a\\\\\\``'],
    ['single quote untouched', "it's", "`it's`"],
  ])('quoteIdentifier %s', (_label, input, expected) => {
    expect(quoteIdentifier(input)).toBe(expected);
  });

  it.each([
    ['plain', '2024-01-04', "'2024-01-04'"],
    ['single quote', "O'Brien", "'O\\'Brien'"],
    ['backslash', 'C:\\x', "'C:\\\\x'"],
    ['trailing backslash cannot escape the closing quote', 'x\\', "'x\\\\'"],
    ['backslash then quote', "\\'", "'\\\\\\''"],
    ['backtick untouched', 'a`b', "'a`b'"],
    ['injection attempt', "x' OR 1=1 --", "'x\\' OR 1=1 --'"],
  ])('quoteLiteral %s', (_label, input, expected) => {
    expect(quoteLiteral(input)).toBe(expected);
  });

  it('a quoted literal has no unescaped quote inside', () => {
    for (const s of ["'", "\\'", "''\\\\'", "a\\\\\\'b"]) {
      const inner = quoteLiteral(s).slice(1, -1);
      // Strip escape pairs; what is left must contain no quote or backslash.
      expect(inner.replace(/\\[\\']/g, '')).not.toMatch(/['\\]/);
    }
  });
});
