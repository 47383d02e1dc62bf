import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/run-cli';
import { loadConfig } from '../../pipelines/config/config';
import { validatedFetch } from '../../pipelines/jobs/validated-fetch';
import { createJQuantsClient } from '../../pipelines/sources/jquants';
import { createSimulator } from '../../pipelines/sources/jquants/sim';
import { json, startScriptedServer } from '../helpers/scripted-server';

const run = (argv: string[], env: Record<string, string>) => runCli(argv, env);

describe('gogooku3 start (the main job on embedded defaults)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('fetches through the client from the simulator, validates, and reports; a re-run gives the same report', async () => {
    const args = ['start', '--codes', '60', '--sessions', '5', '--as-of', '2024-06-29', '--format', 'json'];
    const first = await run(args, { GOGOOKU3_DATA_DIR: dataDir });
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out);
    expect(report.asOf).toBe('2024-06-28'); // a Saturday resolves to the Friday session
    expect(report.sessions).toEqual(['2024-06-24', '2024-06-25', '2024-06-26', '2024-06-27', '2024-06-28']);
    expect(report.datasets.map((d: { dataset: string; status: string }) => [d.dataset, d.status])).toEqual([
      ['listed_info', 'ok'], ['daily_bars', 'ok'], ['investor_types', 'ok'],
    ]);
    const bars = report.datasets[1];
    expect(bars.counts.valid).toBe(bars.fetched);
    expect(fs.existsSync(path.join(dataDir, 'quarantine/daily_bars/date=2024-06-28/rows.ndjson'))).toBe(true);
    const second = await run(args, { GOGOOKU3_DATA_DIR: dataDir });
    const { requests: _a, ...a } = report;
    const { requests: _b, ...b } = JSON.parse(second.out);
    expect(b).toEqual(a);
  });

  it('bad arguments name the option', async () => {
    const result = await run(['start', '--codes', 'many'], { GOGOOKU3_DATA_DIR: dataDir });
    expect(result.code).toBe(2);
    expect(result.err).toContain('--codes: expected an integer 1..9007199254740991, got "many"');
  });
});

describe('validatedFetch with bad input from the source', () => {
  it('quarantines bad rows with reasons, reports missing days and unknown fields, loses nothing', async () => {
    const sessions = ['2024-06-24', '2024-06-25', '2024-06-26'];
    const server = await startScriptedServer((req, res) => {
      switch (req.path) {
        case '/v2/markets/calendar':
          return json(res, 200, { data: sessions.map((d) => ({ Date: d, HolDiv: '1' })) });
        case '/v2/equities/master':
          return json(res, 200, { data: [{ Date: '2024-06-26', Code: '72030', CoName: 'トヨタ', Mkt: '0111', S33: '3700' }] });
        case '/v2/equities/investor-types':
          return json(res, 200, { data: [] });
        case '/v2/equities/bars/daily': {
          const date = req.query.get('date');
          if (date === '2024-06-25') return json(res, 200, { data: [] }); // a missing day
          return json(res, 200, {
            data: [
              { Date: date, Code: '72030', O: 100, H: 110, L: 95, C: 105, Vo: 1000, AdjFactor: 1, NewField: 'x' },
              { Date: date, Code: '86970', O: 100, H: 90, L: 95, C: 105, Vo: 1000, AdjFactor: 1 }, // high < low
              { Date: date, Code: '99840', O: 'n/a', H: 1, L: 1, C: 1, Vo: 1 }, // wrong type on the wire
            ],
          });
        }
        default:
          return json(res, 404, { message: 'not found' });
      }
    });
    try {
      const config = loadConfig({ GOGOOKU3_JQUANTS_URL: server.url, JQUANTS_API_KEY: 'k', GOGOOKU3_JQUANTS_RATE_LIMIT: '10000' });
      const report = await validatedFetch(createJQuantsClient(config.jquants), { asOf: '2024-06-26', sessions: 3, investorWeeks: 1, maxQuarantineRatio: 0.01 });
      const bars = report.datasets.find((d) => d.dataset === 'daily_bars')!;
      expect(bars.fetched).toBe(6);
      expect(bars.validation.counts.valid + bars.validation.counts.quarantined + bars.rejected.length).toBe(6);
      expect(bars.validation.counts.byRule).toEqual({ high_ge_max: 2, low_le_min: 2 });
      expect(bars.rejected.map((r) => r.issues[0].message)).toEqual([
        'daily_bars[2].O must be a number, got "n/a"',
        'daily_bars[2].O must be a number, got "n/a"',
      ]);
      expect(bars.status).toBe('fail');
      expect(report.status).toBe('fail');
      expect(report.warnings).toEqual(expect.arrayContaining([
        'daily_bars: no rows at all for session(s) 2024-06-25 (missing day at the source)',
        'daily_bars: unknown field(s) in reply ignored: NewField',
      ]));
    } finally {
      await server.close();
    }
  });
});

describe('gogooku3 calendar --source jquants', () => {
  it('lays the vendor calendar over the rules and logs where they differ (2020-10-01)', async () => {
    const sim = createSimulator({ seed: 1, codes: 20, from: '2020-01-06', asOf: '2020-12-30' });
    const { url } = await sim.listen(0, '127.0.0.1');
    try {
      const env = { GOGOOKU3_JQUANTS_URL: url, JQUANTS_API_KEY: sim.options.apiKey, GOGOOKU3_LOG_LEVEL: 'info' };
      const vendor = await run(['calendar', '--source', 'jquants', 'sessions', '--from', '2020-09-30', '--to', '2020-10-02'], env);
      expect(vendor.code).toBe(0);
      expect(vendor.out).toBe('2020-09-30\n2020-10-01\n2020-10-02\n');
      const logged = vendor.err.trim().split('\n').map((l) => JSON.parse(l));
      expect(logged).toEqual([expect.objectContaining({ msg: 'J-Quants calendar differs from the TSE rules; J-Quants wins', date: '2020-10-01', rules: false, jquants: true })]);
      const rules = await run(['calendar', '--source', 'rules', 'sessions', '--from', '2020-09-30', '--to', '2020-10-02'], env);
      expect(rules.out).toBe('2020-09-30\n2020-10-02\n');
    } finally {
      await sim.close();
    }
  });

  it('an unreachable API is exit 69 with --source jquants and a fallback to the rules with auto', async () => {
    const env = { GOGOOKU3_JQUANTS_URL: 'http://127.0.0.1:9', JQUANTS_API_KEY: 'k', GOGOOKU3_JQUANTS_MAX_RETRIES: '0' };
    const strict = await run(['calendar', '--source', 'jquants', 'is-session', '2024-06-28'], env);
    expect(strict.code).toBe(69);
    expect(strict.err).toMatch(/trading_calendar: gave up after 1 attempts/);
    const auto = await run(['calendar', 'is-session', '2024-06-28'], env);
    expect(auto.code).toBe(0);
    expect(auto.out).toBe('2024-06-28 is a TSE session\n');
  });
});
