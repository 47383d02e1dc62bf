import { Router, routerCommand, routerDeploymentSpec, routerHpaSpec, routerSettings, weightsData, WEIGHTS_DIR } from './router';
import { ComponentArgsError } from './common';
import { podSpecs, recordResources, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

const WEIGHTS = { models: [{ name: 'ridge', sticky: false, variants: [{ name: 'champion', version: 3, weight: 90 }, { name: 'challenger', version: 4, weight: 10 }] }] };

describe('router helpers', () => {
  it('applies the documented defaults', () => {
    expect(routerSettings({})).toMatchObject({ minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70, timeoutMs: 10000, initialWeights: undefined });
  });
  it.each([
    [{ minReplicas: 0 }, /^router.minReplicas: /],
    [{ minReplicas: 3, maxReplicas: 2 }, /^router.maxReplicas: expected an integer >= minReplicas \(3\)/],
    [{ targetCpuUtilization: 150 }, /^router.targetCpuUtilization: /],
    [{ initialWeights: { models: [{ name: 'm', variants: [{ name: 'a', version: 1, weight: 0 }] }] } as never }, /^router.initialWeights: .*weights must sum to more than 0/],
    [{ initialWeights: { models: [] } as never }, /^router.initialWeights: .*at least one model/],
  ])('refuses %j', (s, message) => {
    expect(() => routerSettings(s)).toThrow(ComponentArgsError);
    expect(() => routerSettings(s)).toThrow(message);
  });
  it('writes the weights in the router format the router parses back', () => {
    const { parseWeightsConfig } = jest.requireActual('../pipelines/serve/weights') as typeof import('../pipelines/serve/weights');
    const data = weightsData(routerSettings({ initialWeights: WEIGHTS }).initialWeights);
    expect(parseWeightsConfig(data['weights.json'])).toEqual(WEIGHTS);
    expect(weightsData(undefined)).toEqual({});
  });
  it('serves on all interfaces with the Triton backend and the mounted weights file', () => {
    expect(routerCommand({ tritonUrl: 'http://triton:8000', timeoutMs: 5000 })).toEqual([
      'gogooku3', 'serve', '--host', '0.0.0.0', '--port', '8080', '--backend', 'triton', '--triton-url', 'http://triton:8000',
      '--weights', `${WEIGHTS_DIR}/weights.json`, '--timeout-ms', '5000',
    ]);
  });
  it('mounts the weights ConfigMap as a directory (updates propagate) and takes credentials by reference', () => {
    const spec = routerDeploymentSpec({
      name: 'router', image: 'acme/gogooku3:1.0.0', tritonUrl: 'http://t:8000', objectStoreUrl: 's3://lake', s3EndpointUrl: 'http://m:9000',
      s3Secret: 'minio-s3', onlineSecret: 'redis-online', weightsConfigMap: 'router-weights', settings: routerSettings({}), labels: {},
    });
    const c = spec.template.spec.containers[0];
    const mount = c.volumeMounts.find((m) => m.name === 'weights')!;
    expect(mount).toEqual({ name: 'weights', mountPath: WEIGHTS_DIR, readOnly: true });
    expect(mount).not.toHaveProperty('subPath');
    expect(c.envFrom).toEqual([{ secretRef: { name: 'redis-online' } }]);
    expect(spec).not.toHaveProperty('replicas');
    expect(workloadViolations('router', spec.template.spec)).toEqual([]);
  });
  it('scales on CPU utilisation with autoscaling/v2', () => {
    expect(routerHpaSpec({ deployment: 'router', settings: routerSettings({ minReplicas: 3, maxReplicas: 6, targetCpuUtilization: 60 }) })).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'router' },
      minReplicas: 3,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
  });
});

describe('Router', () => {
  it('registers the weights ConfigMap ignoring data changes, the Deployment, Service and HPA', async () => {
    new Router('router', {
      namespace: 'ns', image: 'acme/gogooku3:1.0.0', tritonUrl: 'http://t:8000', objectStoreUrl: 's3://lake', s3EndpointUrl: 'http://m:9000',
      s3CredentialsSecret: 'minio-s3', onlineStoreSecret: 'redis-online', initialWeights: WEIGHTS,
    });
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:apps/v1:Deployment router',
      'kubernetes:autoscaling/v2:HorizontalPodAutoscaler router',
      'kubernetes:core/v1:ConfigMap router-weights',
      'kubernetes:core/v1:Service router',
    ]);
    expect(JSON.parse(custom.find((r) => r.name === 'router-weights')!.inputs.data['weights.json'])).toEqual(WEIGHTS);
    expect(podSpecs(custom).flatMap(({ owner, spec }) => workloadViolations(owner, spec))).toEqual([]);
  });
});
