import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDPOINTS, endpointPath, type ApiVersion, type EndpointName } from '../fields';
import { TseCalendar } from '../../../calendar';
import { INVALID_TOKEN } from './auth';
import { SMALL_MARKET, call, fetchAll, startSimulator, v1Headers, v2Headers, type Running } from './testing';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/jquants', name), 'utf8')) as Record<string, Array<Record<string, unknown>>>;

let sim: Running;
let v1: Record<string, string>;
const v2 = v2Headers();
const path = (name: EndpointName, version: ApiVersion, query = '') => `${endpointPath(ENDPOINTS[name], version)}${query}`;
const headersFor = (version: ApiVersion) => (version === 'v1' ? v1 : v2);
const keyFor = (name: EndpointName, version: ApiVersion) => (version === 'v1' ? ENDPOINTS[name].v1ArrayKey : 'data');

beforeAll(async () => {
  sim = await startSimulator({ ...SMALL_MARKET, pageSize: 5000 });
  v1 = await v1Headers(sim.url);
});
afterAll(() => sim.close());

/** A code listed over the whole small history (first and last session have rows). */
function fullLifeCode(): string {
  const w = sim.sim.world;
  const i = w.uni.codes.findIndex((_, k) => w.listT[k] === 0 && w.endT[k] === w.sessions.length);
  return w.uni.codes[i];
}

describe('wire shapes match the real samples', () => {
  const typeOf = (v: unknown) => (v === null ? 'null' : typeof v);
  it.each<[string, EndpointName, string, (k: string) => boolean]>([
    ['jquants_v1_daily_quotes_example.json', 'daily_bars', `?code=${'CODE'}&date=2023-03-24`, (k) => !/^(Morning|Afternoon)/.test(k)],
    ['jquants_v1_listed_info_example.json', 'listed_info', '?date=2022-11-11', () => true],
    ['jquants_v1_trades_spec_example.json', 'investor_types', '?section=TSEPrime&from=2023-01-01&to=2023-03-31', () => true],
  ])('%s: v1 has every sample key with the same JSON type; v2 the mapped names', async (file, name, query, kept) => {
    const sample = fixture(file)[ENDPOINTS[name].v1ArrayKey][0];
    const wanted = Object.keys(sample).filter(kept);
    const q = query.replace('CODE', fullLifeCode());
    const one = (await call(`${sim.url}${path(name, 'v1', q)}`, { headers: v1 })).json()[ENDPOINTS[name].v1ArrayKey];
    expect(one.length).toBeGreaterThan(0);
    const traded = one.find((r: Record<string, unknown>) => Object.values(r).every((v) => v !== null)) ?? one[0];
    expect(Object.keys(traded).sort()).toEqual([...wanted].sort());
    for (const k of wanted) expect([k, typeOf(traded[k])]).toEqual([k, typeOf(sample[k])]);

    const two = (await call(`${sim.url}${path(name, 'v2', q)}`, { headers: v2 })).json().data;
    const v2Names = ENDPOINTS[name].fields.filter((f) => wanted.includes(f.v1)).map((f) => f.v2);
    expect(Object.keys(two[0]).sort()).toEqual(v2Names.sort());
  });

  it.each<[EndpointName, string]>([
    ['trading_calendar', '?from=2023-01-01&to=2023-01-10'],
    ['dividends', '?from=2023-01-01&to=2023-06-30'],
  ])('%s: both versions carry every field of the shared table', async (name, query) => {
    for (const version of ['v1', 'v2'] as const) {
      const rows = (await call(`${sim.url}${path(name, version, query)}`, { headers: headersFor(version) })).json()[keyFor(name, version)];
      expect(rows.length).toBeGreaterThan(0);
      expect(Object.keys(rows[0]).sort()).toEqual(ENDPOINTS[name].fields.map((f) => (version === 'v1' ? f.v1 : f.v2)).sort());
    }
  });
});

