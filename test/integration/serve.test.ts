import '../../pipelines/serve/jest-realm';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../pipelines/log';
import { predict, randomInputs, randomModelSpec } from '../../pipelines/models/forward';
import { ModelRegistry } from '../../pipelines/models/registry';
import { onnxRuntimeFactory, tritonFactory, type BackendFactory } from '../../pipelines/serve/backends';
import { InferenceRouter, type RouterOptions } from '../../pipelines/serve/server';
import {
  eventually, getJson, inferBody, linearReference, MemoryModelSource, postJson,
} from '../../pipelines/serve/test-support';
import { WeightsFileWatcher } from '../../pipelines/serve/weights';
import { EmbeddedOnlineStore } from '../../pipelines/storage/embedded-online-store';
import { FileObjectStore } from '../../pipelines/storage/file-object-store';
import { runCli, startCli } from '../helpers/run-cli';

const W3 = [0.5, -1, 2, 0.25];
const W4 = [1, 1, 1, 1];
const models = () => new MemoryModelSource([
  { name: 'alpha', version: 3, weights: W3, bias: 0.1, inputMean: [1, 2, 3, 4] },
  { name: 'alpha', version: 4, weights: W4, bias: -0.5, inputMean: [1, 2, 3, 4] },
  { name: 'slow', version: 1, weights: [1, 2], bias: 0 },
  { name: 'broken', version: 1, weights: [1, 2], bias: 0 },
]);
const ROWS = [[1, 2, 3, 4], [0.5, -0.25, 8, 1e-3], [-3, 0, 0, 7]];
const variants = (champion: number, challenger: number, extra: Record<string, unknown> = {}) => ({
  name: 'alpha', ...extra, variants: [{ name: 'champion', version: 3, weight: champion }, { name: 'challenger', version: 4, weight: challenger }],
});
const single = (name: string) => ({ name, variants: [{ name: 'champion', version: 1, weight: 1 }] });

/** The real onnxruntime backend, except that `slow` answers late and `broken` fails like a bug would. */
const testBackends: BackendFactory = async (spec) => {
  const backend = await onnxRuntimeFactory()(spec);
  if (spec.name === 'slow') return { infer: async (x, r, f) => { await new Promise((res) => setTimeout(res, 300)); return backend.infer(x, r, f); }, close: () => backend.close() };
  if (spec.name === 'broken') return { infer: async () => { throw new TypeError("Cannot read properties of undefined (reading 'x')"); }, close: () => backend.close() };
  return backend;
};

interface Running { router: InferenceRouter; url: string; dir: string; weights: string; watcher: WeightsFileWatcher; logs: Array<Record<string, unknown>>; source: MemoryModelSource }
const running: Running[] = [];

async function start(config: unknown, options: Partial<RouterOptions> = {}): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-serve-'));
  const weights = path.join(dir, 'weights.json');
  if (config !== undefined) fs.writeFileSync(weights, JSON.stringify(config));
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', new Writable({ write(chunk, _e, done) { logs.push(JSON.parse(String(chunk))); done(); } }));
  const source = (options.source as MemoryModelSource | undefined) ?? models();
  const router = new InferenceRouter({ backend: testBackends, logger, ...options, source });
  const { url } = await router.listen(0, '127.0.0.1');
  const watcher = new WeightsFileWatcher({ file: weights, apply: (c) => router.applyConfig(c), logger, pollMs: 50 });
  const r = { router, url, dir, weights, watcher, logs, source };
  running.push(r);
  await watcher.start();
  return r;
}

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.watcher.close();
    await r.router.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
});

const expectClose = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((y, i) => expect(y).toBeCloseTo(want[i], 4));
};

