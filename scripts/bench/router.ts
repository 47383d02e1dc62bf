/**
 * `node --import tsx scripts/bench/router.ts`: what the inference router costs on top of onnxruntime-node.
 * Writes bench/router.json (figures, goals and whether each was met) and prints it.
 *
 * One graph (an exported MLP, F features → 64 → 32 → 1) and one request (KServe v2 JSON, ROWS × F FP32) for
 * every mode; the HTTP modes are driven by scripts/bench/router-load.ts in a second process at fixed
 * concurrency over keep-alive connections, for a warm-up and then a measured period:
 *   in-process  session.run called in a loop in this process (no HTTP, one caller): the model's own cost
 *   raw-http    a minimal node:http server in this process: read the body, JSON.parse, Float32Array.from,
 *               session.run, JSON.stringify the outputs. Nothing else (no validation, routing or metrics)
 *   router      `InferenceRouter` (gogooku3 serve) in this process, 90/10 champion/challenger over two versions of
 *               the same graph: body limit, deadline, zod envelope + per-value checks, weighted routing,
 *               Prometheus metrics, x-g3-variant, the full KServe v2 response
 * "Added p95" is router p95 − raw-http p95: both paths include the same client, loopback HTTP and JSON work,
 * so the difference is the router's own overhead. The throughput ratio is router req/s ÷ raw-http req/s.
 * One load process per concurrency drives both servers, alternating 1 s slices between them (a burst of outside
 * load on a shared machine then hits both alike); each mode gets BENCH_ROUTER_SECONDS of measured slices.
 * Concurrency 1 shows the per-request overhead alone; a higher one adds queueing (and the throughput limit).
 * Settings: BENCH_ROUTER_SECONDS (10), BENCH_ROUTER_WARMUP_SECONDS (1), BENCH_ROUTER_CONCURRENCY (list, "1,8"),
 * BENCH_ROUTER_ROWS (16), BENCH_ROUTER_FEATURES (32).
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { predict, randomInputs, randomModelSpec } from '../../pipelines/models/forward';
import { exportOnnx } from '../../pipelines/models/onnx-export';
import { INPUT_NAME, OUTPUT_NAME, type ModelVersionMetadata } from '../../pipelines/models/types';
import { InferenceRouter } from '../../pipelines/serve/server';
import { testMetadata } from '../../pipelines/serve/test-support';
import { writeFileAtomic } from '../../pipelines/storage/atomic';
import type { TargetResult } from './router-load';

const ROOT = path.join(__dirname, '../..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = env('BENCH_ROUTER_SECONDS', 10);
const WARMUP = env('BENCH_ROUTER_WARMUP_SECONDS', 1);
const CONCURRENCY = (process.env.BENCH_ROUTER_CONCURRENCY ?? '1,8').split(',').map(Number);
const SLICE_MS = 1000;
const ROWS = env('BENCH_ROUTER_ROWS', 16);
const F = env('BENCH_ROUTER_FEATURES', 32);

interface Summary {
  requests: number;
  errors: number;
  seconds: number;
  throughputPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function summarise(latenciesUs: number[], errors: number, seconds: number): Summary {
  const sorted = Float64Array.from(latenciesUs).sort();
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1000;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length / 1000;
  return {
    requests: sorted.length, errors, seconds: round3(seconds), throughputPerSecond: Math.round(sorted.length / seconds),
    latencyMs: { p50: round3(q(0.5)), p95: round3(q(0.95)), p99: round3(q(0.99)), mean: round3(mean), max: round3(sorted[sorted.length - 1] / 1000) },
  };
}

function load(targets: Array<{ name: string; url: string }>, body: string, concurrency: number): Promise<Record<string, TargetResult>> {
  const params = JSON.stringify({ targets, body, concurrency, warmupMs: WARMUP * 1000, sliceMs: SLICE_MS, slices: Math.max(1, Math.round((SECONDS * 1000) / SLICE_MS)) });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, 'router-load.ts'), params], { cwd: ROOT, maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`router-load failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Record<string, TargetResult>);
    });
  });
}

/** The baseline: only what any HTTP front of session.run must do. */
async function rawServer(session: ort.InferenceSession): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const input = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: Array<{ shape: number[]; data: number[] }> }).inputs[0];
      session.run({ [INPUT_NAME]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape) }).then((out) => {
        const pred = out[OUTPUT_NAME];
        const text = JSON.stringify({ model_name: 'alpha', model_version: '1', outputs: [{ name: OUTPUT_NAME, shape: pred.dims, datatype: 'FP32', data: Array.from(pred.data as Float32Array) }] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      }, (error: Error) => {
        res.writeHead(500).end(error.message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v2/models/alpha/infer`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function inProcess(session: ort.InferenceSession, x: Float32Array): Promise<Summary> {
  const latencies: number[] = [];
  const tensor = new ort.Tensor('float32', x, [ROWS, F]);
  const warmEnd = performance.now() + WARMUP * 1000;
  while (performance.now() < warmEnd) await session.run({ [INPUT_NAME]: tensor });
  const t0 = performance.now();
  const end = t0 + Math.min(SECONDS, 5) * 1000;
  while (performance.now() < end) {
    const s = performance.now();
    await session.run({ [INPUT_NAME]: tensor });
    latencies.push(Math.round((performance.now() - s) * 1000));
  }
  return summarise(latencies, 0, (performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const spec = randomModelSpec({ kind: 'mlp', features: F, hidden: [64, 32], seed: 11 });
  const onnx = exportOnnx(spec, { modelName: 'alpha' });
  const x64 = randomInputs(spec, ROWS, 5);
  const x = Float32Array.from(x64);
  const body = JSON.stringify({ inputs: [{ name: INPUT_NAME, shape: [ROWS, F], datatype: 'FP32', data: Array.from(x) }] });
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });

  const metadata = (version: number): ModelVersionMetadata => ({ ...testMetadata({ name: 'alpha', version, weights: [], bias: 0 }), features: spec.features, inputMean: Array.from(spec.inputMean) });
  const router = new InferenceRouter({ source: { load: async (_name, version) => ({ onnx, metadata: metadata(version as number) }) } });
  await router.applyConfig({ models: [{ name: 'alpha', sticky: false, variants: [{ name: 'champion', version: 1, weight: 90 }, { name: 'challenger', version: 2, weight: 10 }] }] });
  const { url: routerRoot } = await router.listen(0, '127.0.0.1');
  const raw = await rawServer(session);

  // Both fronts must answer the same request with the model's predictions before anything is timed.
  const want = predict(spec, x64, ROWS);
  for (const url of [raw.url, `${routerRoot}/v2/models/alpha/infer`]) {
    const res = await fetch(url, { method: 'POST', body });
    const got = ((await res.json()) as { outputs: Array<{ data: number[] }> }).outputs[0].data;
    const diff = Math.max(...got.map((y, i) => Math.abs(y - want[i])));
    if (res.status !== 200 || got.length !== ROWS || !(diff < 1e-4)) throw new Error(`${url}: status ${res.status}, ${got.length} predictions, max |diff| ${diff}`);
  }

  const loadBefore = os.loadavg();
  const direct = await inProcess(session, x);
  const runs = [];
  for (const concurrency of CONCURRENCY) {
    const r = await load([{ name: 'rawHttp', url: raw.url }, { name: 'router', url: `${routerRoot}/v2/models/alpha/infer` }], body, concurrency);
    const rawHttp = { ...summarise(r.rawHttp.latenciesUs, r.rawHttp.errors, r.rawHttp.seconds), clientCpu: round3(r.rawHttp.clientCpu) };
    const routed = { ...summarise(r.router.latenciesUs, r.router.errors, r.router.seconds), clientCpu: round3(r.router.clientCpu) };
    const addedP95Ms = round3(routed.latencyMs.p95 - rawHttp.latencyMs.p95);
    const throughputRatio = round3(routed.throughputPerSecond / rawHttp.throughputPerSecond);
    runs.push({
      concurrency, rawHttp, router: routed,
      comparison: { addedP50Ms: round3(routed.latencyMs.p50 - rawHttp.latencyMs.p50), addedP95Ms, addedP99Ms: round3(routed.latencyMs.p99 - rawHttp.latencyMs.p99), throughputRatio },
      goals: { addedP95Ms: { target: '<= 1', met: addedP95Ms <= 1 }, throughputRatio: { target: '>= 0.7', met: throughputRatio >= 0.7 } },
    });
    process.stderr.write(`concurrency ${concurrency}: raw ${JSON.stringify(rawHttp)}\n  router ${JSON.stringify(routed)}\n  added p95 ${addedP95Ms} ms, throughput ratio ${throughputRatio}\n`);
  }
  await raw.close();
  await router.close();
  await session.release();

  const results = {
    benchmark: 'router',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, onnxruntime: ort.env.versions.common, loadAverage1m: { before: round3(loadBefore[0]), after: round3(os.loadavg()[0]) } },
    settings: { secondsPerMode: SECONDS, warmupSeconds: WARMUP, sliceMs: SLICE_MS, concurrency: CONCURRENCY, rows: ROWS, features: F, model: 'mlp F→64→32→1 (exportOnnx)', requestBytes: Buffer.byteLength(body) },
    compared: 'raw-http = minimal node:http + JSON.parse + Float32Array.from + session.run + JSON.stringify; router = gogooku3 serve (InferenceRouter, 90/10 champion/challenger); both servers in this process, the load from a second process over loopback keep-alive HTTP, alternating 1 s slices; in-process = session.run in a loop, one caller, no HTTP',
    inProcess: direct,
    runs,
    goalsMet: runs.every((r) => r.goals.addedP95Ms.met && r.goals.throughputRatio.met),
  };
  await writeFileAtomic(path.join(ROOT, 'bench/router.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