describe('determinism', () => {
  const queries = [
    path('daily_bars', 'v2', '?date=2021-03-01'),
    path('listed_info', 'v2', '?date=2020-06-01'),
    path('investor_types', 'v2', '?from=2023-01-01&to=2023-12-31'),
    path('dividends', 'v2', '?from=2022-01-01&to=2022-12-31'),
  ];

  it('same seed: identical bytes, including pagination keys, from a second simulator', async () => {
    const twin = await startSimulator({ ...SMALL_MARKET, pageSize: 5000 });
    try {
      for (const q of [...queries, path('daily_bars', 'v2', '?date=2021-03-01&pagination_key=')]) {
        const a = await call(`${sim.url}${q}`, { headers: v2 });
        const b = await call(`${twin.url}${q}`, { headers: v2 });
        expect(a.status).toBe(200);
        expect(b.text).toBe(a.text);
      }
      const paged = await startSimulator({ ...SMALL_MARKET, pageSize: 7 });
      const again = await startSimulator({ ...SMALL_MARKET, pageSize: 7 });
      const q = path('daily_bars', 'v2', '?date=2021-03-01');
      const first = (await call(`${paged.url}${q}`, { headers: v2 })).json().pagination_key;
      expect((await call(`${again.url}${q}`, { headers: v2 })).json().pagination_key).toBe(first);
      await Promise.all([paged.close(), again.close()]);
    } finally {
      await twin.close();
    }
  });

  it('another seed: different bytes', async () => {
    const other = await startSimulator({ ...SMALL_MARKET, seed: 8 });
    try {
      for (const q of queries) {
        const a = await call(`${sim.url}${q}`, { headers: v2 });
        const b = await call(`${other.url}${q}`, { headers: v2 });
        expect(b.text).not.toBe(a.text);
      }
    } finally {
      await other.close();
    }
  });
});

