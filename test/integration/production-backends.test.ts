/**
 * The daily pipeline on the production backends, each a real server: S3 (s3rver, in-process), ClickHouse
 * (clickhouse-server from PATH) and Redis (redis-server from PATH), driven through the CLI with configuration
 * only. Missing server binaries skip the suite locally and fail it under CI=true (the helpers decide).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createSimulator } from '../../pipelines/sources/jquants/sim';
import { RedisOnlineStore, getOnlineFeatures } from '../../pipelines/storage/redis-online-store';
import { S3ObjectStore } from '../../pipelines/storage/s3-object-store';
import { startClickHouse, type ClickHouseHandle } from '../helpers/clickhouse-server';
import { startRedis, type RedisHandle } from '../helpers/redis-server';
import { startS3rver } from '../helpers/s3-server';
import { runCli } from '../helpers/run-cli';

jest.setTimeout(300_000);
const ROOT = path.join(__dirname, '../..');
const FROM = '2024-06-03';
const TO = '2024-06-12';
const NEXT = '2024-06-13';
const DB = 'g3';
const PASSWORD = 'ch-s3cret';

let ch: ClickHouseHandle | null = null;
let redis: RedisHandle | null = null;
let s3: Awaited<ReturnType<typeof startS3rver>> | undefined;
let sim: ReturnType<typeof createSimulator> | undefined;
let client: ClickHouseClient | undefined;
let env: Record<string, string> = {};
let dataDir = '';

beforeAll(async () => {
  ch = await startClickHouse({ password: PASSWORD });
  redis = await startRedis();
  if (!ch || !redis) {
    console.warn(`production-backends suite skipped: ${!ch ? 'clickhouse-server' : 'redis-server'} is not installed`);
    return;
  }
  s3 = await startS3rver();
  sim = createSimulator({ seed: 7, codes: 30, from: '2023-10-02', asOf: '2024-06-28' });
  const { url } = await sim.listen(0, '127.0.0.1');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-prod-'));
  env = {
    ...s3.env,
    GOGOOKU3_DATA_DIR: dataDir, GOGOOKU3_JQUANTS_URL: url, JQUANTS_API_KEY: 'sim-api-key', GOGOOKU3_JQUANTS_RATE_LIMIT: '100000',
    GOGOOKU3_QUARANTINE_MAX_RATIO: '0.05',
    GOGOOKU3_OBJECT_STORE: 's3://g3-lake/prod',
    GOGOOKU3_DWH: `clickhouse://default:${PASSWORD}@127.0.0.1:${ch.httpPort}/${DB}`,
    GOGOOKU3_ONLINE_STORE: redis.url,
  };
  client = createClient({ url: ch.httpUrl, username: 'default', password: PASSWORD, database: 'default' });
});

afterAll(async () => {
  await client?.close();
  await Promise.allSettled([ch?.stop(), redis?.stop(), s3?.stop(), sim?.close()]);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const ready = () => ch !== null && redis !== null;

async function chRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await client!.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return (await result.json()) as Array<Record<string, unknown>>;
}

/** The latest ledger state per (step, partition) as ClickHouse holds it. */
async function ledgerState(step: string): Promise<Map<string, string>> {
  const rows = await chRows(`SELECT partition, argMax(status, version) AS status FROM ${DB}.run_ledger WHERE step = '${step}' GROUP BY partition`);
  return new Map(rows.map((r) => [String(r.partition), String(r.status)]));
}

function runChild(args: string[], extra: Record<string, string>): Promise<{ status: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/gogooku3.js'), ...args], { env: { ...process.env, ...env, GOGOOKU3_LOG_LEVEL: 'silent', ...extra } });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('close', (status, signal) => resolve({ status, signal, out }));
  });
}

