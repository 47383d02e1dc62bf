import { Operator, operatorDeploymentSpec, operatorSettings } from './operator';
import { ComponentArgsError } from './common';
import { podSpecs, recordResources, settled, workloadViolations } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

describe('operator helpers', () => {
  it('defaults to two leader-elected replicas on port 8081', () => {
    expect(operatorSettings({})).toMatchObject({ replicas: 2, port: 8081, command: ['gogooku3', 'operator', 'run', '--health-port', '8081'] });
  });
  it.each([[{ replicas: 0 }, /^operator.replicas: /], [{ port: 80 }, /^operator.port: expected an unprivileged port/]])('refuses %j', (s, message) => {
    expect(() => operatorSettings(s)).toThrow(ComponentArgsError);
    expect(() => operatorSettings(s)).toThrow(message);
  });
  it('probes /healthz and /readyz and passes the pod identity for the Lease', () => {
    const spec = operatorDeploymentSpec({ name: 'op', image: 'acme/gogooku3:1.0.0', serviceAccount: 'op', settings: operatorSettings({}), labels: {} });
    const c = spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8081 }]);
    expect(c.env.map((e) => e.name)).toEqual(expect.arrayContaining(['POD_NAME', 'POD_NAMESPACE']));
    expect(spec.template.spec.serviceAccountName).toBe('op');
    expect(workloadViolations('op', spec.template.spec)).toEqual([]);
  });
});

describe('Operator', () => {
  it('registers CRDs, RBAC without Secrets access, the Deployment, a PDB and a metrics Service', async () => {
    new Operator('gogooku3-operator', { namespace: 'gogooku3-dev', image: 'acme/gogooku3:1.0.0' });
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => r.type).sort()).toEqual([
      'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition',
      'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition',
      'kubernetes:apps/v1:Deployment',
      'kubernetes:core/v1:Service',
      'kubernetes:core/v1:ServiceAccount',
      'kubernetes:policy/v1:PodDisruptionBudget',
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole',
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding',
      'kubernetes:rbac.authorization.k8s.io/v1:Role',
      'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding',
    ]);
    const crds = custom.filter((r) => r.type.endsWith('CustomResourceDefinition')).map((r) => r.inputs.metadata.name).sort();
    expect(crds).toEqual(['featuresets.gogooku3.io', 'modelrollouts.gogooku3.io']);
    const rules = custom.filter((r) => /:(Cluster)?Role$/.test(r.type)).flatMap((r) => r.inputs.rules);
    expect(rules.filter((r: { resources: string[] }) => r.resources.includes('secrets') || r.resources.includes('*'))).toEqual([]);
    const binding = custom.find((r) => r.type.endsWith(':RoleBinding'))!;
    expect(binding.inputs.subjects).toEqual([{ kind: 'ServiceAccount', name: 'gogooku3-operator', namespace: 'gogooku3-dev' }]);
    expect(custom.find((r) => r.type.endsWith('PodDisruptionBudget'))!.inputs.spec.minAvailable).toBe(1);
    const [pod] = podSpecs(custom);
    expect(custom.find((r) => r.type === 'kubernetes:apps/v1:Deployment')!.inputs.spec.replicas).toBe(2);
    expect(workloadViolations(pod.owner, pod.spec)).toEqual([]);
  });
});
