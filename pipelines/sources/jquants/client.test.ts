import { loadConfig } from '../../config/config';
import { json, startScriptedServer, type Handler } from '../../../test/helpers/scripted-server';
import { createJQuantsClient, splitRange } from './client';
import {
  JQuantsBadRequestError, JQuantsMalformedResponseError, JQuantsPayloadTooLargeError, JQuantsRetryExhaustedError, JQuantsAuthConfigError,
} from './errors';
import type { Clock } from './rate-limiter';

const bar = (date: string, code = '72030') => ({ Date: date, Code: code, Open: 1, High: 2, Low: 1, Close: 2, Volume: 10, AdjustmentFactor: 1 });

async function withServer(handler: Handler, env: Record<string, string>, run: (client: ReturnType<typeof createJQuantsClient>, seen: Awaited<ReturnType<typeof startScriptedServer>>) => Promise<void>, clock?: Clock) {
  const server = await startScriptedServer(handler);
  try {
    const config = loadConfig({ GOGOOKU3_JQUANTS_URL: server.url, GOGOOKU3_JQUANTS_RATE_LIMIT: '10000', GOGOOKU3_JQUANTS_TIMEOUT_MS: '2000', ...env });
    await run(createJQuantsClient(config.jquants, { clock, random: () => 0 }), server);
  } finally {
    await server.close();
  }
}

const V2 = { JQUANTS_API_KEY: 'k' };