describe('production backends: S3 + ClickHouse + Redis', () => {
  it('storage init creates the bucket, the database and the ledger, and reports what the servers support', async () => {
    if (!ready()) return;
    const r = await runCli(['storage', 'init', '--format', 'json'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.objectStore).toEqual({ url: 's3://g3-lake/prod', bucketCreated: true, versioning: 'unsupported' });
    expect(report.warehouse).toMatchObject({ serverVersion: '18.16.1', swap: 'RENAME TABLE', ttl: false, tables: ['run_ledger'] });
    expect(report.warehouse.url).toBe(`clickhouse://default:***@127.0.0.1:${ch!.httpPort}/${DB}`);
    expect(r.out).not.toContain(PASSWORD);
    const again = await runCli(['storage', 'init', '--format', 'json'], env);
    expect(JSON.parse(again.out).objectStore.bucketCreated).toBe(false);
  });

  it('a backfill writes Parquet to S3, loads ClickHouse through staging + swap, keeps the ledger there and publishes to Redis', async () => {
    if (!ready()) return;
    const r = await runCli(['run', 'backfill', '--from', FROM, '--to', TO, '--format', 'json'], env);
    if (r.code !== 0) throw new Error(r.out + r.err);
    const summary = JSON.parse(r.out);
    expect(summary.outputs.warehouse).not.toContain(PASSWORD);
    const sessions = summary.sessions.count as number;
    expect(sessions).toBe(8);
    for (const step of ['load_adjusted_prices', 'load_features', 'load_labels']) expect(summary.steps[step].succeeded).toBeGreaterThan(0);

    // Lake on S3: committed partitions with their markers; no local warehouse file (the ledger lives in ClickHouse).
    const store = new S3ObjectStore('s3://g3-lake/prod', { endpoint: s3!.endpoint, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
    const keys = await store.list('features/');
    expect(keys.filter((k) => k.endsWith('_SUCCESS.json'))).toHaveLength(sessions);
    await store.close();
    expect(fs.existsSync(path.join(dataDir, 'warehouse.duckdb'))).toBe(false);

    // ClickHouse: one table per DWH dataset, every session loaded, ledger entries per (dataset, date).
    const perDate = await chRows(`SELECT toString(date) AS d, count() AS n FROM ${DB}.features GROUP BY date ORDER BY date`);
    expect(perDate).toHaveLength(sessions);
    const ledgerLoads = await ledgerState('load_features');
    expect([...ledgerLoads.values()].every((s) => s === 'succeeded')).toBe(true);
    expect(ledgerLoads.size).toBe(sessions);
    const rowsOut = await chRows(`SELECT sum(rows_out) AS n FROM (SELECT partition, argMax(rows_out, version) AS rows_out FROM ${DB}.run_ledger WHERE step = 'features' GROUP BY partition)`);
    expect(perDate.reduce((a, r) => a + Number(r.n), 0)).toBe(rowsOut[0].n);
    const engines = await chRows(`SELECT name, engine FROM system.tables WHERE database = '${DB}' ORDER BY name`);
    expect(engines).toEqual([
      { name: 'adjusted_prices', engine: 'MergeTree' }, { name: 'daily_returns', engine: 'View' }, { name: 'features', engine: 'MergeTree' },
      { name: 'labels', engine: 'MergeTree' }, { name: 'run_ledger', engine: 'MergeTree' },
    ]);
    const returns = await chRows(`SELECT count() AS n FROM ${DB}.daily_returns WHERE ret_1d IS NOT NULL`);
    expect(returns[0].n).toBeGreaterThan(0);
    // The CLI's query command speaks ClickHouse SQL to the DWH.
    const q = await runCli(['query', '--format', 'json', `SELECT count() AS n FROM features WHERE date = toDate('${TO}')`], env);
    expect(JSON.parse(q.out)[0].n).toBe(perDate[perDate.length - 1].n);

    // Redis: the last session's vectors of every ticker, all from this run, equal to the DWH's values.
    const last = await chRows(`SELECT ticker, returns_1d, rsi_14 FROM ${DB}.features WHERE date = toDate('${TO}') ORDER BY ticker`);
    const online = new RedisOnlineStore(redis!.url);
    const matrix = await getOnlineFeatures(online, last.map((r) => String(r.ticker)), ['returns_1d', 'rsi_14']);
    await online.close();
    expect(matrix).toMatchObject({ runId: summary.runId, asOf: TO, missing: [] });
    expect(matrix.values).toEqual(last.map((r) => [r.returns_1d, r.rsi_14]));
  });

  it('parity check passes when serving matches the DWH, stores the outcome in the ledger, metrics and S3, and fails on drift', async () => {
    if (!ready()) return;
    const r = await runCli(['parity', 'check', '--date', TO, '--format', 'json'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ pass: true, exactMatchRate: 1, missingOnline: [], staleOnline: [] });
    expect(report.features.length).toBeGreaterThan(100);
    expect(report.maxPsi).toBe(0);
    expect((await ledgerState('parity')).get(TO)).toBe('succeeded');
    expect(fs.readFileSync(path.join(dataDir, 'metrics/parity.prom'), 'utf8')).toMatch(/feature_parity_pass\{feature_set="default"\} 1/);

    // Serving drifts: every rsi_14 shifted by 30 points → PSI far above 0.2 for that feature only.
    const online = new RedisOnlineStore(redis!.url);
    const tickers = report.tickers as number;
    const current = await chRows(`SELECT ticker FROM ${DB}.features WHERE date = toDate('${TO}') ORDER BY ticker`);
    expect(current).toHaveLength(tickers);
    const vectors = await online.get('default', current.map((c) => String(c.ticker)));
    await online.publish('default', vectors.map((v) => ({ ...v!, runId: 'drifted', values: { ...v!.values, rsi_14: (v!.values.rsi_14 ?? 50) + 30 } })));
    const drifted = await runCli(['parity', 'check', '--date', TO, '--format', 'json'], env);
    expect(drifted.code).toBe(1);
    const bad = JSON.parse(drifted.out);
    expect(bad.pass).toBe(false);
    expect(bad.features.filter((f: { pass: boolean }) => !f.pass).map((f: { feature: string }) => f.feature)).toEqual(['rsi_14']);
    expect(bad.failures.join('\n')).toContain('rsi_14');
    expect((await ledgerState('parity')).get(TO)).toBe('failed');
    await online.close();
  });

  it('a load killed between staging and swap leaves the old ClickHouse table intact; the re-run loads only that session', async () => {
    if (!ready()) return;
    const before = await chRows(`SELECT count() AS n, max(toString(date)) AS last FROM ${DB}.features`);
    const killed = await runChild(['run', 'daily', '--date', NEXT], { GOGOOKU3_TEST_KILL_AFTER: 'swap:features' });
    if (killed.signal !== 'SIGKILL') throw new Error(`not killed: ${killed.status}\n${killed.out}`);
    // Readers still see the old table: same rows, no trace of the new session; the verified staging table is left over.
    expect(await chRows(`SELECT count() AS n, max(toString(date)) AS last FROM ${DB}.features`)).toEqual(before);
    const leftovers = await chRows(`SELECT name FROM system.tables WHERE database = '${DB}' AND startsWith(name, 'features__')`);
    expect(leftovers).toHaveLength(1);
    expect((await ledgerState('load_features')).get(NEXT)).toBe('running');

    const rerun = await runCli(['run', 'daily', '--date', NEXT, '--format', 'json'], env);
    if (rerun.code !== 0) throw new Error(rerun.out + rerun.err);
    const summary = JSON.parse(rerun.out);
    expect(summary.steps.fetch).toMatchObject({ succeeded: 0 });
    expect(summary.steps.load_features).toMatchObject({ succeeded: 1, failed: 0 });
    const after = await chRows(`SELECT max(toString(date)) AS last, countIf(date = toDate('${NEXT}')) AS next FROM ${DB}.features`);
    expect(after[0].last).toBe(NEXT);
    expect(after[0].next).toBeGreaterThan(0);
    expect(await chRows(`SELECT name FROM system.tables WHERE database = '${DB}' AND position(name, '__') > 0`)).toEqual([]);
    expect((await ledgerState('load_features')).get(NEXT)).toBe('succeeded');
  });

  it('with ClickHouse down the run fails fast with exit 69 naming the backend URL without the password', async () => {
    if (!ready()) return;
    ch!.kill();
    try {
      const r = await runCli(['run', 'daily', '--date', NEXT], { ...env, GOGOOKU3_LOG_LEVEL: 'silent' });
      expect(r.code).toBe(69);
      expect(r.err).toContain(`warehouse clickhouse://default:***@127.0.0.1:${ch!.httpPort}/${DB}`);
      expect(r.err).toMatch(/ECONNREFUSED/);
      expect(r.err + r.out).not.toContain(PASSWORD);
    } finally {
      await ch!.restart();
    }
  });
});
