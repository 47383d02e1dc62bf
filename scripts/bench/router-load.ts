/**
 * The load generator of `scripts/bench/router.ts`, run as its own process so that client work does not share
 * the servers' event loop. For each target in turn it keeps `concurrency` requests in flight over keep-alive
 * connections for one slice; the targets alternate slice by slice in ABBA order (after a warm-up slice each), so
 * a burst of outside load on a shared machine hits every target alike. Prints one JSON line: per target, the latencies
 * (µs) of the successful requests started in measured slices, the errors, the measured seconds, and the
 * client's CPU share (near 1.0 would mean the load generator, not the server, set the pace).
 *   node --import tsx scripts/bench/router-load.ts '{"targets":[{"name":"a","url":…}],"body":…,"concurrency":8,"warmupMs":1000,"sliceMs":1000,"slices":10}'
 */
import http from 'node:http';

interface LoadParams {
  targets: Array<{ name: string; url: string }>;
  body: string;
  concurrency: number;
  warmupMs: number;
  sliceMs: number;
  slices: number;
}

export interface TargetResult {
  latenciesUs: number[];
  errors: number;
  seconds: number;
  clientCpu: number;
}

const params = JSON.parse(process.argv[2] ?? '{}') as LoadParams;
for (const key of ['targets', 'body', 'concurrency', 'warmupMs', 'sliceMs', 'slices'] as const) {
  if (params[key] === undefined) throw new Error(`router-load: missing parameter ${key}`);
}
const payload = Buffer.from(params.body);

function once(target: URL, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length },
    }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** `concurrency` loops for `ms`; requests started before the end are awaited and counted. */
async function slice(target: URL, agent: http.Agent, ms: number, into?: { latencies: number[]; errors: number }): Promise<number> {
  const started = performance.now();
  const end = started + ms;
  const loop = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const status = await once(target, agent).catch(() => 0);
      if (!into) continue;
      if (status === 200) into.latencies.push(Math.round((performance.now() - t) * 1000));
      else into.errors++;
    }
  };
  await Promise.all(Array.from({ length: params.concurrency }, loop));
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const targets = params.targets.map((t) => ({
    ...t, target: new URL(t.url), agent: new http.Agent({ keepAlive: true, maxSockets: params.concurrency }),
    acc: { latencies: [] as number[], errors: 0 }, seconds: 0, cpuUs: 0,
  }));
  for (const t of targets) await slice(t.target, t.agent, params.warmupMs);
  for (let i = 0; i < params.slices; i++) {
    // ABBA order: whichever target runs second in a pair does not always meet the same outside load.
    for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
      const cpu = process.cpuUsage();
      t.seconds += await slice(t.target, t.agent, params.sliceMs, t.acc);
      const used = process.cpuUsage(cpu);
      t.cpuUs += used.user + used.system;
    }
  }
  const out: Record<string, TargetResult> = {};
  for (const t of targets) {
    t.agent.destroy();
    out[t.name] = { latenciesUs: t.acc.latencies, errors: t.acc.errors, seconds: t.seconds, clientCpu: t.cpuUs / 1e6 / t.seconds };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`router-load: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