describe('KServe v2 endpoints', () => {
  test('live at once; ready only once every configured version is loaded', async () => {
    const r = await start(undefined);
    expect((await getJson(`${r.url}/v2/health/live`)).status).toBe(200);
    const notReady = await getJson(`${r.url}/v2/health/ready`);
    expect([notReady.status, notReady.body.ready]).toEqual([503, false]);
    expect((await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS))).status).toBe(503);
    fs.writeFileSync(r.weights, JSON.stringify({ models: [variants(90, 10)] }));
    await eventually(async () => (await getJson(`${r.url}/v2/health/ready`)).status === 200, 5000, 'ready');
    expect((await getJson(`${r.url}/v2/health/ready`)).body).toEqual({ ready: true, models: [{ name: 'alpha', versions: [3, 4] }] });
  });

  test('model and version metadata', async () => {
    const r = await start({ models: [variants(90, 10)] });
    const io = { platform: 'onnxruntime_onnx', inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'prediction', datatype: 'FP32', shape: [-1, 1] }] };
    expect((await getJson(`${r.url}/v2/models/alpha`)).body).toEqual({ name: 'alpha', versions: ['3', '4'], ...io });
    expect((await getJson(`${r.url}/v2/models/alpha/versions/4`)).body).toEqual({ name: 'alpha', versions: ['4'], ...io });
    expect((await getJson(`${r.url}/v2/models/alpha/versions/4/ready`)).status).toBe(200);
    expect((await getJson(`${r.url}/v2/models/nope`)).body.error).toMatch(/model "nope" is not served; served: alpha/);
    expect((await getJson(`${r.url}/v2/models/alpha/versions/5`)).status).toBe(404);
  });

  test('infer: routed by weight, the variant in x-g3-variant, predictions from that version', async () => {
    const draws = [0.95, 0.2];
    const r = await start({ models: [variants(90, 10)] }, { random: () => draws.shift() ?? 0 });
    const challenger = await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS, { id: 'req-1' }));
    expect(challenger.status).toBe(200);
    expect(challenger.headers.get('x-g3-variant')).toBe('challenger');
    expect(challenger.body).toMatchObject({ model_name: 'alpha', model_version: '4', id: 'req-1', outputs: [{ name: 'prediction', shape: [3, 1], datatype: 'FP32' }] });
    expectClose(challenger.body.outputs[0].data, linearReference(W4, -0.5, ROWS));
    const champion = await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS));
    expect([champion.headers.get('x-g3-variant'), champion.body.model_version]).toEqual(['champion', '3']);
    expectClose(champion.body.outputs[0].data, linearReference(W3, 0.1, ROWS));
  });

  test('infer on a version: that version, no routing; FP64 and row-nested data accepted', async () => {
    const r = await start({ models: [variants(100, 0)] });
    const res = await postJson(`${r.url}/v2/models/alpha/versions/4/infer`, { inputs: [{ name: 'features', shape: [3, 4], datatype: 'FP64', data: ROWS }] });
    expect([res.status, res.headers.get('x-g3-variant'), res.body.model_version]).toEqual([200, 'challenger', '4']);
    expectClose(res.body.outputs[0].data, linearReference(W4, -0.5, ROWS));
  });

  test('sticky: one request id always reaches one variant (header or body id), and ids split by weight', async () => {
    const r = await start({ models: [variants(50, 50, { sticky: true })] });
    const seen = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const id = `user-${i}`;
      const byHeader = await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS), { 'x-request-id': id });
      const byBody = await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS, { id }));
      expect(byBody.headers.get('x-g3-variant')).toBe(byHeader.headers.get('x-g3-variant'));
      seen.set(id, byHeader.headers.get('x-g3-variant')!);
    }
    const challengers = [...seen.values()].filter((v) => v === 'challenger').length;
    expect(challengers).toBeGreaterThan(8);
    expect(challengers).toBeLessThan(32);
  });
});

