/**
 * `npm run bench:operator`: the operator at scale. Writes bench/operator.json (figures, goals, met) and prints it.
 *
 * The operator runs as it does in a pod — `gogooku3 operator run` in its own process (so its memory is its own),
 * here against the in-process test API server through a kubeconfig, with a Prometheus HTTP API stub answering
 * every query with a healthy figure. Once it is ready, BENCH_OPERATOR_FEATURESETS FeatureSets (1,000) and
 * BENCH_OPERATOR_ROLLOUTS ModelRollouts (100) are created at once (50 requests in flight). Steady state is
 * reached when every FeatureSet has its daily CronJob and a status for generation 1, and every ModelRollout is
 * Progressing at its first step with its weights ConfigMap written.
 * Figures: time from the first create to steady state (goal <= 10 s), the operator's API requests per object
 * (requests the server saw minus the benchmark's own creates, over the objects created), and the operator
 * process's peak RSS (VmHWM, goal <= 150 MB).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { parse } from 'yaml';
import { writeFileAtomic } from '../../pipelines/storage/atomic';
import { startKubeApiServer } from '../../test/helpers/kube-api-server';

const ROOT = path.join(__dirname, '../..');
const FEATURESETS = Number(process.env.BENCH_OPERATOR_FEATURESETS ?? 1000);
const ROLLOUTS = Number(process.env.BENCH_OPERATOR_ROLLOUTS ?? 100);
const WORKERS = Number(process.env.BENCH_OPERATOR_WORKERS ?? 16);
const TIMEOUT_MS = Number(process.env.BENCH_OPERATOR_TIMEOUT_SECONDS ?? 120) * 1000;
// Node/V8 flags for the operator process only (e.g. "--max-semi-space-size=8", "--cpu-prof --cpu-prof-dir=/tmp/p").
const OPERATOR_NODE_ARGS = (process.env.BENCH_OPERATOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
// The CLI entry the operator runs from: the tsx-hooked sources by default, or JS built by scripts/build-operator.sh.
const OPERATOR_ENTRY = path.resolve(ROOT, process.env.BENCH_OPERATOR_ENTRY ?? 'scripts/gogooku3.js');
const GOALS = { steadyStateSeconds: 10, peakRssMB: 150 };
const NS = 'bench';

/** Answers the rollout analysis' queries with a healthy interval: p95 20 ms, no errors, 500 requests. */
async function startPrometheusStub(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    const value = query.startsWith('histogram_quantile') ? 0.02 : query.includes('or vector(0)') ? 0 : 500;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(value)] }] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function main() {
  const server = await startKubeApiServer({ watchHistory: 20_000 });
  const prometheus = await startPrometheusStub();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-bench-operator-'));
  const kubeconfig = path.join(dir, 'kubeconfig.json');
  fs.writeFileSync(kubeconfig, server.kubeConfig().exportConfig());
  const post = (p: string, body: unknown) => fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (r) => { if (r.status !== 201) throw new Error(`POST ${p}: HTTP ${r.status} ${await r.text()}`); });
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });

  const healthPort = 18000 + Math.floor(Math.random() * 2000);
  const operator = spawn(process.execPath, [...OPERATOR_NODE_ARGS, OPERATOR_ENTRY, 'operator', 'run', '--kubeconfig', kubeconfig,
    '--no-leader-election', '--workers', String(WORKERS), '--health-port', String(healthPort), '--health-host', '127.0.0.1'], { env: { ...process.env, GOGOOKU3_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let ready = false; !ready;) {
      if (operator.exitCode !== null) throw new Error(`the operator exited with ${operator.exitCode}`);
      ready = (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    const rssBefore = procStatus(operator.pid!, 'VmRSS');
    const featureSet = parse(fs.readFileSync(path.join(ROOT, 'operator/examples/featureset.yaml'), 'utf8'));
    const rollout = parse(fs.readFileSync(path.join(ROOT, 'operator/examples/modelrollout.yaml'), 'utf8'));
    server.resetRequestCounts();
    const started = performance.now();
    const limit = pLimit(50);
    await Promise.all([
      ...Array.from({ length: FEATURESETS }, (_, i) => limit(() => post(`/apis/gogooku3.io/v1alpha1/namespaces/${NS}/featuresets`, { ...featureSet, metadata: { name: `fs-${i}`, namespace: NS } }))),
      ...Array.from({ length: ROLLOUTS }, (_, i) => limit(() => post(`/apis/gogooku3.io/v1alpha1/namespaces/${NS}/modelrollouts`, {
        ...rollout,
        metadata: { name: `mr-${i}`, namespace: NS },
        spec: { ...rollout.spec, model: `model-${i}`, prometheus: { url: prometheus.url }, trafficTarget: { configMap: { name: `weights-${i}`, key: 'weights.json' } }, triton: undefined },
      }))),
    ]);
    const createdSeconds = (performance.now() - started) / 1000;

    let steadySeconds: number | null = null;
    let progress = { featureSets: 0, rollouts: 0 };
    while (performance.now() - started < TIMEOUT_MS) {
      const crons = new Set(server.objects('batch/v1', 'CronJob', NS).map((c) => c.metadata.ownerReferences?.[0]?.name));
      const fsDone = server.objects('gogooku3.io/v1alpha1', 'FeatureSet', NS).filter((f) => f.status?.observedGeneration === 1 && crons.has(f.metadata.name)).length;
      const maps = new Set(server.objects('v1', 'ConfigMap', NS).map((c) => c.metadata.name));
      const mrDone = server.objects('gogooku3.io/v1alpha1', 'ModelRollout', NS)
        .filter((m) => m.status?.phase === 'Progressing' && m.status?.challengerWeight === rollout.spec.steps[0] && maps.has(m.spec.trafficTarget.configMap.name)).length;
      progress = { featureSets: fsDone, rollouts: mrDone };
      if (fsDone === FEATURESETS && mrDone === ROLLOUTS) {
        steadySeconds = (performance.now() - started) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // Let a late burst of writes show up in the counts and the peak before reading them.
    await new Promise((r) => setTimeout(r, 1000));
    const counts = server.requestCounts();
    const objects = FEATURESETS + ROLLOUTS;
    const operatorRequests = counts.total - objects;
    const peakRssMB = procStatus(operator.pid!, 'VmHWM');
    const result = {
      benchmark: 'operator',
      node: process.version,
      cpus: os.cpus().length,
      featureSets: FEATURESETS,
      rollouts: ROLLOUTS,
      workers: WORKERS,
      operatorEntry: path.relative(ROOT, OPERATOR_ENTRY),
      operatorNodeArgs: OPERATOR_NODE_ARGS.join(' '),
      createSeconds: round(createdSeconds),
      steadyStateSeconds: steadySeconds === null ? null : round(steadySeconds),
      reached: progress,
      operatorRequests,
      requestsPerObject: round(operatorRequests / objects),
      requestsByVerb: counts.byVerb,
      eventsCreated: server.objects('v1', 'Event', NS).length,
      rssBeforeMB: rssBefore === null ? null : round(rssBefore),
      peakRssMB: peakRssMB === null ? null : round(peakRssMB),
      goals: GOALS,
      met: {
        steadyState: steadySeconds !== null && steadySeconds <= GOALS.steadyStateSeconds,
        peakRss: peakRssMB !== null && peakRssMB <= GOALS.peakRssMB,
      },
    };
    const out = path.join(ROOT, 'bench', 'operator.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await writeFileAtomic(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    // An operator that already exited (e.g. failed to start) emits no second 'exit': do not wait for one.
    if (operator.exitCode === null && operator.signalCode === null) {
      const exited = new Promise((r) => operator.once('exit', r));
      operator.kill('SIGTERM');
      await exited;
    }
    prometheus.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
