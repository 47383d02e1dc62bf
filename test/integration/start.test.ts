// The router serves models in-process: onnxruntime-node needs the main realm's typed arrays under jest.
import '../../pipelines/serve/jest-realm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSimulator } from '../../pipelines/sources/jquants/sim';
import { json, startScriptedServer } from '../helpers/scripted-server';
import { runCli } from '../helpers/run-cli';

jest.setTimeout(300_000);
const run = (argv: string[], env: Record<string, string>) => runCli(argv, env);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'g3-start-'));

describe('gogooku3 start (the main job on embedded defaults)', () => {
  const dataDir = tmp();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('backfills from the simulator over HTTP, runs the daily increment, publishes, trains, registers and serves; a re-run redoes nothing', async () => {
    const args = ['start', '--codes', '30', '--years', '0.25', '--bad-row-rate', '0', '--format', 'json'];
    const first = await run(args, { GOGOOKU3_DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const { runs } = JSON.parse(first.out);
    expect(runs.map((r: { pipeline: string }) => r.pipeline)).toEqual(['backfill', 'daily']);
    expect(runs[0].sessions.count).toBeGreaterThan(50);
    expect(runs[1].sessions.count).toBe(1);
    expect(runs[1].published.vectors).toBeGreaterThan(10);
    expect(runs[1].features.names).toBeGreaterThanOrEqual(5);
    // Models: ridge champion in production, MLP challenger in staging, both verified ONNX in the registry, served.
    const { models } = JSON.parse(first.out);
    expect(models.models.map((m: { kind: string; version: number; stage: string; reused: boolean }) => [m.kind, m.version, m.stage, m.reused])).toEqual([['ridge', 1, 'production', false], ['mlp', 2, 'staging', false]]);
    for (const m of models.models) {
      for (const key of ['ic', 'rank_ic', 'rmse']) expect(Number.isFinite(m.cvMean[key])).toBe(true);
      expect(m.oracle.matchedRows).toBe(1);
    }
    expect(fs.existsSync(path.join(dataDir, 'lake/models/alpha/config.pbtxt'))).toBe(true);
    expect(models.router.requests).toBe(100);
    expect(models.router.byVariant.champion + (models.router.byVariant.challenger ?? 0)).toBe(100);
    expect(models.router.byVariant.champion).toBeGreaterThan(70);
    expect(models.router.scored).toBe(runs[1].published.vectors);
    expect(JSON.parse(fs.readFileSync(models.weightsFile, 'utf8')).models[0].variants.map((v: { name: string }) => v.name)).toEqual(['champion', 'challenger']);

    const secondRun = await run(args, { GOGOOKU3_DATA_DIR: dataDir });
    const again = JSON.parse(secondRun.out);
    for (const summary of again.runs) {
      for (const counts of Object.values(summary.steps) as Array<{ succeeded: number }>) expect(counts.succeeded).toBe(0);
    }
    // The same data trains the same models: the registered versions are reused, nothing new is registered.
    expect(again.models.models.map((m: { version: number; reused: boolean }) => [m.version, m.reused])).toEqual([[1, true], [2, true]]);
    // Sticky routing: the same request ids meet the same variants.
    expect(again.models.router.byVariant).toEqual(models.router.byVariant);
  });

  it('bad arguments name the option', async () => {
    const result = await run(['start', '--codes', 'many'], { GOGOOKU3_DATA_DIR: dataDir });
    expect(result.code).toBe(2);
    expect(result.err).toContain('--codes: expected an integer 1..9007199254740991, got "many"');
  });
});

describe('bad input from the source (a scripted J-Quants)', () => {
  it('quarantines bad rows with reasons, fails a missing day by name, loses nothing', async () => {
    const sessions = ['2024-06-24', '2024-06-25', '2024-06-26'];
    const server = await startScriptedServer((req, res) => {
      switch (req.path) {
        case '/v2/markets/calendar':
          return json(res, 200, { data: sessions.map((d) => ({ Date: d, HolDiv: '1' })) });
        case '/v2/equities/master':
          return json(res, 200, { data: [{ Date: req.query.get('date'), Code: '72030', CoName: 'トヨタ', Mkt: '0111', S33: '3700' }] });
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
      const dir = tmp();
      const env = { GOGOOKU3_DATA_DIR: dir, GOGOOKU3_JQUANTS_URL: server.url, JQUANTS_API_KEY: 'k', GOGOOKU3_QUARANTINE_MAX_RATIO: '0.9' };
      const r = await run(['run', 'backfill', '--from', '2024-06-24', '--to', '2024-06-26', '--format', 'json'], env);
      expect(r.code).toBe(1);
      const summary = JSON.parse(r.out);
      expect(summary.failures).toEqual([{ step: 'fetch', partition: '2024-06-25', error: 'daily_bars: no rows at all for session 2024-06-25 (missing day at the source)' }]);
      const q = await run(['query', '--format', 'json', "SELECT CAST(date AS VARCHAR) AS date, stage, rule, field, message FROM quarantine ORDER BY date, stage, field"], env);
      expect(JSON.parse(q.out)).toEqual([
        { date: '2024-06-24', stage: 'contract', rule: 'high_ge_max', field: 'high', message: 'high must be >= max(open, low, close) = 105, got 90' },
        { date: '2024-06-24', stage: 'contract', rule: 'low_le_min', field: 'low', message: 'low must be <= min(open, high, close) = 90, got 95' },
        { date: '2024-06-24', stage: 'wire', rule: 'type', field: 'O', message: 'daily_bars[2].O must be a number, got "n/a"' },
        { date: '2024-06-26', stage: 'contract', rule: 'high_ge_max', field: 'high', message: 'high must be >= max(open, low, close) = 105, got 90' },
        { date: '2024-06-26', stage: 'contract', rule: 'low_le_min', field: 'low', message: 'low must be <= min(open, high, close) = 90, got 95' },
        { date: '2024-06-26', stage: 'wire', rule: 'type', field: 'O', message: 'daily_bars[2].O must be a number, got "n/a"' },
      ]);
      const valid = await run(['query', '--format', 'json', 'SELECT ticker, CAST(date AS VARCHAR) AS date FROM validated_prices ORDER BY date'], env);
      expect(JSON.parse(valid.out)).toEqual([{ ticker: '7203', date: '2024-06-24' }, { ticker: '7203', date: '2024-06-26' }]);
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
