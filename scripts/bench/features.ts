/**
 * `npm run bench:features`: the feature library against the references users would pick, in one run on one
 * machine. Writes bench/features.json (figures, goals and whether each was met) and prints it.
 *   (a) kernels, compute only: rsi_14, atr_14, bb_*_20, vol_ratio_20 vs TA-Lib (npm talib) and technicalindicators
 *   (b) `gogooku3 features compute` end to end on a 1M-row CSV vs a plain script calling TA-Lib (talib-baseline.js)
 *   (c) every active price feature for 10M rows (4,000 × 2,500) to Parquet, with peak RSS
 * Sizes can be reduced for a quick look: BENCH_B_TICKERS, BENCH_C_TICKERS, BENCH_C_SESSIONS, BENCH_SKIP=c.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileAtomic } from '../../pipelines/storage/atomic';
import { benchKernels } from './feature-kernels';
import { writePriceCsv } from './price-data';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'scripts/gogooku3.js');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));

interface Timed {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time: wall seconds and the child's peak RSS. */
function timed(args: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, GOGOOKU3_LOG_LEVEL: 'silent' } });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop()!.split(' ');
  return { seconds: Number(last[0]), peakRssMb: Math.round(Number(last[1]) / 1024), stdout: r.stdout.trim() };
}

const best = (runs: Timed[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));

/** Largest relative difference between two CSVs with the same rows and columns (empty cells must match). */
function compareCsv(a: string, b: string): number {
  const la = fs.readFileSync(a, 'utf8').split('\n');
  const lb = fs.readFileSync(b, 'utf8').split('\n');
  if (la.length !== lb.length) throw new Error(`${a} has ${la.length} lines, ${b} ${lb.length}`);
  let worst = 0;
  for (let i = 1; i < la.length; i++) {
    const fa = la[i].split(',');
    const fb = lb[i].split(',');
    for (let j = 0; j < fa.length; j++) {
      if (j < 2) { if (fa[j] !== fb[j]) throw new Error(`line ${i + 1}: key ${fa[j]} vs ${fb[j]}`); continue; }
      if ((fa[j] === '') !== (fb[j] === '')) throw new Error(`line ${i + 1}, column ${j + 1}: "${fa[j]}" vs "${fb[j]}"`);
      if (fa[j] === '') continue;
      const x = Number(fa[j]);
      const y = Number(fb[j]);
      worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(y)));
    }
  }
  return worst;
}

async function endToEnd(dir: string) {
  const tickers = env('BENCH_B_TICKERS', 2000);
  const input = path.join(dir, 'prices-1m.csv');
  const data = await writePriceCsv(input, { tickers, sessions: 500, extras: false });
  const features = 'rsi_14,atr_14,bb_upper_20,bb_middle_20,bb_lower_20';
  const ours = path.join(dir, 'ours.csv');
  const theirs = path.join(dir, 'talib.csv');
  const oursRuns: Timed[] = [];
  const baseRuns: Timed[] = [];
  for (let r = 0; r < 3; r++) {
    baseRuns.push(timed([path.join(__dirname, 'talib-baseline.js'), input, theirs]));
    oursRuns.push(timed([CLI, 'features', 'compute', '--prices', input, '--out', ours, '--features', features]));
  }
  const o = best(oursRuns);
  const b = best(baseRuns);
  return {
    rows: data.rows, inputMb: Math.round(data.bytes / 2 ** 20), features: features.split(','),
    gogooku3Seconds: o.seconds, gogooku3PeakRssMb: o.peakRssMb, talibScriptSeconds: b.seconds, talibScriptPeakRssMb: b.peakRssMb,
    ratio: Number((o.seconds / b.seconds).toFixed(3)),
    maxRelativeDifference: compareCsv(ours, theirs),
    goal: 'gogooku3 <= TA-Lib script (ratio <= 1)', met: o.seconds <= b.seconds,
  };
}

async function fullLibrary(dir: string) {
  const tickers = env('BENCH_C_TICKERS', 4000);
  const sessions = env('BENCH_C_SESSIONS', 2500);
  const input = path.join(dir, 'prices-10m.csv');
  const data = await writePriceCsv(input, { tickers, sessions, extras: true });
  const out = path.join(dir, 'features-10m.parquet');
  const run = timed([CLI, 'features', 'compute', '--prices', input, '--out', out]);
  fs.rmSync(input);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const rows = Number((await c.runAndReadAll(`SELECT count(*) FROM read_parquet('${out}')`)).getRows()[0][0]);
  const columns = (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${out}')`)).getRows().length - 2;
  c.closeSync();
  const bytes = fs.statSync(out).size;
  fs.rmSync(out);
  return {
    rows: data.rows, tickers, sessions, featureColumns: columns, rowsReadBack: rows, parquetMb: Math.round(bytes / 2 ** 20),
    seconds: run.seconds, peakRssMb: run.peakRssMb, rowsPerSecond: Math.round(data.rows / run.seconds), cli: run.stdout,
    goal: '<= 120 s', met: run.seconds <= 120,
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-bench-features-'));
  try {
    const results: Record<string, unknown> = { machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, at: new Date().toISOString() };
    if (!skip.has('a')) results.kernels = await benchKernels({ tickers: 2000, sessions: 500, repeats: 5 });
    if (!skip.has('b')) results.endToEnd = await endToEnd(dir);
    if (!skip.has('c')) results.fullLibrary = await fullLibrary(dir);
    const text = `${JSON.stringify(results, null, 2)}\n`;
    await writeFileAtomic(path.join(ROOT, 'bench/features.json'), text);
    process.stdout.write(text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
