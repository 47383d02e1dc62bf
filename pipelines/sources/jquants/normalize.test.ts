import fs from 'node:fs';
import path from 'node:path';
import { ENDPOINTS, toWire, type EndpointName } from './fields';
import { normalizeRecords, readValue } from './normalize';
import { classifyReply } from './transport';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/jquants', name), 'utf8')) as Record<string, unknown[]>;

describe('the shared real v1 samples parse', () => {
  it.each<[EndpointName, string, string]>([
    ['daily_bars', 'jquants_v1_daily_quotes_example.json', 'daily_quotes'],
    ['listed_info', 'jquants_v1_listed_info_example.json', 'info'],
    ['investor_types', 'jquants_v1_trades_spec_example.json', 'trades_spec'],
  ])('%s from %s', (endpoint, file, key) => {
    const records = fixture(file)[key];
    const batch = normalizeRecords(ENDPOINTS[endpoint], 'v1', records);
    expect(batch.rejected).toEqual([]);
    expect(batch.unknownFields.size).toBe(0);
    expect(batch.rows).toHaveLength(records.length);
  });

  it('daily quote values land in the internal shape', () => {
    const [row] = normalizeRecords(ENDPOINTS.daily_bars, 'v1', fixture('jquants_v1_daily_quotes_example.json').daily_quotes).rows;
    expect(row).toEqual(expect.objectContaining({
      date: '2023-03-24', code: '86970', open: 2047, high: 2069, low: 2035, close: 2045,
      upper_limit: false, lower_limit: false, volume: 2202500, adjustment_factor: 1, adjustment_close: 2045,
    }));
  });

  it('trades_spec invariants hold in the sample (Balance = Purchases − Sales, Total = Sales + Purchases)', () => {
    const [row] = normalizeRecords(ENDPOINTS.investor_types, 'v1', fixture('jquants_v1_trades_spec_example.json').trades_spec).rows;
    expect(row.section).toBe('TSE1st');
    expect(row.published_date).toBe('2017-01-13');
    expect(row.foreigners_balance).toBe((row.foreigners_purchases as number) - (row.foreigners_sales as number));
    expect(row.total_total).toBe((row.total_sales as number) + (row.total_purchases as number));
  });

  it.each<[EndpointName, string, string]>([
    ['daily_bars', 'jquants_v1_daily_quotes_example.json', 'daily_quotes'],
    ['listed_info', 'jquants_v1_listed_info_example.json', 'info'],
    ['investor_types', 'jquants_v1_trades_spec_example.json', 'trades_spec'],
  ])('%s: v1 and v2 wire forms normalise to the same rows', (endpoint, file, key) => {
    const spec = ENDPOINTS[endpoint];
    const rows = normalizeRecords(spec, 'v1', fixture(file)[key]).rows;
    const v2 = rows.map((row) => toWire(spec, 'v2', row));
    expect(normalizeRecords(spec, 'v2', v2).rows).toEqual(rows);
  });
});

describe('bad records are rejected with reasons, never dropped', () => {
  it('names the endpoint, index, field and expectation', () => {
    const batch = normalizeRecords(ENDPOINTS.daily_bars, 'v1', [
      { Date: '2024-01-04', Code: '72030', Open: 'abc', Close: 10 },
      { Date: null, Code: '72030' },
      'not an object',
      { Date: '20240105', Code: '72030', Close: '101.5', UpperLimit: 1, Bogus: 1 },
    ]);
    expect(batch.rows).toHaveLength(1);
    expect(batch.rows[0]).toEqual(expect.objectContaining({ date: '2024-01-05', close: 101.5, upper_limit: true, open: null }));
    expect(batch.unknownFields).toEqual(new Set(['Bogus']));
    expect(batch.rejected.map((r) => [r.index, r.issues.map((i) => `${i.field}:${i.rule}`)])).toEqual([
      [0, ['Open:type']],
      [1, ['Date:required']],
      [2, ['(record):shape']],
    ]);
    expect(batch.rejected[0].issues[0].message).toBe('daily_bars[0].Open must be a number, got "abc"');
    expect(batch.rows.length + batch.rejected.length).toBe(4);
  });

  it.each([
    ['date', '2023-02-30', false],
    ['date', '2024-02-29', true],
    ['code', '130A0', true],
    ['code', '13-0', false],
    ['number', Infinity, false],
    ['flag', '2', false],
    ['flag', null, true],
  ] as const)('readValue(%s, %p) ok=%p', (kind, raw, ok) => {
    expect(readValue(kind, raw).ok).toBe(ok);
  });
});

describe('classifyReply', () => {
  it.each([
    { status: 200, body: '{"a":1}', kind: 'ok' },
    { status: 200, body: '{"daily_quotes":[{"Date":"2024', kind: 'retry' },
    { status: 200, body: '', kind: 'retry' },
    { status: 429, body: '{"message":"Too Many Requests"}', kind: 'retry' },
    { status: 500, body: 'oops', kind: 'retry' },
    { status: 503, body: '', kind: 'retry' },
    { status: 400, body: '{"message":"This API requires at least 1 parameter as follows; \'date\',\'code\'."}', kind: 'fail' },
    { status: 401, body: '{"message":"The incoming token is invalid or expired."}', kind: 'fail' },
    { status: 403, body: '{"message":"Missing Authentication Token"}', kind: 'fail' },
    { status: 413, body: '{"message":"Response data is too large."}', kind: 'fail' },
  ])('$status $body → $kind', ({ status, body, kind }) => {
    expect(classifyReply(status, body, '2', 'daily_bars', 0).kind).toBe(kind);
  });

  it('carries Retry-After and the server message into typed errors', () => {
    expect(classifyReply(429, '', '2', 'x', 0)).toEqual(expect.objectContaining({ retryAfterMs: 2000 }));
    const out = classifyReply(401, '{"message":"The incoming token is invalid or expired."}', null, 'daily_bars', 0);
    expect(out.kind === 'fail' && out.error.message).toBe('daily_bars: HTTP 401: The incoming token is invalid or expired.');
    expect(out.kind === 'fail' && out.error.constructor.name).toBe('JQuantsUnauthorizedError');
  });
});
