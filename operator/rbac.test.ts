import { operatorRbac, OPERATOR_RULES, type PolicyRule } from './rbac';

const rulesOf = (objects: Array<Record<string, unknown>>): PolicyRule[] => objects.flatMap((o) => (o.rules as PolicyRule[] | undefined) ?? []);
const allows = (rules: PolicyRule[], group: string, resource: string, verb: string) =>
  rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe('operatorRbac', () => {
  const objects = operatorRbac();

  it('matches the snapshot (a change here changes what the operator may do: review it)', () => {
    expect(objects).toMatchSnapshot();
  });

  it('grants no Secrets and no wildcards', () => {
    const text = JSON.stringify(rulesOf(objects));
    expect(text).not.toMatch(/secret/i);
    for (const rule of rulesOf(objects)) {
      for (const v of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(v).not.toContain('*');
    }
  });

  it.each<[string, string, string, boolean]>([
    ['gogooku3.io', 'featuresets', 'watch', true],
    ['gogooku3.io', 'modelrollouts/status', 'update', true],
    ['gogooku3.io', 'modelrollouts/finalizers', 'update', true],
    ['gogooku3.io', 'featuresets', 'delete', false],
    ['gogooku3.io', 'featuresets', 'create', false],
    ['batch', 'cronjobs', 'delete', true],
    ['batch', 'jobs', 'create', true],
    ['', 'configmaps', 'update', true],
    ['', 'serviceaccounts', 'create', true],
    ['', 'events', 'create', true],
    ['', 'events', 'delete', false],
    ['', 'secrets', 'get', false],
    ['', 'pods', 'list', false],
    ['gateway.networking.k8s.io', 'httproutes', 'patch', true],
    ['gateway.networking.k8s.io', 'httproutes', 'delete', false],
    ['coordination.k8s.io', 'leases', 'update', true],
  ])('%s %s %s → %p', (group, resource, verb, expected) => {
    expect(allows(rulesOf(objects), group, resource, verb)).toBe(expected);
  });

  it('keeps the Lease rules in the operator namespace and limits updates to its Lease', () => {
    const role = operatorRbac({ namespace: 'ops', leaseName: 'lead' }).find((o) => o.kind === 'Role')!;
    expect((role.metadata as { namespace: string }).namespace).toBe('ops');
    const update = (role.rules as PolicyRule[]).find((r) => r.verbs.includes('update'))!;
    expect(update.resourceNames).toEqual(['lead']);
    expect(allows(OPERATOR_RULES, 'coordination.k8s.io', 'leases', 'update')).toBe(false);
  });

  it('binds both roles to the ServiceAccount it creates', () => {
    const custom = operatorRbac({ namespace: 'ops', name: 'op' });
    const sa = custom.find((o) => o.kind === 'ServiceAccount')!;
    for (const binding of custom.filter((o) => String(o.kind).endsWith('Binding'))) {
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: (sa.metadata as { name: string }).name, namespace: 'ops' }]);
    }
  });
});
