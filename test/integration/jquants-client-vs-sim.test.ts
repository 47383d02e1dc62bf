import { loadConfig } from '../../pipelines/config/config';
import { createJQuantsClient, type Row } from '../../pipelines/sources/jquants';
import { createSimulator } from '../../pipelines/sources/jquants/sim';

/**
 * The client against the simulator over real HTTP, with and without injected faults: every fault kind is retried,
 * and the rows that arrive are exactly the rows a fault-free run gets — none lost, none twice.
 */

const SIM = { seed: 11, codes: 120, from: '2023-01-04', asOf: '2024-06-28', pageSize: 40 };
const key = (r: Row) => `${r.code}|${r.date}`;

type Sim = ReturnType<typeof createSimulator>;

async function withSim<T>(options: Record<string, unknown>, run: (url: string, creds: { apiKey: string; mailAddress: string; password: string }, sim: Sim) => Promise<T>): Promise<T> {
  const sim = createSimulator({ ...SIM, ...options });
  const { url } = await sim.listen(0, '127.0.0.1');
  try {
    return await run(url, sim.options, sim);
  } finally {
    await sim.close();
  }
}

function client(url: string, env: Record<string, string>) {
  const config = loadConfig({
    GOGOOKU3_JQUANTS_URL: url, GOGOOKU3_JQUANTS_RATE_LIMIT: '100000', GOGOOKU3_JQUANTS_CONCURRENCY: '6',
    GOGOOKU3_JQUANTS_TIMEOUT_MS: '600', GOGOOKU3_JQUANTS_MAX_RETRIES: '12', ...env,
  });
  // Short backoff keeps the suite quick; the policy itself is unit-tested.
  return createJQuantsClient(config.jquants, { random: () => 0.05 });
}

const DATES = ['2024-06-03', '2024-06-04', '2024-06-05', '2024-06-06', '2024-06-07', '2024-06-10', '2024-06-11', '2024-06-12'];

let listedCodes: string[] = [];

async function fetchAll(c: ReturnType<typeof client>) {
  const bars = (await Promise.all(DATES.map((date) => c.dailyBars({ date })))).flatMap((r) => r.rows);
  const codes = listedCodes.slice(0, 20);
  const byCode = (await Promise.all(codes.map((code) => c.dailyBars({ code, from: '2023-01-04', to: '2024-06-28' })))).flatMap((r) => r.rows);
  const listed = (await c.listedInfo({ date: '2024-06-12' })).rows;
  const investors = (await c.investorTypes({ from: '2024-01-01', to: '2024-06-28' })).rows;
  const calendar = (await c.tradingCalendar({ from: '2024-01-01', to: '2024-06-28' })).rows;
  return { bars, byCode, listed, investors, calendar };
}

describe('J-Quants client ↔ simulator over HTTP', () => {
  let reference: Awaited<ReturnType<typeof fetchAll>>;

  beforeAll(async () => {
    listedCodes = await withSim({}, async (url, creds) => (await client(url, { JQUANTS_API_KEY: creds.apiKey }).listedInfo({ date: '2023-01-04' })).rows.map((r) => String(r.code)));
    reference = await withSim({}, (url, creds) => fetchAll(client(url, { JQUANTS_API_KEY: creds.apiKey })));
  });

  it('a fault-free v2 run returns every listed code for each session, once', () => {
    expect(reference.bars.length).toBeGreaterThan(DATES.length * 50);
    expect(new Set(reference.bars.map(key)).size).toBe(reference.bars.length);
    expect(reference.calendar.length).toBeGreaterThan(100);
    expect(reference.investors.length).toBeGreaterThan(20);
    expect(reference.listed.length).toBeGreaterThan(50);
    expect(new Set(reference.byCode.map((r) => r.code)).size).toBe(20);
    expect(reference.byCode.length).toBeGreaterThan(20 * 300);
  });

  it('v1 (mail/password → tokens) gets the same rows as v2', async () => {
    const v1 = await withSim({}, (url, creds) => fetchAll(client(url, { JQUANTS_MAIL_ADDRESS: creds.mailAddress, JQUANTS_PASSWORD: creds.password })));
    expect(v1).toEqual(reference);
  });

  it.each([
    ['v2', (c: { apiKey: string }) => ({ JQUANTS_API_KEY: c.apiKey })],
    ['v1', (c: { mailAddress: string; password: string }) => ({ JQUANTS_MAIL_ADDRESS: c.mailAddress, JQUANTS_PASSWORD: c.password })],
  ] as const)('%s with 10 %% injected faults completes with no duplicate or lost rows', async (_v, env) => {
    await withSim({ faultRate: 0.1, slowMs: 1500, retryAfterSeconds: 0 }, async (url, creds, sim) => {
      const c = client(url, env(creds as never));
      const got = await fetchAll(c);
      expect(got).toEqual(reference);
      const faults = sim.stats().faults;
      // Every kind of fault happened and each one cost the client a retry.
      expect(Object.values(faults.byKind).every((n) => n > 0)).toBe(true);
      expect(faults.injected / faults.dataRequests).toBeGreaterThan(0.05);
      const retried = Object.values(c.stats.retries).reduce((a, b) => a + b, 0);
      // Slow replies outlast the client's timeout, so every injected fault is exactly one failed attempt.
      expect(retried).toBe(faults.injected);
    });
  });
});
