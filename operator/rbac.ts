/**
 * The operator's ServiceAccount and least-privilege RBAC, as plain objects (printed by
 * `gogooku3 operator rbac`). Cluster-wide rules cover what the controllers watch in every namespace; the
 * leader-election Lease is granted only in the operator's own namespace. No Secrets: the children
 * reference the user's Secrets by name and the operator never reads them.
 */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RbacOptions {
  /** The namespace the operator runs in (its ServiceAccount and Lease live there). */
  namespace?: string;
  /** Name of the ServiceAccount, roles and bindings. */
  name?: string;
  /** The leader-election Lease's name (only this Lease may be updated). */
  leaseName?: string;
}

const READ = ['get', 'list', 'watch'];
const CRUD = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** The cluster-wide rules: the custom resources, their children, the traffic targets, Events. */
export const OPERATOR_RULES: PolicyRule[] = [
  { apiGroups: ['gogooku3.io'], resources: ['featuresets', 'modelrollouts'], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: ['gogooku3.io'], resources: ['featuresets/status', 'modelrollouts/status'], verbs: ['update', 'patch'] },
  // The rollout-cleanup finalizer: clusters with OwnerReferencesPermissionEnforcement check this subresource.
  { apiGroups: ['gogooku3.io'], resources: ['modelrollouts/finalizers'], verbs: ['update'] },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: CRUD },
  // ServiceAccounts and manifest ConfigMaps are FeatureSet children; the router's weights ConfigMap is a rollout target.
  { apiGroups: [''], resources: ['configmaps', 'serviceaccounts'], verbs: CRUD },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: [...READ, 'update', 'patch'] },
];

export function operatorRbac(options: RbacOptions = {}): Array<Record<string, unknown>> {
  const namespace = options.namespace ?? 'gogooku3-system';
  const name = options.name ?? 'gogooku3-operator';
  const leaseName = options.leaseName ?? 'gogooku3-operator';
  const labels = { 'app.kubernetes.io/name': 'gogooku3', 'app.kubernetes.io/component': 'operator' };
  const subject = { kind: 'ServiceAccount', name, namespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules: OPERATOR_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [subject],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `${name}-leader-election`, namespace, labels },
      rules: [
        // create cannot be limited by resourceNames (the object does not exist yet); the rest is this Lease only.
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [leaseName] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${name}-leader-election`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` }, subjects: [subject],
    },
  ];
}
