/**
 * `npm run bench`: the daily pipeline on a 4,000-ticker market served by the J-Quants simulator in its own
 * process (as the real API is remote). Backfills a stretch of sessions, then times one daily increment from
 * HTTP to the online store. Writes bench/results.json; figures only, no pass/fail.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../pipelines/config/config';
import { silentLogger } from '../../pipelines/log';
import { buildContext } from '../../pipelines/run/build';
import { runPipeline } from '../../pipelines/run/pipeline';
import { writeFileAtomic } from '../../pipelines/storage/atomic';

const ROOT = path.join(__dirname, '../..');
const CODES = Number(process.env.BENCH_CODES ?? 4000);
const BACKFILL_SESSIONS = Number(process.env.BENCH_BACKFILL_SESSIONS ?? 40);
const AS_OF = '2024-06-28';

async function startSimulator(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/gogooku3.js'), 'sim', 'jquants', '--port', '0', '--seed', '11', '--codes', String(CODES), '--from', '2023-06-01', '--as-of', AS_OF], {
    env: { ...process.env, GOGOOKU3_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function main() {
  const sim = await startSimulator();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-bench-'));
  const config = loadConfig({ GOGOOKU3_DATA_DIR: dataDir, GOGOOKU3_JQUANTS_URL: sim.url, JQUANTS_API_KEY: 'sim-api-key', GOGOOKU3_JQUANTS_RATE_LIMIT: '100000', GOGOOKU3_JQUANTS_CONCURRENCY: '8' });
  try {
    const { ctx: probe, stores } = await buildContext(config, silentLogger, { from: '2024-01-04', to: AS_OF, force: false });
    const cal = probe.calendar;
    const daily = cal.prev(AS_OF) < AS_OF && cal.isSession(AS_OF) ? AS_OF : cal.prev(AS_OF);
    const history: string[] = [];
    for (let d = cal.prev(daily); history.length < BACKFILL_SESSIONS; d = cal.prev(d)) history.unshift(d);

    const { ctx: backfillCtx } = await buildContext(config, silentLogger, { from: history[0], to: daily, force: false, stores, source: probe.source });
    let t = process.hrtime.bigint();
    const backfill = await runPipeline(backfillCtx, history, { publish: false });
    const backfillSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const backfillRows = backfill.results.filter((r) => r.step === 'fetch').reduce((n, r) => n + (r.outcome?.rowsIn ?? 0), 0);

    const { ctx: dailyCtx } = await buildContext(config, silentLogger, { from: daily, to: daily, force: false, stores, source: probe.source });
    t = process.hrtime.bigint();
    const increment = await runPipeline(dailyCtx, [daily], { publish: true });
    const dailySeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const stepSeconds = Object.fromEntries(increment.results.map((r) => [r.step, r.durationMs / 1000]));
    await stores.close();

    const results = {
      benchmark: 'daily pipeline, J-Quants simulator over HTTP → online store (embedded stores)',
      machine: { cpus: os.cpus().length, node: process.version },
      tickers: CODES,
      daily_increment: {
        session: daily, seconds: Math.round(dailySeconds * 100) / 100, goal_seconds: 10, step_seconds: stepSeconds,
        published_vectors: increment.published?.vectors ?? 0, failed: increment.failed.length,
      },
      backfill: {
        sessions: history.length, seconds: Math.round(backfillSeconds * 10) / 10, rows_fetched: backfillRows,
        rows_per_second: Math.round(backfillRows / backfillSeconds), failed: backfill.failed.length,
      },
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    await writeFileAtomic(path.join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    sim.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
});
