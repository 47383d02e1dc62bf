import { DEFAULT_PROMETHEUS_URL, DEFAULT_STEPS, durationMs, parseRolloutSpec, RolloutSpecError, ROLLOUT_API_VERSION } from './spec';

const minimal = { model: 'lgbm-daily', champion: { version: 'v3' }, challenger: { version: 'v4' } };

function problems(raw: unknown): string[] {
  try {
    parseRolloutSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(RolloutSpecError);
    return (error as RolloutSpecError).problems;
  }
  throw new Error('expected a RolloutSpecError');
}

describe('parseRolloutSpec', () => {
  it.each<[unknown, string]>([[3, '3'], ['3', '3'], ['v3', 'v3']])('takes registry version %p as %p', (version, expected) => {
    expect(parseRolloutSpec({ ...minimal, champion: { version }, challenger: { version: 99 } }).champion.version).toBe(expected);
  });

  it.each([0, -1, 1.5, ''])('refuses version %p', (version) => {
    expect(problems({ ...minimal, champion: { version } }).join('\n')).toMatch(/champion\.version/);
  });

  it('fills the documented defaults into a bare spec', () => {
    expect(parseRolloutSpec(minimal)).toEqual({
      ...minimal,
      steps: [...DEFAULT_STEPS],
      analysis: { interval: '1m', minRequests: 100, maxP95LatencyRatio: 1.5, maxErrorRate: 0.01, failureLimit: 2, inconclusiveLimit: 5 },
      prometheus: { url: DEFAULT_PROMETHEUS_URL, timeout: '10s' },
    });
  });

  it('defaults the weights ConfigMap key and keeps the traffic target, Prometheus and Triton as given', () => {
    const spec = parseRolloutSpec({
      ...minimal, prometheus: { url: 'http://prom:9090' }, triton: { url: 'http://triton:8000' },
      trafficTarget: { configMap: { name: 'router-weights' }, httpRoute: { name: 'infer', championBackend: 'v3', challengerBackend: 'v4' } },
    });
    expect(spec.trafficTarget).toEqual({ configMap: { name: 'router-weights', key: 'weights.json' }, httpRoute: { name: 'infer', championBackend: 'v3', challengerBackend: 'v4' } });
    expect(spec.prometheus).toEqual({ url: 'http://prom:9090', timeout: '10s' });
    expect(spec.triton).toEqual({ url: 'http://triton:8000' });
  });

  it('accepts a whole resource and returns its spec, keeping given values', () => {
    const spec = parseRolloutSpec({
      apiVersion: ROLLOUT_API_VERSION, kind: 'ModelRollout', metadata: { name: 'r1', labels: { a: 'b' } },
      spec: { ...minimal, steps: [5, 50, 100], analysis: { interval: '30s', maxP95LatencyMs: 250, minRankICDelta: -0.01, failureLimit: 0 } },
    });
    expect(spec.steps).toEqual([5, 50, 100]);
    expect(spec.analysis).toMatchObject({ interval: '30s', maxP95LatencyMs: 250, minRankICDelta: -0.01, failureLimit: 0, minRequests: 100 });
  });

  it.each<[string, unknown, RegExp]>([
    ['steps not increasing', { ...minimal, steps: [10, 10, 100] }, /^steps\.1: expected .*strictly increasing.*10 does not exceed 10/],
    ['steps not ending at 100', { ...minimal, steps: [10, 50] }, /^steps\.1: .*the last step must be 100, got 50/],
    ['step out of range', { ...minimal, steps: [0, 100] }, /^steps\.0: expected a percentage in \(0, 100\], got 0/],
    ['empty steps', { ...minimal, steps: [] }, /^steps: expected a non-empty list/],
    ['bad interval', { ...minimal, analysis: { interval: '5 minutes' } }, /^analysis\.interval: expected a duration .*units ms, s, m, h.*got "5 minutes"/],
    ['error rate above 1', { ...minimal, analysis: { maxErrorRate: 1.5 } }, /^analysis\.maxErrorRate: expected a fraction in \[0, 1\], got 1\.5/],
    ['fractional minRequests', { ...minimal, analysis: { minRequests: 2.5 } }, /^analysis\.minRequests: expected an integer >= 1, got 2\.5/],
    ['typo in analysis', { ...minimal, analysis: { maxErrorrate: 0.1 } }, /^analysis\.maxErrorrate: unknown field; allowed: interval, minRequests, .*maxErrorRate/],
    ['same versions', { ...minimal, challenger: { version: 'v3' } }, /^challenger\.version: expected a version other than the champion's \("v3"\)/],
    ['missing model', { champion: { version: 'a' }, challenger: { version: 'b' } }, /^model: expected the model name .*got nothing/],
    ['wrong apiVersion', { apiVersion: 'v1', kind: 'ModelRollout', spec: minimal }, /^apiVersion: expected "gogooku3\.io\/v1alpha1", got "v1"/],
    ['typo in the resource spec', { apiVersion: ROLLOUT_API_VERSION, kind: 'ModelRollout', spec: { ...minimal, step: [100] } }, /^spec\.step: unknown field; allowed: model, champion, challenger, steps, analysis, prometheus, trafficTarget, triton/],
    ['empty traffic target', { ...minimal, trafficTarget: {} }, /^trafficTarget: expected at least one of configMap .* or httpRoute/],
    ['HTTPRoute without backends', { ...minimal, trafficTarget: { httpRoute: { name: 'r' } } }, /^trafficTarget\.httpRoute\.championBackend: expected the champion backend Service name/],
    ['typo in the traffic target', { ...minimal, trafficTarget: { configmap: { name: 'w' } } }, /^trafficTarget\.configmap: unknown field; allowed: configMap, httpRoute/],
    ['bad Prometheus URL', { ...minimal, prometheus: { url: 'prom:9090' } }, /^prometheus\.url: expected the Prometheus URL \(http:\/\/ or https:\/\/\), got "prom:9090"/],
    ['bad Prometheus timeout', { ...minimal, prometheus: { timeout: '10' } }, /^prometheus\.timeout: expected a duration > 0/],
    ['typo in triton', { ...minimal, triton: { uri: 'http://t' } }, /^triton\.uri: unknown field; allowed: url/],
    ['not an object', 'steps: [1]', /^\(root\): expected an object/],
  ])('%s is rejected naming the field', (_name, raw, message) => {
    expect(problems(raw).some((p) => message.test(p))).toBe(true);
  });
});

describe('durationMs', () => {
  it.each<[string, number | undefined]>([
    ['1m', 60_000], ['30s', 30_000], ['1h30m', 5_400_000], ['500ms', 500], ['1.5s', 1_500], ['0s', undefined], ['1', undefined], ['m', undefined], ['1d', undefined],
  ])('%s → %p', (text, ms) => expect(durationMs(text)).toBe(ms));
});
