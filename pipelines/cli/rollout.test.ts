import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startKubeApiServer, type KubeApiServer } from '../../test/helpers/kube-api-server';
import { runCli } from '../../test/helpers/run-cli';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'rollout-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

const resourceYaml = `apiVersion: gogooku3.io/v1alpha1
kind: ModelRollout
metadata:
  name: lgbm-v4
spec:
  model: lgbm-daily
  champion: { version: v3 }
  challenger: { version: v4 }
  steps: [10, 50, 100]
  analysis:
    interval: 1m
    maxP95LatencyMs: 300
`;
const healthy = { champion: { p95_ms: 100, error_rate: 0.001, requests: 5000 }, challenger: { p95_ms: 110, error_rate: 0.002, requests: 400 } };
const slow = { ...healthy, challenger: { ...healthy.challenger, p95_ms: 350 } };
const metrics = (intervals: unknown[]) => JSON.stringify({ intervals });
const simulate = (...args: string[]) => runCli(['rollout', 'simulate', ...args]);

describe('rollout simulate', () => {
  it('json: the exact timeline/final shape for a resource file', async () => {
    const r = await simulate('--rollout', file('r.yaml', resourceYaml), '--metrics', file('m.json', metrics([healthy, slow, healthy, healthy, healthy, healthy])), '--format', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(Object.keys(out)).toEqual(['timeline', 'final']);
    expect(out.timeline.map((row: Record<string, unknown>) => Object.keys(row))).toEqual(Array(5).fill(['interval', 'challengerWeight', 'phase', 'reason']));
    expect(out.timeline.map((row: { interval: number; challengerWeight: number; phase: string }) => [row.interval, row.challengerWeight, row.phase]))
      .toEqual([[0, 50, 'Progressing'], [1, 10, 'Progressing'], [2, 50, 'Progressing'], [3, 100, 'Progressing'], [4, 100, 'Promoted']]);
    expect(out.timeline[1].reason).toMatch(/p95 350 ms > maxP95LatencyMs 300/);
    expect(out.final).toEqual({ phase: 'Promoted', challengerWeight: 100 });
  });

  it('text: a bare JSON spec, null intervals and null fields are no data → Paused', async () => {
    const spec = JSON.stringify({ model: 'm', champion: { version: 'a' }, challenger: { version: 'b' }, analysis: { inconclusiveLimit: 2 } });
    const m = metrics([null, { champion: healthy.champion, challenger: { ...healthy.challenger, p95_ms: null } }, healthy]);
    const r = await simulate('--rollout', file('spec.json', spec), '--metrics', file('m2.json', m));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^interval {2}weight {2}phase/);
    expect(r.out).toMatch(/\n {7}1 {5}10% {2}Paused {7}paused after 2 inconclusive intervals/);
    expect(r.out).toMatch(/final: Paused at challenger weight 10 % \(2 of 3 intervals evaluated\)\n$/);
  });

  it.each<[string, string, string, RegExp]>([
    ['an invalid spec field', resourceYaml.replace('steps: [10, 50, 100]', 'steps: [10, 50]'), metrics([healthy]), /r-bad\.yaml: invalid ModelRollout: spec\.steps\.1: .*the last step must be 100/],
    ['broken YAML', 'spec: [unclosed', metrics([]), /r-bad\.yaml: not valid YAML/],
    ['a metrics field of the wrong type', resourceYaml, metrics([{ ...healthy, challenger: { ...healthy.challenger, requests: '400' } }]), /m-bad\.json: intervals\.0\.challenger\.requests: expected a number or null/],
    ['a misspelt metrics field', resourceYaml, metrics([{ ...healthy, challenger: { p95: 1 } }]), /m-bad\.json: intervals\.0\.challenger: unknown field\(s\) p95/],
    ['metrics that are not JSON', resourceYaml, '{intervals: []}', /m-bad\.json: not valid JSON/],
    ['metrics without intervals', resourceYaml, '{}', /m-bad\.json: intervals: expected a list of intervals/],
  ])('%s → exit 65 naming the file and field', async (_name, rollout, m, message) => {
    const r = await simulate('--rollout', file('r-bad.yaml', rollout), '--metrics', file('m-bad.json', m));
    expect(r.code).toBe(65);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it.each<[string[], RegExp]>([
    [['--metrics', 'x.json'], /required option '--rollout <file>' not specified/],
    [['--rollout', '/nonexistent/r.yaml', '--metrics', '/nonexistent/m.json'], /--rollout: \/nonexistent\/r\.yaml: no such file/],
    [['--rollout', 'r.yaml', '--metrics', 'm.json', '--format', 'xml'], /argument 'xml' is invalid/],
  ])('%p is a usage error (exit 2)', async (args, message) => {
    const r = await simulate(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('rollout promote|abort|retry', () => {
  let api: KubeApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await startKubeApiServer();
    kubeconfig = file('kubeconfig.json', api.kubeConfig().exportConfig());
    const client = (await import('../../operator/runtime/kube-client')).createKubeClient(api.kubeConfig(), { fieldManager: 'test' });
    await client.create({ apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', metadata: { name: 'r1', namespace: 'default', annotations: { keep: 'me' } }, spec: { model: 'm', champion: { version: 3 }, challenger: { version: 4 } } });
  });
  afterAll(() => api.close());

  it.each(['promote', 'abort', 'retry'])('%s sets the action annotation with a fresh nonce, leaving other annotations', async (verb) => {
    const r = await runCli(['rollout', verb, 'r1', '--namespace', 'default', '--kubeconfig', kubeconfig]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(new RegExp(`^${verb} requested for ModelRollout default/r1 \\(nonce \\S+\\)`));
    const annotations = api.objects('gogooku3.io/v1alpha1', 'ModelRollout', 'default')[0].metadata.annotations;
    expect(annotations).toMatchObject({ keep: 'me', 'gogooku3.io/action': verb, 'gogooku3.io/action-nonce': r.out.match(/nonce (\S+)\)/)![1] });
  });

  it('uses the kubeconfig context\'s namespace by default and reports a missing rollout', async () => {
    const r = await runCli(['rollout', 'abort', 'nope', '--kubeconfig', kubeconfig]);
    expect(r).toMatchObject({ code: 1, err: 'gogooku3: ModelRollout default/nope not found\n' });
  });

  it('names an unreadable kubeconfig', async () => {
    const r = await runCli(['rollout', 'abort', 'r1', '--kubeconfig', path.join(dir, 'missing.yaml')]);
    expect(r.code).toBe(66);
    expect(r.err).toMatch(/^gogooku3: --kubeconfig: cannot load .*missing\.yaml/);
  });
});