describe('bad input → 4xx JSON naming the problem', () => {
  const good = inferBody(ROWS);
  test.each<[string, string, unknown, Record<string, string>, number, RegExp]>([
    ['malformed JSON', 'alpha/infer', '{"inputs": [', {}, 400, /^request body: malformed JSON/],
    ['wrong input name', 'alpha/infer', { inputs: [{ ...(good.inputs as object[])[0], name: 'x' }] }, {}, 400, /^inputs\[0\]\.name: unknown input "x"/],
    ['INT64', 'alpha/infer', { inputs: [{ ...(good.inputs as object[])[0], datatype: 'INT64' }] }, {}, 400, /^inputs\[0\]\.datatype: expected one of FP32, FP64, got "INT64"/],
    ['wrong width', 'alpha/infer', inferBody([[1, 2, 3]]), {}, 400, /^inputs\[0\]\.shape: expected \[n, 4\]/],
    ['data length', 'alpha/infer', { inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3] }] }, {}, 400, /^inputs\[0\]\.data: expected 8 values/],
    ['bare NaN', 'alpha/infer', '{"inputs":[{"name":"features","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,NaN,8]}]}', {}, 400, /row 1, column 2 is NaN/],
    ['Infinity', 'alpha/infer', '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP64","data":[Infinity,2,3,4]}]}', {}, 400, /row 0, column 0 is Infinity/],
    ['batch too large', 'alpha/infer', inferBody(Array.from({ length: 9 }, () => [1, 2, 3, 4])), {}, 400, /9 rows exceed the maximum batch of 8/],
    ['unknown model', 'nope/infer', good, {}, 404, /model "nope" is not served/],
    ['unknown version', 'alpha/versions/7/infer', good, {}, 404, /has no loaded version "7"; loaded: 3, 4/],
    ['bad deadline header', 'alpha/infer', good, { 'x-g3-timeout-ms': 'soon' }, 400, /^x-g3-timeout-ms: expected a whole number/],
    ['body over the limit', 'alpha/infer', JSON.stringify({ ...good, pad: 'x'.repeat(70_000) }), {}, 413, /larger than the limit of 65536 bytes/],
  ])('%s', async (_case, route, body, headers, status, message) => {
    const r = await start({ models: [variants(90, 10)] }, { maxBatch: 8, maxBodyBytes: 65_536 });
    const res = await postJson(`${r.url}/v2/models/${route}`, body, headers);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatch(message);
  });

  test('a chunked body over the limit is cut off with 413; method and path errors', async () => {
    const r = await start({ models: [variants(90, 10)] }, { maxBodyBytes: 65_536 });
    const chunks = new ReadableStream({ start(c) { for (let i = 0; i < 100; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1000))); c.close(); } });
    const res = await fetch(`${r.url}/v2/models/alpha/infer`, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    const get = await getJson(`${r.url}/v2/models/alpha/infer`);
    expect([get.status, get.headers.get('allow'), get.body.error]).toEqual([405, 'POST', 'GET is not allowed on /v2/models/alpha/infer; use POST']);
    expect((await getJson(`${r.url}/v3/anything`)).status).toBe(404);
  });
});

describe('deadlines, backend failures, metrics', () => {
  test('a request past its deadline is a 504; a bug in a backend is an opaque 500, logged with its stack', async () => {
    const r = await start({ models: [single('slow'), single('broken')] }, { timeoutMs: 5000 });
    const started = Date.now();
    const late = await postJson(`${r.url}/v2/models/slow/infer`, inferBody([[1, 2]]), { 'x-g3-timeout-ms': '50' });
    expect([late.status, late.body.error]).toEqual([504, 'request exceeded its deadline of 50 ms']);
    expect(Date.now() - started).toBeLessThan(250);
    const bug = await postJson(`${r.url}/v2/models/broken/infer`, inferBody([[1, 2]]));
    expect([bug.status, bug.body]).toEqual([500, { error: 'internal error' }]);
    expect(r.logs.some((l) => l.level === 50 && JSON.stringify(l.err).includes('TypeError'))).toBe(true);
  });

  test('/metrics: requests by code, errors by reason, durations, prediction mean/std per variant', async () => {
    const r = await start({ models: [variants(100, 0)] });
    const predictions: number[] = [];
    for (let i = 0; i < 5; i++) predictions.push(...(await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS.map((row) => row.map((x) => x + i))))).body.outputs[0].data);
    await postJson(`${r.url}/v2/models/alpha/infer`, inferBody([[1, 2]]));
    await postJson(`${r.url}/v2/models/nope/infer`, inferBody(ROWS));
    const text = (await getJson(`${r.url}/metrics`)).body as string;
    const labels = 'model="alpha",version="3",variant="champion"';
    expect(text).toContain(`inference_requests_total{${labels},code="200"} 5`);
    expect(text).toContain(`inference_requests_total{${labels},code="400"} 1`);
    expect(text).toContain(`inference_errors_total{${labels},reason="bad_request"} 1`);
    expect(text).toContain('inference_errors_total{model="",version="",variant="",reason="not_found"} 1');
    expect(text).toContain(`inference_request_duration_seconds_count{${labels}} 6`);
    const mean = predictions.reduce((a, b) => a + b, 0) / predictions.length;
    const std = Math.sqrt(predictions.reduce((a, b) => a + (b - mean) ** 2, 0) / predictions.length);
    const gauge = (name: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(gauge('inference_prediction_mean')).toBeCloseTo(mean, 6);
    expect(gauge('inference_prediction_std')).toBeCloseTo(std, 6);
  });
});

