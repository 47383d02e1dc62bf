/**
 * `gogooku3 operator run` as a process, the way the Deployment runs it: two replicas against the in-process API
 * server through a kubeconfig file; one leads and reconciles a FeatureSet into its CronJob, /healthz /readyz
 * /metrics answer, and SIGTERM stops the leader gracefully, releasing the Lease so the standby takes over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server';
import { freePort } from '../helpers/ports';

jest.setTimeout(90_000);
const ROOT = path.join(__dirname, '..', '..');

let server: KubeApiServer;
let dir: string;
let kubeconfig: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startKubeApiServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-operator-run-'));
  kubeconfig = path.join(dir, 'kubeconfig.json');
  fs.writeFileSync(kubeconfig, server.kubeConfig().exportConfig());
  const ns = await fetch(`${server.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gogooku3-system' } }) });
  expect(ns.status).toBe(201);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startOperator(identity: string, healthPort: number) {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/gogooku3.js'), 'operator', 'run', '--kubeconfig', kubeconfig,
    '--identity', identity, '--health-port', String(healthPort), '--health-host', '127.0.0.1'], {
    env: { ...process.env, GOGOOKU3_LOG_LEVEL: 'silent', POD_NAMESPACE: 'gogooku3-system' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const leaseHolder = () => server.objects('coordination.k8s.io/v1', 'Lease', 'gogooku3-system').find((l) => l.metadata.name === 'gogooku3-operator')?.spec?.holderIdentity as string | undefined;

async function applyFeatureSet(name: string) {
  const fs0 = parse(fs.readFileSync(path.join(ROOT, 'operator/examples/featureset.yaml'), 'utf8'));
  fs0.metadata = { name, namespace: 'default' };
  const r = await fetch(`${server.url}/apis/gogooku3.io/v1alpha1/namespaces/default/featuresets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fs0) });
  expect(r.status).toBe(201);
}

describe('gogooku3 operator run', () => {
  it('leads with one of two replicas, reconciles, serves health and metrics, and hands over on SIGTERM', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = startOperator('replica-a', portA);
    await until('replica-a to lead', () => (leaseHolder() === 'replica-a' ? true : undefined));
    const b = startOperator('replica-b', portB);

    await applyFeatureSet('daily-a');
    const cron = await until('the daily CronJob', () => server.objects('batch/v1', 'CronJob', 'default').find((c) => c.metadata.ownerReferences?.[0]?.name === 'daily-a'));
    expect(cron.spec.timeZone).toBe('Asia/Tokyo');
    const status = await until('the FeatureSet status', () => server.objects('gogooku3.io/v1alpha1', 'FeatureSet', 'default').find((f) => f.metadata.name === 'daily-a' && f.status?.observedGeneration === 1)?.status);
    expect(status.conditions.map((c: { type: string }) => c.type)).toEqual(expect.arrayContaining(['Ready', 'Scheduled']));

    expect((await fetch(`http://127.0.0.1:${portA}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${portA}/readyz`)).status).toBe(200);
    const standby = await until('the standby to be ready', async () => ((await fetch(`http://127.0.0.1:${portB}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined));
    expect(standby).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text();
    expect(metrics).toMatch(/^operator_reconcile_total\{(?=[^}]*controller="featureset")(?=[^}]*result="(success|requeue)")[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^operator_leader 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes /m);

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    await until('replica-b to take over', () => (leaseHolder() === 'replica-b' ? true : undefined), 10_000);
    // The new leader reconciles: a second FeatureSet gets its CronJob.
    await applyFeatureSet('daily-b');
    await until('the second CronJob', () => server.objects('batch/v1', 'CronJob', 'default').find((c) => c.metadata.ownerReferences?.[0]?.name === 'daily-b'));
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(a.output()).toMatch(/operator running \(health on port \d+, identity replica-a\)/);
  });

  it('names the kubeconfig it cannot load (exit 66)', async () => {
    const missing = spawn(process.execPath, [path.join(ROOT, 'scripts/gogooku3.js'), 'operator', 'run', '--kubeconfig', path.join(dir, 'nope.yaml')], { env: { ...process.env, GOGOOKU3_LOG_LEVEL: 'silent' } });
    let err = '';
    missing.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((resolve) => missing.on('exit', resolve));
    expect(code).toBe(66);
    expect(err).toMatch(/--kubeconfig: cannot load .*nope\.yaml/);
  });
});
