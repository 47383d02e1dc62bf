import { startFakeGateway, type FakeGateway } from '../metrics/fake-gateway';
import { runCli } from '../../test/helpers/run-cli';

const DAY = 86_400_000;
const NOW = Date.now();
const group = (pipeline: string, runId: string, daysAgo: number) => ({ labels: { job: 'gogooku3', pipeline, run_id: runId }, pushedAt: NOW - daysAgo * DAY });

describe('gogooku3 metrics prune', () => {
  let gateway: FakeGateway;
  beforeEach(async () => {
    gateway = await startFakeGateway({
      groups: [
        group('daily', 'r1', 200), group('daily', 'r2', 100), group('daily', 'r3', 1),
        // The newest group of a series is kept however old it is: the silence alert reads its deadline.
        group('backfill', 'b1', 400),
        { labels: { job: 'gogooku3', check: 'parity' }, pushedAt: NOW - 300 * DAY },
      ],
    });
  });
  afterEach(() => gateway.close());
  const env = () => ({ GOGOOKU3_PUSHGATEWAY_URL: gateway.url });
  const deletes = () => gateway.requests.filter((r) => r.method === 'DELETE').map((r) => r.url);

  it.each([
    [['--older-than-days', '90'], ['/metrics/job/gogooku3/pipeline/daily/run_id/r1', '/metrics/job/gogooku3/pipeline/daily/run_id/r2']],
    [['--older-than-days', '150'], ['/metrics/job/gogooku3/pipeline/daily/run_id/r1']],
  ])('%j deletes only old per-run groups that are not the newest of their series', async (args, expected) => {
    const r = await runCli(['metrics', 'prune', ...args, '--format', 'json'], env());
    expect(r.code).toBe(0);
    expect(deletes()).toEqual(expected);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ dryRun: false, kept: 5 - expected.length });
    expect(out.deleted.map((g: { run_id: string }) => g.run_id)).toEqual(expected.map((u) => u.split('/').pop()));
  });

  it('--dry-run lists and deletes nothing', async () => {
    const r = await runCli(['metrics', 'prune', '--dry-run'], env());
    expect(r.code).toBe(0);
    expect(deletes()).toEqual([]);
    expect(r.out).toMatch(/would delete 2 group\(s\), kept 3/);
  });

  it.each([
    [['--older-than-days', '7'], {}, 2, /--older-than-days/],
    [[], { GOGOOKU3_PUSHGATEWAY_URL: '' }, 78, /GOGOOKU3_PUSHGATEWAY_URL is not set/],
    [[], { GOGOOKU3_PUSHGATEWAY_URL: 'http://127.0.0.1:9' }, 69, /127\.0\.0\.1:9/],
  ])('refuses %j %j with exit %d', async (args, extraEnv, code, message) => {
    const r = await runCli(['metrics', 'prune', ...args], { ...env(), ...extraEnv });
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});