describe('hot reload of the weights file', () => {
  test('new weights apply; an invalid file or an unknown version leaves the previous config serving', async () => {
    const r = await start({ models: [variants(100, 0)] });
    const variant = async () => (await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS))).headers.get('x-g3-variant');
    expect(await variant()).toBe('champion');
    fs.writeFileSync(r.weights, JSON.stringify({ models: [variants(0, 100)] }));
    await eventually(async () => (await variant()) === 'challenger', 5000, 'switch to challenger');
    fs.writeFileSync(r.weights, JSON.stringify({ models: [variants(-1, 100)] }));
    await eventually(() => r.logs.some((l) => /rejected new weights config.*variants\[0\]\.weight/.test(String(l.msg))), 5000, 'rejection logged');
    fs.writeFileSync(r.weights, JSON.stringify({ models: [{ name: 'alpha', variants: [{ name: 'champion', version: 99, weight: 1 }] }] }));
    await eventually(() => r.logs.some((l) => /could not load weights config.*alpha v99/.test(String(l.msg))), 5000, 'load failure logged');
    expect(await variant()).toBe('challenger');
    expect((await getJson(`${r.url}/v2/health/ready`)).status).toBe(200);
  });

  test('requests during a slow reload all succeed and see the old versions until the switch, then only the new', async () => {
    const r = await start({ models: [{ name: 'alpha', variants: [{ name: 'champion', version: 3, weight: 1 }] }] });
    let release!: () => void;
    r.source.gate = () => new Promise<void>((res) => { release = res; });
    fs.writeFileSync(r.weights, JSON.stringify({ models: [{ name: 'alpha', variants: [{ name: 'champion', version: 4, weight: 1 }] }] }));
    let stop = false;
    const client = async () => {
      const versions: string[] = [];
      while (!stop) {
        const res = await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS));
        expect(res.status).toBe(200);
        versions.push(res.body.model_version);
      }
      return versions;
    };
    const clients = [client(), client(), client()];
    await eventually(() => release !== undefined, 5000, 'reload started');
    await new Promise((res) => setTimeout(res, 100));
    release();
    await eventually(async () => (await postJson(`${r.url}/v2/models/alpha/infer`, inferBody(ROWS))).body.model_version === '4', 5000, 'switch');
    stop = true;
    for (const versions of await Promise.all(clients)) {
      expect(versions[0]).toBe('3');
      const firstNew = versions.indexOf('4');
      if (firstNew !== -1) expect(versions.slice(firstNew).every((v) => v === '4')).toBe(true);
    }
  });
});