describe('auth', () => {
  const authUser = (body: unknown) => call(`${sim.url}/v1/token/auth_user`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const dataV1 = (headers: Record<string, string>) => call(`${sim.url}${path('listed_info', 'v1')}`, { headers });
  const dataV2 = (headers: Record<string, string>) => call(`${sim.url}${path('listed_info', 'v2')}`, { headers });

  it.each<[string, unknown, number, RegExp]>([
    ['wrong password', { mailaddress: 'sim@example.com', password: 'nope' }, 400, /incorrect/],
    ['unknown mail', { mailaddress: 'x@example.com', password: 'sim-password' }, 400, /incorrect/],
    ['missing password', { mailaddress: 'sim@example.com' }, 400, /required/],
    ['not JSON', 'mailaddress=sim', 400, /JSON/],
  ])('auth_user with %s', async (_, body, status, message) => {
    const got = await authUser(body);
    expect(got.status).toBe(status);
    expect(got.json().message).toMatch(message);
  });

  it.each<[string, string, number]>([
    ['no token', '', 400],
    ['an unknown token', '?refreshtoken=forged', 400],
  ])('auth_refresh with %s', async (_, query, status) => {
    const got = await call(`${sim.url}/v1/token/auth_refresh${query}`, { method: 'POST' });
    expect(got.status).toBe(status);
    expect(got.json().message).toMatch(/refreshtoken/);
  });

  it.each<[string, Record<string, string>, number, string]>([
    ['no Authorization', {}, 401, 'Unauthorized'],
    ['an unknown id token', { authorization: 'Bearer forged' }, 401, INVALID_TOKEN],
    ['the refresh token as id token', { authorization: 'Bearer sim.x' }, 401, INVALID_TOKEN],
    ['the v2 API key', { 'x-api-key': 'sim-api-key' }, 401, 'Unauthorized'],
  ])('v1 data with %s → 401', async (_, headers, status, message) => {
    const got = await dataV1(headers);
    expect(got.status).toBe(status);
    expect(got.json()).toEqual({ message });
  });

  it.each<[string, Record<string, string>, number]>([
    ['no key', {}, 401],
    ['a wrong key', { 'x-api-key': 'nope' }, 403],
    ['a v1 id token', { authorization: 'Bearer x' }, 401],
    ['the right key', { 'x-api-key': 'sim-api-key' }, 200],
  ])('v2 data with %s', async (_, headers, status) => {
    expect((await dataV2(headers)).status).toBe(status);
  });

  it('the good v1 flow works and tokens expire on the simulator clock', async () => {
    let now = Date.parse('2024-01-01T00:00:00Z');
    const clocked = await startSimulator({ ...SMALL_MARKET, codes: 5, idTokenTtlSeconds: 60, refreshTokenTtlSeconds: 600 }, { now: () => now });
    try {
      const user = await call(`${clocked.url}/v1/token/auth_user`, { method: 'POST', body: JSON.stringify({ mailaddress: 'sim@example.com', password: 'sim-password' }) });
      const refreshToken = user.json().refreshToken as string;
      const refresh = () => call(`${clocked.url}/v1/token/auth_refresh?refreshtoken=${encodeURIComponent(refreshToken)}`, { method: 'POST' });
      const idToken = (await refresh()).json().idToken as string;
      const get = () => call(`${clocked.url}${path('listed_info', 'v1')}`, { headers: { authorization: `Bearer ${idToken}` } });
      expect((await get()).status).toBe(200);
      now += 61_000;
      expect(await get().then((g) => [g.status, g.json().message])).toEqual([401, INVALID_TOKEN]);
      expect((await refresh()).status).toBe(200);
      now += 600_000;
      expect((await refresh()).status).toBe(400);
    } finally {
      await clocked.close();
    }
  });
});

describe('pagination', () => {
  let paged: Running;
  beforeAll(async () => { paged = await startSimulator({ ...SMALL_MARKET, pageSize: 7 }); });
  afterAll(() => paged.close());

  it.each<[EndpointName, ApiVersion, string]>([
    ['daily_bars', 'v1', '?date=2021-03-01'],
    ['daily_bars', 'v2', '?code=CODE&from=2021-01-01&to=2021-03-31'],
    ['listed_info', 'v1', '?date=2023-06-01'],
    ['trading_calendar', 'v2', '?from=2022-01-01&to=2022-02-28'],
    ['investor_types', 'v1', '?from=2023-01-01&to=2023-06-30'],
    ['dividends', 'v2', '?from=2022-01-01&to=2022-06-30'],
  ])('%s %s: the union of pages is the unpaginated reply; every key differs', async (name, version, query) => {
    const q = query.replace('CODE', fullLifeCode());
    const headers = version === 'v1' ? await v1Headers(paged.url) : v2;
    const pages = await fetchAll(paged.url, path(name, version, q), headers, keyFor(name, version));
    const whole = (await call(`${sim.url}${path(name, version, q)}`, { headers: headersFor(version) })).json();
    expect(whole.pagination_key).toBeUndefined();
    expect(pages.rows).toEqual(whole[keyFor(name, version)]);
    expect(pages.keys.length).toBe(Math.ceil(pages.rows.length / 7) - 1);
    expect(new Set(pages.keys).size).toBe(pages.keys.length);
  });

  it('a key replayed with another query, or a forged key, is a 400', async () => {
    const first = (await call(`${paged.url}${path('daily_bars', 'v2', '?date=2021-03-01')}`, { headers: v2 })).json();
    const replay = await call(`${paged.url}${path('daily_bars', 'v2', `?date=2021-03-02&pagination_key=${first.pagination_key}`)}`, { headers: v2 });
    expect(replay.status).toBe(400);
    const forged = await call(`${paged.url}${path('daily_bars', 'v2', '?date=2021-03-01&pagination_key=bm9wZQ')}`, { headers: v2 });
    expect(forged.status).toBe(400);
    // The same query in the other date spelling is the same query.
    const sameQuery = await call(`${paged.url}${path('daily_bars', 'v2', `?date=20210301&pagination_key=${first.pagination_key}`)}`, { headers: v2 });
    expect(sameQuery.status).toBe(200);
  });
});

describe('query rules', () => {
  it.each<[string, string, number, RegExp | null]>([
    ['daily bars without code or date', path('daily_bars', 'v1'), 400, /at least 1 parameter as follows; date, code/],
    ['daily bars with only from/to', path('daily_bars', 'v2', '?from=2021-01-01&to=2021-01-31'), 400, /date, code/],
    ['a malformed date', path('daily_bars', 'v2', '?date=2021-13-01'), 400, /date/],
    ['an unknown section', path('investor_types', 'v2', '?section=NASDAQ'), 400, /section/],
    ['an unknown holiday division', path('trading_calendar', 'v2', '?holidaydivision=9'), 400, /holidaydivision/],
    ['dividends without any parameter', path('dividends', 'v2'), 400, /parameter/],
    ['an unknown path', '/v2/equities/nothing', 404, /Not Found/],
    ['a v1 path under v2', '/v2/prices/daily_quotes?date=2021-03-01', 404, /Not Found/],
  ])('%s', async (_, p, status, message) => {
    const got = await call(`${sim.url}${p}`, { headers: p.startsWith('/v1') ? v1 : v2 });
    expect(got.status).toBe(status);
    if (message) expect(got.json().message).toMatch(message);
  });

  it('a range wider than maxRangeDays is 413; a narrower one is served', async () => {
    const narrow = await startSimulator({ ...SMALL_MARKET, maxRangeDays: 100 });
    try {
      const code = fullLifeCode();
      for (const [query, status] of [
        [`?code=${code}&from=2021-01-01&to=2021-06-30`, 413], [`?code=${code}&from=2021-01-01&to=2021-03-31`, 200],
      ] as const) {
        expect((await call(`${narrow.url}${path('daily_bars', 'v2', query)}`, { headers: v2 })).status).toBe(status);
      }
      expect((await call(`${narrow.url}${path('investor_types', 'v2', '?from=2021-01-01')}`, { headers: v2 })).status).toBe(413);
      expect((await call(`${narrow.url}${path('daily_bars', 'v2', `?code=${code}`)}`, { headers: v2 })).status).toBe(200);
    } finally {
      await narrow.close();
    }
  });

  it('accepts 4-character codes and YYYYMMDD dates', async () => {
    const code = fullLifeCode();
    const a = await call(`${sim.url}${path('daily_bars', 'v2', `?code=${code.slice(0, 4)}&date=20210301`)}`, { headers: v2 });
    const b = await call(`${sim.url}${path('daily_bars', 'v2', `?code=${code}&date=2021-03-01`)}`, { headers: v2 });
    expect(a.json().data).toHaveLength(1);
    expect(a.text).toBe(b.text);
  });
});

describe('the 2020-10-01 outage and the calendar', () => {
  it('every code listed around it has a row with all OHLCV, turnover and adjusted values null', async () => {
    const rows = (await call(`${sim.url}${path('daily_bars', 'v1', '?date=2020-10-01')}`, { headers: v1 })).json().daily_quotes;
    const before = (await call(`${sim.url}${path('daily_bars', 'v1', '?date=2020-09-30')}`, { headers: v1 })).json().daily_quotes;
    const after = (await call(`${sim.url}${path('daily_bars', 'v1', '?date=2020-10-02')}`, { headers: v1 })).json().daily_quotes;
    const both = before.map((r: { Code: string }) => r.Code).filter((c: string) => after.some((r: { Code: string }) => r.Code === c));
    expect(rows.map((r: { Code: string }) => r.Code)).toEqual(both);
    for (const row of rows) {
      for (const k of ['Open', 'High', 'Low', 'Close', 'Volume', 'TurnoverValue', 'AdjustmentOpen', 'AdjustmentHigh', 'AdjustmentLow', 'AdjustmentClose', 'AdjustmentVolume']) {
        expect([k, row[k]]).toEqual([k, null]);
      }
      expect(row.AdjustmentFactor).toBe(1);
    }
    const code = both[0];
    const series = (await call(`${sim.url}${path('daily_bars', 'v2', `?code=${code}&from=2020-09-29&to=2020-10-05`)}`, { headers: v2 })).json().data;
    expect(series.map((r: { Date: string }) => r.Date)).toEqual(['2020-09-29', '2020-09-30', '2020-10-01', '2020-10-02', '2020-10-05']);
  });

  it('HolidayDivision is "1" for sessions and 2020-10-01, "0" otherwise; holidaydivision filters', async () => {
    const all = (await call(`${sim.url}${path('trading_calendar', 'v1', '?from=2020-09-18&to=2020-10-05')}`, { headers: v1 })).json().trading_calendar;
    const division = Object.fromEntries(all.map((r: { Date: string; HolidayDivision: string }) => [r.Date, r.HolidayDivision]));
    expect(division).toMatchObject({ '2020-09-18': '1', '2020-09-19': '0', '2020-09-21': '0', '2020-09-22': '0', '2020-09-23': '1', '2020-10-01': '1', '2020-10-03': '0' });
    const open = (await call(`${sim.url}${path('trading_calendar', 'v2', '?holidaydivision=1&from=2020-01-01&to=2020-12-31')}`, { headers: v2 })).json().data;
    const sessions = sim.sim.world.calendar.sessions('2020-01-01', '2020-12-31');
    expect(open.map((r: { Date: string }) => r.Date)).toEqual([...sessions, '2020-10-01'].sort());
  });
});

describe('listed info, investor types and dividends over HTTP', () => {
  it('listed info follows listings, delistings and the 2022 market restructuring', async () => {
    const w = sim.sim.world;
    const late = w.uni.codes.findIndex((_, i) => w.listT[i] > 5 && w.listT[i] < w.sessions.length);
    const gone = w.uni.codes.findIndex((_, i) => w.endT[i] > 5 && w.endT[i] < w.sessions.length);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(gone).toBeGreaterThanOrEqual(0);
    const listed = async (date: string) => new Set((await call(`${sim.url}${path('listed_info', 'v2', `?date=${date}`)}`, { headers: v2 })).json().data.map((r: { Code: string }) => r.Code));
    expect((await listed(w.sessions[w.listT[late] - 1])).has(w.uni.codes[late])).toBe(false);
    expect((await listed(w.sessions[w.listT[late]])).has(w.uni.codes[late])).toBe(true);
    expect((await listed(w.sessions[w.endT[gone] - 1])).has(w.uni.codes[gone])).toBe(true);
    expect((await listed(w.sessions[w.endT[gone]])).has(w.uni.codes[gone])).toBe(false);

    const bars = (await call(`${sim.url}${path('daily_bars', 'v2', `?code=${w.uni.codes[late]}`)}`, { headers: v2 })).json().data;
    expect(bars[0].Date).toBe(w.sessions[w.listT[late]]);
    const history = (await call(`${sim.url}${path('daily_bars', 'v2', `?code=${w.uni.codes[gone]}`)}`, { headers: v2 })).json().data;
    expect(history[history.length - 1].Date).toBe(w.sessions[w.endT[gone] - 1]);

    const markets = async (date: string) => new Set((await call(`${sim.url}${path('listed_info', 'v1', `?date=${date}`)}`, { headers: v1 })).json().info.map((r: { MarketCode: string }) => r.MarketCode));
    expect([...(await markets('2022-04-01'))].every((m) => ['0101', '0102', '0104', '0106', '0107'].includes(m as string))).toBe(true);
    expect([...(await markets('2022-04-04'))].every((m) => ['0111', '0112', '0113'].includes(m as string))).toBe(true);
  });

  it('investor types: from/to select by PublishedDate; corrections appear as a second row', async () => {
    const rows = (await call(`${sim.url}${path('investor_types', 'v1', '?from=2023-01-01&to=2023-12-31')}`, { headers: v1 })).json().trades_spec;
    expect(rows.every((r: { PublishedDate: string }) => r.PublishedDate >= '2023-01-01' && r.PublishedDate <= '2023-12-31')).toBe(true);
    const keys = rows.map((r: { Section: string; StartDate: string; EndDate: string }) => `${r.Section}|${r.StartDate}|${r.EndDate}`);
    expect(new Set(keys).size).toBeLessThan(keys.length);
    const prime = (await call(`${sim.url}${path('investor_types', 'v2', '?section=TSEPrime')}`, { headers: v2 })).json().data;
    expect(prime.length).toBeGreaterThan(50);
    expect(new Set(prime.map((r: { Section: string }) => r.Section))).toEqual(new Set(['TSEPrime']));
  });

  it('dividends by code, by announcement date, and by range agree', async () => {
    const byRange = (await call(`${sim.url}${path('dividends', 'v2', '?from=2021-01-01&to=2021-12-31')}`, { headers: v2 })).json().data;
    expect(byRange.length).toBeGreaterThan(20);
    const sample = byRange[0];
    const byDate = (await call(`${sim.url}${path('dividends', 'v2', `?date=${sample.PubDate}`)}`, { headers: v2 })).json().data;
    expect(byDate).toContainEqual(sample);
    const byCode = (await call(`${sim.url}${path('dividends', 'v1', `?code=${sample.Code}`)}`, { headers: v1 })).json().dividend;
    expect(byCode.every((r: { Code: string }) => r.Code === sample.Code)).toBe(true);
    expect(new Set(byRange.map((r: { RefNo: string }) => r.RefNo)).size).toBe(byRange.length);
  });
});

describe('publication lag (publishLagMinutes)', () => {
  it('serves a session\'s bars only once its close plus the lag has passed on the simulator clock', async () => {
    const asOf = SMALL_MARKET.asOf!;
    const closeAt = Date.parse(TseCalendar.fromRules().sessionTimes(asOf).closeAt);
    let now = closeAt + 30 * 60_000;
    const lagged = await startSimulator({ ...SMALL_MARKET, codes: 5, publishLagMinutes: 60 }, { now: () => now });
    const plain = await startSimulator({ ...SMALL_MARKET, codes: 5 });
    try {
      const bars = async (url: string, query: string) => (await fetchAll(url, path('daily_bars', 'v2', query), v2, 'data')).rows.map((r) => `${r.Code} ${r.Date}`);
      const expectedDay = await bars(plain.url, `?date=${asOf}`);
      expect(expectedDay.length).toBeGreaterThan(0);
      const code = expectedDay[0].split(' ')[0];
      expect(await bars(lagged.url, `?date=${asOf}`)).toEqual([]);
      const before = await bars(lagged.url, `?code=${code}&to=${asOf}`);
      expect(before.length).toBeGreaterThan(0);
      expect(before.some((r) => r.endsWith(asOf))).toBe(false);
      now = closeAt + 60 * 60_000;
      expect(await bars(lagged.url, `?date=${asOf}`)).toEqual(expectedDay);
      expect(await bars(lagged.url, `?code=${code}&to=${asOf}`)).toEqual(await bars(plain.url, `?code=${code}&to=${asOf}`));
      // other endpoints are not held back
      now = closeAt;
      const listed = async (url: string) => (await call(`${url}${path('listed_info', 'v2', `?date=${asOf}`)}`, { headers: v2 })).json().data;
      expect(await listed(lagged.url)).toEqual(await listed(plain.url));
    } finally {
      await lagged.close();
      await plain.close();
    }
  });
});
