import { parseWeightsConfig } from '../../pipelines/serve/weights';
import type { KubeObject } from '../runtime/types';
import { httpRouteWithWeights, mergeWeights, modelRoute, routerVersion, TrafficTargetError } from './traffic';

const spec = { model: 'lgbm', champion: { version: '3' }, challenger: { version: '4' } };

describe('routerVersion', () => {
  it.each<[string, number | string]>([['3', 3], ['12', 12], ['production', 'production'], ['staging', 'staging']])('%s → %p', (v, expected) => {
    expect(routerVersion('f', v)).toBe(expected);
  });
  it.each(['v4', '0', '03', 'latest'])('refuses %s naming the field', (v) => {
    expect(() => routerVersion('spec.challenger.version', v)).toThrow(/^spec\.challenger\.version: the router's weights config takes a positive integer/);
  });
});

describe('modelRoute', () => {
  it.each<[number, Array<{ name: string; version: number; weight: number }>]>([
    [0, [{ name: 'champion', version: 3, weight: 100 }]],
    [10, [{ name: 'champion', version: 3, weight: 90 }, { name: 'challenger', version: 4, weight: 10 }]],
    [25, [{ name: 'champion', version: 3, weight: 75 }, { name: 'challenger', version: 4, weight: 25 }]],
    [100, [{ name: 'challenger', version: 4, weight: 100 }]],
  ])('at %p %% the variants are %j (zero weights left out)', (w, variants) => {
    expect(modelRoute(spec, w)).toEqual({ name: 'lgbm', sticky: false, variants });
  });
});

describe('mergeWeights', () => {
  const other = { name: 'other', featureSet: 'prime', sticky: true, variants: [{ name: 'main', version: 'production', weight: 1 }] };

  it('adds the model to an empty or missing config, in the router\'s format', () => {
    for (const existing of [undefined, '', '  ']) {
      const text = mergeWeights(existing, modelRoute(spec, 10));
      expect(parseWeightsConfig(text).models).toEqual([{ name: 'lgbm', sticky: false, variants: [{ name: 'champion', version: 3, weight: 90 }, { name: 'challenger', version: 4, weight: 10 }] }]);
    }
  });

  it('replaces only this model, keeping the others and this route\'s stickiness and feature set', () => {
    const existing = JSON.stringify({ models: [other, { name: 'lgbm', featureSet: 'fs1', sticky: true, variants: [{ name: 'champion', version: 3, weight: 1 }] }] });
    const config = parseWeightsConfig(mergeWeights(existing, modelRoute(spec, 25)));
    expect(config.models).toEqual([other, { name: 'lgbm', featureSet: 'fs1', sticky: true, variants: [{ name: 'champion', version: 3, weight: 75 }, { name: 'challenger', version: 4, weight: 25 }] }]);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{models:', /not valid JSON.*refusing to overwrite/],
    ['not the router format', JSON.stringify({ models: [{ name: 'x', variants: [] }] }), /invalid.*refusing to overwrite/],
  ])('refuses to overwrite an existing config that is %s', (_name, existing, message) => {
    expect(() => mergeWeights(existing, modelRoute(spec, 10))).toThrow(TrafficTargetError);
    expect(() => mergeWeights(existing, modelRoute(spec, 10))).toThrow(message);
  });
});

describe('httpRouteWithWeights', () => {
  const route: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'infer', namespace: 'ns', resourceVersion: '5' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { value: '/v1' } }], backendRefs: [{ name: 'svc-v3', port: 80, weight: 100 }, { name: 'svc-v4', port: 80 }, { name: 'mirror', port: 81, weight: 1 }] }] },
  };
  const target = { name: 'infer', championBackend: 'svc-v3', challengerBackend: 'svc-v4' };

  it('weights the two backends 100−w / w and leaves everything else as it was', () => {
    const next = httpRouteWithWeights(route, target, 25);
    expect(next.metadata).toEqual(route.metadata);
    expect(next.spec).toEqual({ parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { value: '/v1' } }], backendRefs: [{ name: 'svc-v3', port: 80, weight: 75 }, { name: 'svc-v4', port: 80, weight: 25 }, { name: 'mirror', port: 81, weight: 1 }] }] });
  });

  it('names the missing backend', () => {
    expect(() => httpRouteWithWeights(route, { ...target, challengerBackend: 'svc-v5' }, 10)).toThrow(/^trafficTarget\.httpRoute\.challengerBackend: HTTPRoute infer has no backendRef named "svc-v5"/);
  });
});
