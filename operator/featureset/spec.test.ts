import fc from 'fast-check';
import { DEFAULT_RESOURCES, FEATURESET_API_VERSION, FeatureSetSpecError, parseFeatureSetSpec } from './spec';

const minimal = {
  featureManifest: { name: 'core', version: '2.0.0' },
  pipelineImage: 'ghcr.io/gogooku3/pipelines:0.1.0',
  jquants: { credentialsSecretRef: { name: 'jquants' } },
  stores: { objectStore: { url: 's3://bucket/daily' }, dwh: { url: 'clickhouse://dwh:8123/db' }, online: { url: 'redis://online:6379/0' } },
};

function problems(raw: unknown): string[] {
  try {
    parseFeatureSetSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(FeatureSetSpecError);
    return (error as FeatureSetSpecError).problems;
  }
  throw new Error('expected a FeatureSetSpecError');
}

const edit = (fn: (spec: Record<string, any>) => void): unknown => {
  const copy = structuredClone(minimal) as Record<string, any>;
  fn(copy);
  return copy;
};

describe('parseFeatureSetSpec', () => {
  it('fills the documented defaults into a minimal spec', () => {
    expect(parseFeatureSetSpec(minimal)).toEqual({
      ...minimal,
      jquants: { credentialsSecretRef: { name: 'jquants' }, plan: 'light' },
      universe: {},
      schedule: { afterCloseMinutes: 30, timeZone: 'Asia/Tokyo' },
      resources: { requests: { ...DEFAULT_RESOURCES.requests }, limits: { ...DEFAULT_RESOURCES.limits } },
      retries: 2,
      suspend: false,
    });
  });

  it('defaults each field of a partly given nested object', () => {
    const spec = parseFeatureSetSpec(edit((s) => { s.resources = { limits: { memory: '8Gi' } }; s.training = { image: 'train:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5' }; s.schedule = { timeZone: 'UTC' }; }));
    expect(spec.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '8Gi' } });
    expect(spec.training).toEqual({ image: 'train:1', command: ['python', 'train.py'], schedule: '0 20 * * 1-5', gpus: 1, maxConcurrentGpuJobs: 1, sessions: 750, target: 'target_1_2', folds: 5, seed: 42 });
    expect(spec.schedule).toEqual({ afterCloseMinutes: 30, timeZone: 'UTC' });
  });

  it('accepts a whole resource and returns its spec', () => {
    const spec = parseFeatureSetSpec({ apiVersion: FEATURESET_API_VERSION, kind: 'FeatureSet', metadata: { name: 'fs', labels: { a: 'b' } }, spec: { ...minimal, featureManifest: { configMapRef: { name: 'manifest', key: 'manifest.yaml' } } } });
    expect(spec.featureManifest).toEqual({ configMapRef: { name: 'manifest', key: 'manifest.yaml' } });
  });

  it.each<[string, (s: Record<string, any>) => void, RegExp]>([
    ['top-level typo', (s) => { s.pipelineImages = 'x'; }, /^pipelineImages: unknown field; allowed: featureManifest, universe, schedule, pipelineImage, jquants, stores, metrics, resources, retries, backfill, training, suspend$/],
    ['nested typo', (s) => { s.schedule = { afterClose: 10 }; }, /^schedule\.afterClose: unknown field; allowed: afterCloseMinutes, timeZone$/],
    ['store typo', (s) => { s.stores.dwh.credentials = { name: 'x' }; }, /^stores\.dwh\.credentials: unknown field; allowed: url, credentialsSecretRef$/],
    ['plan', (s) => { s.jquants.plan = 'gold'; }, /^jquants\.plan: expected one of free, light, standard, premium, got "gold"$/],
    ['missing image', (s) => { delete s.pipelineImage; }, /^pipelineImage: expected the pipeline container image.*, got nothing$/],
    ['both manifest forms', (s) => { s.featureManifest.configMapRef = { name: 'm', key: 'k' }; }, /^featureManifest: expected \{ name, version \} or \{ configMapRef: \{ name, key \} \}/],
    ['quantity', (s) => { s.resources = { requests: { memory: '1 GB' } }; }, /^resources\.requests\.memory: expected a Kubernetes quantity.*, got "1 GB"$/],
    ['retries range', (s) => { s.retries = 11; }, /^retries: expected an integer 0\.\.10, got 11$/],
    ['retries fraction', (s) => { s.retries = 1.5; }, /^retries: expected an integer 0\.\.10, got 1.5$/],
    ['time zone', (s) => { s.schedule = { timeZone: 'Mars/Olympus' }; }, /^schedule\.timeZone: expected an IANA time zone/],
    ['backfill date', (s) => { s.backfill = { from: '2024-02-30' }; }, /^backfill\.from: expected a real calendar date YYYY-MM-DD, got "2024-02-30"$/],
    ['cron', (s) => { s.training = { image: 't', command: ['x'], schedule: 'nightly' }; }, /^training\.schedule: expected a cron schedule of five fields/],
    ['gpus', (s) => { s.training = { image: 't', command: ['x'], schedule: '@daily', gpus: -1 }; }, /^training\.gpus: expected an integer 0\.\.8, got -1$/],
    ['store scheme', (s) => { s.stores.online.url = 'memcached://x'; }, /^stores\.online\.url: expected the online store URL with scheme redis, rediss, got "memcached:\/\/x"$/],
    ['training command', (s) => { s.training = { image: 't', schedule: '@daily' }; }, /^training\.command: expected the trainer's command as a list of words, e\.g\. \["python", "train\.py"\], got nothing$/],
    ['empty training command', (s) => { s.training = { image: 't', command: [], schedule: '@daily' }; }, /^training\.command: expected the trainer's command as a list of words/],
    ['model name', (s) => { s.training = { image: 't', command: ['x'], schedule: '@daily', model: 'Alpha Model' }; }, /^training\.model: expected a model name such as "alpha"/],
    ['training target', (s) => { s.training = { image: 't', command: ['x'], schedule: '@daily', target: 'returns' }; }, /^training\.target: expected a label column such as "target_1_2", got "returns"$/],
    ['pushgateway scheme', (s) => { s.metrics = { pushgatewayUrl: 'pushgateway:9091' }; }, /^metrics\.pushgatewayUrl: expected the Pushgateway URL with scheme http, https, got "pushgateway:9091"$/],
    ['metrics typo', (s) => { s.metrics = { pushgateway: 'http://pg:9091' }; }, /^metrics\.pushgateway: unknown field; allowed: pushgatewayUrl$/],
    ['secret name', (s) => { s.jquants.credentialsSecretRef.name = 'Bad_Name'; }, /^jquants\.credentialsSecretRef\.name: expected the Secret name/],
    ['suspend', (s) => { s.suspend = 'yes'; }, /^suspend: expected true or false, got "yes"$/],
    ['universe list', (s) => { s.universe = { codes: '7203' }; }, /^universe\.codes: expected a list of issue codes, got "7203"$/],
  ])('refuses %s, naming the field', (_name, fn, pattern) => {
    const found = problems(edit(fn));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(pattern);
  });

  it('names resource-level fields with their spec. prefix and allowed keys', () => {
    expect(problems({ apiVersion: FEATURESET_API_VERSION, kind: 'FeatureSet', spec: { ...minimal, retry: 1 } })).toEqual(['spec.retry: unknown field; allowed: featureManifest, universe, schedule, pipelineImage, jquants, stores, metrics, resources, retries, backfill, training, suspend']);
    expect(problems({ apiVersion: 'gogooku3.io/v1', kind: 'FeatureSet', spec: minimal })[0]).toMatch(/^apiVersion: expected "gogooku3\.io\/v1alpha1", got "gogooku3\.io\/v1"$/);
  });

  it('keeps any in-range afterCloseMinutes and quantity as given', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 720 }), fc.integer({ min: 1, max: 4096 }), fc.constantFrom('m', 'Mi', 'Gi', ''), (minutes, n, unit) => {
      const spec = parseFeatureSetSpec(edit((s) => { s.schedule = { afterCloseMinutes: minutes }; s.resources = { limits: { cpu: `${n}${unit}` } }; }));
      return spec.schedule.afterCloseMinutes === minutes && spec.resources.limits.cpu === `${n}${unit}`;
    }), { numRuns: 100 });
  });
});
