import { ModelServer, modelServerSettings, tritonArgs, tritonDeploymentSpec, tritonRepositoryUrl, tritonResources } from './model-server';
import { ComponentArgsError } from './common';
import { podSpecs, recordResources, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

describe('Triton helpers', () => {
  it('builds the S3 repository path for a custom endpoint', () => {
    expect(tritonRepositoryUrl('minio.ns.svc.cluster.local:9000', 'lake', 'models')).toBe('s3://http://minio.ns.svc.cluster.local:9000/lake/models');
    expect(tritonRepositoryUrl('m:9000', 'lake', '')).toBe('s3://http://m:9000/lake');
    expect(modelServerSettings({ repositoryPrefix: '/triton/repo/' }).repositoryPrefix).toBe('triton/repo');
  });
  it('starts Triton in explicit model control with auto-completed configs and metrics on 8002', () => {
    expect(tritonArgs('s3://x')).toEqual(expect.arrayContaining([
      'tritonserver', '--model-repository=s3://x', '--model-control-mode=explicit', '--strict-model-config=false', '--metrics-port=8002', '--load-model=*',
    ]));
    expect(tritonArgs('s3://x', ['ridge', 'mlp']).filter((a) => a.startsWith('--load-model'))).toEqual(['--load-model=ridge', '--load-model=mlp']);
  });
  it.each([
    [0, undefined, []],
    [1, '1', [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]],
    [4, '4', [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]],
  ])('gpus=%d → nvidia.com/gpu %s', (gpus, expected, tolerations) => {
    const s = modelServerSettings({ gpus });
    const r = tritonResources(s);
    expect(r.requests['nvidia.com/gpu']).toBe(expected);
    expect(r.limits['nvidia.com/gpu']).toBe(expected);
    expect(r.limits.cpu).toBe('4');
    expect(s.tolerations).toEqual(tolerations);
  });
  it('keeps explicit tolerations and refuses bad counts', () => {
    expect(modelServerSettings({ gpus: 1, tolerations: [] }).tolerations).toEqual([]);
    expect(() => modelServerSettings({ gpus: -1 })).toThrow(ComponentArgsError);
    expect(() => modelServerSettings({ gpus: 0.5 })).toThrow(/^modelServer.gpus: /);
    expect(() => modelServerSettings({ replicas: 0 })).toThrow(/^modelServer.replicas: /);
  });
  it('takes S3 credentials from the Secret by reference', () => {
    const spec = tritonDeploymentSpec({ name: 't', repository: 's3://x', region: 'us-east-1', s3Secret: 'minio-s3', settings: modelServerSettings({}), labels: {} });
    const env = spec.template.spec.containers[0].env;
    expect(env.filter((e) => 'valueFrom' in e && e.valueFrom).map((e) => e.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(env.every((e) => !('value' in e) || !/secret/i.test(String(e.name)))).toBe(true);
    expect(workloadViolations('t', spec.template.spec)).toEqual([]);
  });
});

describe('ModelServer', () => {
  it('registers a Deployment and a Service exposing http, grpc and metrics', async () => {
    new ModelServer('triton', { namespace: 'ns', s3Endpoint: 'minio:9000', bucket: 'lake', s3CredentialsSecret: 'minio-s3', gpus: 1 });
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => `${r.type} ${r.name}`).sort()).toEqual(['kubernetes:apps/v1:Deployment triton', 'kubernetes:core/v1:Service triton']);
    const service = custom.find((r) => r.type === 'kubernetes:core/v1:Service')!;
    expect(service.inputs.spec.ports.map((p: { port: number }) => p.port)).toEqual([8000, 8001, 8002]);
    const [pod] = podSpecs(custom);
    expect(pod.spec.containers[0].args).toContain('--model-repository=s3://http://minio:9000/lake/models');
    expect(pod.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
  });
});