describe('/v1/score over the online store', () => {
  test('latest vectors in the model\'s feature order, gaps imputed with the training mean, missing tickers listed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-online-'));
    const online = new EmbeddedOnlineStore(dataDir);
    const vec = (ticker: string, values: Record<string, number | null>) => ({ ticker, asOf: '2024-11-05', runId: 'run-42', manifestVersion: 'm1', values });
    await online.publish('default', [vec('7203', { f3: 4, f2: 3, f1: 2, f0: 1 }), vec('6758', { f0: 0.5, f1: null, f2: 8, f3: 1e-3 }), vec('9984', { f0: -3, f1: 0, f2: 0, f3: 7 })]);
    const r = await start({ models: [variants(100, 0)] }, { online });
    const res = await postJson(`${r.url}/v1/score`, { tickers: ['7203', '6758', '0000', '9984'] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-g3-variant')).toBe('champion');
    expect(res.body).toMatchObject({ model: 'alpha', version: 3, variant: 'champion', asOf: '2024-11-05', runId: 'run-42', missing: ['0000'], imputed: 1 });
    expect(res.body.predictions.map((p: { ticker: string }) => p.ticker)).toEqual(['7203', '6758', '9984']);
    // 6758's f1 is imputed with inputMean[1] = 2.
    expectClose(res.body.predictions.map((p: { prediction: number }) => p.prediction), linearReference(W3, 0.1, [[1, 2, 3, 4], [0.5, 2, 8, 1e-3], [-3, 0, 0, 7]]));
    expect((await postJson(`${r.url}/v1/score`, { tickers: ['7203'], model: 'nope' })).status).toBe(404);
    expect((await postJson(`${r.url}/v1/score`, { tickers: [] })).body.error).toMatch(/^tickers: expected at least one ticker/);
    await online.publish('default', [vec('7203', { f0: 1 })]);
    const mismatch = await postJson(`${r.url}/v1/score`, { tickers: ['7203'] });
    expect([mismatch.status, mismatch.body.error]).toEqual([500, expect.stringMatching(/alpha v3 needs features the online feature set default does not have: .*f1, f2, f3/)]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('TritonBackend against a second router (a real KServe v2 peer)', () => {
  test('predictions through the peer equal the peer\'s own; the peer counts them; a dead peer is a 502', async () => {
    const peer = await start({ models: [variants(50, 50)] });
    const front = await start({ models: [variants(0, 100)] }, { backend: tritonFactory({ url: peer.url, timeoutMs: 2000 }) });
    const direct = await postJson(`${peer.url}/v2/models/alpha/versions/4/infer`, inferBody(ROWS));
    const via = await postJson(`${front.url}/v2/models/alpha/infer`, inferBody(ROWS));
    expect([via.status, via.headers.get('x-g3-variant'), via.body.model_version]).toEqual([200, 'challenger', '4']);
    expect(via.body.outputs[0].data).toEqual(direct.body.outputs[0].data);
    const peerMetrics = (await getJson(`${peer.url}/metrics`)).body as string;
    expect(peerMetrics).toContain('inference_requests_total{model="alpha",version="4",variant="challenger",code="200"} 2');
    await peer.router.close();
    const dead = await postJson(`${front.url}/v2/models/alpha/infer`, inferBody(ROWS));
    expect(dead.status).toBe(502);
    expect(dead.body.error).toMatch(/^triton http:\/\/127\.0\.0\.1:\d+\/v2\/models\/alpha\/versions\/4\/infer: unreachable/);
  });

  test('a peer slower than the timeout is a 504; a peer without the version keeps the router not ready', async () => {
    const peer = await start({ models: [single('slow')] });
    const front = await start({ models: [single('slow')] }, { backend: tritonFactory({ url: peer.url, timeoutMs: 100 }) });
    const late = await postJson(`${front.url}/v2/models/slow/infer`, inferBody([[1, 2]]));
    expect([late.status, late.body.error]).toEqual([504, expect.stringMatching(/^triton .*\/v2\/models\/slow\/versions\/1\/infer exceeded its deadline of 100 ms/)]);
    expect((await getJson(`${front.url}/metrics`)).body).toContain('inference_errors_total{model="slow",version="1",variant="champion",reason="backend_timeout"} 1');
    const lonely = await start({ models: [variants(1, 1)] }, { backend: tritonFactory({ url: peer.url, timeoutMs: 1000 }) });
    expect((await getJson(`${lonely.url}/v2/health/ready`)).status).toBe(503);
    expect(lonely.logs.some((l) => /could not load weights config.*triton .*alpha\/versions\/3: not ready/.test(String(l.msg)))).toBe(true);
  });
});

test('close() lets an in-flight request finish', async () => {
  const r = await start({ models: [single('slow')] });
  const inflight = postJson(`${r.url}/v2/models/slow/infer`, inferBody([[1, 2]]));
  await new Promise((res) => setTimeout(res, 50));
  await r.router.close();
  expect((await inflight).status).toBe(200);
  await expect(new Promise((resolve, reject) => http.get(`${r.url}/v2/health/live`, resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/);
});

describe('gogooku3 serve', () => {
  const metadata = { featureSet: 'default', featureSetVersion: '1', target: 'target_1_2', trainingRange: { from: '2020-01-06', to: '2024-06-28' }, metrics: { ic: 0.02, rank_ic: 0.03, icir: 0.4, rmse: 0.02, sharpe: 1, jpx_sharpe: 0.8 }, gitSha: null, seed: 1 };

  test('serves the registry\'s versions by the weights file, logs where it listens, stops on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-serve-cli-'));
    const registry = new ModelRegistry(new FileObjectStore(path.join(dataDir, 'lake')));
    const specs = [randomModelSpec({ kind: 'ridge', features: 5, seed: 1 }), randomModelSpec({ kind: 'mlp', features: 5, hidden: [4], seed: 2 })];
    for (const spec of specs) {
      const x = randomInputs(spec, 16, 3);
      await registry.register({ name: 'alpha', spec, verification: { x, rows: 16, expected: predict(spec, x, 16) }, metadata, regression: 'skip' });
    }
    await registry.promote('alpha', 1, 'production');
    const weights = path.join(dataDir, 'weights.json');
    fs.writeFileSync(weights, JSON.stringify({ models: [{ name: 'alpha', variants: [{ name: 'champion', version: 'production', weight: 1 }, { name: 'challenger', version: 2, weight: 0 }] }] }));
    const cli = startCli(['--data-dir', dataDir, 'serve', '--port', '0', '--weights', weights, '--poll-ms', '100'], { GOGOOKU3_LOG_LEVEL: 'info' });
    try {
      await eventually(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(cli.output()), 10_000, 'listening');
      const url = /listening on (\S+)/.exec(cli.output())![1];
      expect(cli.errors()).toContain(`"msg":"inference router listening on ${url}"`);
      await eventually(async () => (await getJson(`${url}/v2/health/ready`)).status === 200, 10_000, 'ready');
      const x = randomInputs(specs[0], 4, 9);
      const rows = Array.from({ length: 4 }, (_, r) => Array.from(x.subarray(r * 5, r * 5 + 5)));
      const routed = await postJson(`${url}/v2/models/alpha/infer`, inferBody(rows));
      expect([routed.headers.get('x-g3-variant'), routed.body.model_version]).toEqual(['champion', '1']);
      expectClose(routed.body.outputs[0].data, Array.from(predict(specs[0], x, 4)));
      const pinned = await postJson(`${url}/v2/models/alpha/versions/2/infer`, inferBody(rows));
      expectClose(pinned.body.outputs[0].data, Array.from(predict(specs[1], x, 4)));
    } finally {
      process.emit('SIGTERM');
    }
    const { code, err } = await cli.done;
    expect(code).toBe(0);
    expect(err).toContain('"msg":"inference router stopped"');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test.each([
    [['--backend', 'triton'], /--backend triton needs --triton-url/],
    [['--triton-url', 'ftp://x'], /--triton-url: expected an http\(s\) URL/],
    [['--port', '70000'], /--port: expected an integer 0\.\.65535/],
  ])('usage errors: %j', async (args, message) => {
    const { code, err } = await runCli(['serve', ...args]);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