describe('JQuantsClient over HTTP', () => {
  it('follows pagination_key until absent and sends the same query each time (v2, x-api-key)', async () => {
    const pages: Record<string, { data: unknown[]; pagination_key?: string }> = {
      '': { data: [bar('2024-01-04')], pagination_key: 'p1' },
      p1: { data: [bar('2024-01-05')], pagination_key: 'p2' },
      p2: { data: [bar('2024-01-09')] },
    };
    await withServer((req, res) => json(res, 200, pages[req.query.get('pagination_key') ?? '']), V2, async (client, server) => {
      const result = await client.dailyBars({ code: '72030' });
      expect(result.rows.map((r) => r.date)).toEqual(['2024-01-04', '2024-01-05', '2024-01-09']);
      expect(result.pages).toBe(3);
      expect(server.requests.every((r) => r.path === '/v2/equities/bars/daily' && r.query.get('code') === '72030' && r.headers['x-api-key'] === 'k')).toBe(true);
    });
  });

  it('stops on a repeated pagination_key instead of looping', async () => {
    await withServer((_req, res) => json(res, 200, { data: [], pagination_key: 'same' }), V2, async (client) => {
      await expect(client.dailyBars({ date: '2024-01-04' })).rejects.toThrow(JQuantsMalformedResponseError);
    });
  });

  it('retries 429 (Retry-After), 500, truncated JSON and resets, then succeeds without duplicates', async () => {
    let n = 0;
    await withServer((req, res) => {
      n += 1;
      if (n === 1) return json(res, 429, { message: 'Too Many Requests' }, { 'retry-after': '0' });
      if (n === 2) return json(res, 500, { message: 'Internal Server Error' });
      if (n === 3) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"data":[{"Date":"2024'); return; }
      if (n === 4) { req.headers.connection; res.socket?.destroy(); return; }
      json(res, 200, { data: [bar('2024-01-04')] });
    }, V2, async (client) => {
      const result = await client.dailyBars({ date: '2024-01-04' });
      expect(result.rows).toHaveLength(1);
      expect(client.stats.requests).toBe(5);
      expect(Object.keys(client.stats.retries).sort()).toEqual(expect.arrayContaining(['HTTP 429', 'HTTP 500', 'truncated or non-JSON body']));
    });
  });

  it('gives up after maxRetries with a typed error carrying the cause', async () => {
    await withServer((_req, res) => json(res, 503, {}), { ...V2, GOGOOKU3_JQUANTS_MAX_RETRIES: '2' }, async (client) => {
      const error = await client.dailyBars({ date: '2024-01-04' }).catch((e) => e);
      expect(error).toBeInstanceOf(JQuantsRetryExhaustedError);
      expect(error.message).toBe('daily_bars: gave up after 3 attempts (last: HTTP 503)');
    });
  });

  it('does not retry a 400 and names the server message', async () => {
    await withServer((_req, res) => json(res, 400, { message: "This API requires at least 1 parameter as follows; 'date','code'." }), V2, async (client, server) => {
      await expect(client.dailyBars({})).rejects.toThrow(JQuantsBadRequestError);
      expect(server.requests).toHaveLength(1);
    });
  });

  it('splits a date range on 413 until the server accepts, losing and duplicating nothing', async () => {
    const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    await withServer((req, res) => {
      const from = req.query.get('from')!;
      const to = req.query.get('to')!;
      if (days(from, to) > 8) return json(res, 413, { message: 'Response data is too large.' });
      const rows = [];
      for (let d = Date.parse(from); d <= Date.parse(to); d += 86_400_000) rows.push(bar(new Date(d).toISOString().slice(0, 10)));
      json(res, 200, { data: rows });
    }, V2, async (client) => {
      const result = await client.dailyBars({ code: '72030', from: '2024-01-01', to: '2024-01-31' });
      expect(result.rows.map((r) => r.date)).toEqual(Array.from({ length: 31 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`));
    });
  });

  it('raises 413 when a single day cannot be narrowed', async () => {
    await withServer((_req, res) => json(res, 413, { message: 'Response data is too large.' }), V2, async (client) => {
      await expect(client.dailyBars({ date: '2024-01-04' })).rejects.toThrow(JQuantsPayloadTooLargeError);
    });
  });

  it('rejects unknown query parameters naming the allowed ones', async () => {
    await withServer((_req, res) => json(res, 200, { data: [] }), V2, async (client) => {
      await expect(client.fetch('daily_bars', { ticker: '7203' })).rejects.toThrow('daily_bars: unknown query parameter "ticker"; allowed: code, date, from, to');
    });
  });

  it('v1: mail/password → refresh token → id token, renewed before expiry and after a 401', async () => {
    const clock = { t: 1_000_000, now: () => clock.t, sleep: async (ms: number) => { clock.t += ms; } };
    let idCount = 0;
    let revoke = false;
    await withServer((req, res) => {
      if (req.path === '/v1/token/auth_user') {
        const body = JSON.parse(req.body);
        return body.mailaddress === 'me@example.com' && body.password === 'pw' ? json(res, 200, { refreshToken: 'R' }) : json(res, 400, { message: 'bad' });
      }
      if (req.path === '/v1/token/auth_refresh') {
        if (req.query.get('refreshtoken') !== 'R') return json(res, 400, { message: 'bad refresh token' });
        idCount += 1;
        return json(res, 200, { idToken: `ID${idCount}` });
      }
      if (req.headers.authorization !== `Bearer ID${idCount}` || revoke) {
        revoke = false;
        return json(res, 401, { message: 'The incoming token is invalid or expired.' });
      }
      json(res, 200, { info: [{ Date: '2024-01-04', Code: '86970', CompanyName: 'JPX' }] });
    }, { JQUANTS_MAIL_ADDRESS: 'me@example.com', JQUANTS_PASSWORD: 'pw' }, async (client, server) => {
      await Promise.all([client.listedInfo(), client.listedInfo(), client.listedInfo()]);
      expect(idCount).toBe(1); // concurrent callers share one token fetch
      clock.t += 23 * 3600_000 + 1; // past the 23 h margin
      await client.listedInfo();
      expect(idCount).toBe(2);
      revoke = true; // server-side expiry before our margin
      await client.listedInfo();
      expect(idCount).toBe(3);
      expect(server.requests.filter((r) => r.path === '/v1/token/auth_user')).toHaveLength(1);
      expect(server.requests.filter((r) => r.path === '/v1/listed/info').every((r) => !String(r.headers.authorization).includes('R'))).toBe(true);
      clock.t += 6 * 24 * 3600_000 + 1; // refresh token past its 6-day margin → mail/password again
      await client.listedInfo();
      expect(server.requests.filter((r) => r.path === '/v1/token/auth_user')).toHaveLength(2);
    }, clock);
  });

  it('v1 without credentials is a typed configuration error', () => {
    const config = loadConfig({ GOGOOKU3_JQUANTS_URL: 'http://127.0.0.1:9' });
    expect(() => createJQuantsClient(config.jquants)).toThrow(JQuantsAuthConfigError);
  });
});

describe('splitRange', () => {
  it.each([
    ['2024-01-01', '2024-01-31', [['2024-01-01', '2024-01-16'], ['2024-01-17', '2024-01-31']]],
    ['2024-01-01', '2024-01-02', [['2024-01-01', '2024-01-01'], ['2024-01-02', '2024-01-02']]],
    ['20240101', '20240103', [['2024-01-01', '2024-01-02'], ['2024-01-03', '2024-01-03']]],
    ['2024-01-01', '2024-01-01', undefined],
  ])('%s..%s', (from, to, expected) => {
    expect(splitRange(from, to)).toEqual(expected);
  });
});
