import type { FeatureSetSpec } from './spec';

/**
 * What every pod a FeatureSet runs shares: the user, the scratch directory, the stores and credentials (by
 * Secret reference only), and the restrictive security context; plus the training pod, which chains three
 * containers around the user's trainer image.
 */

export type KubeObject = Record<string, unknown>;
/** Secret keys the pods read; the Secrets themselves are the user's, only referenced here. */
export const JQUANTS_SECRET_KEY = 'JQUANTS_API_KEY';
export const OBJECT_STORE_SECRET_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
export const RUN_AS_USER = 10001;
export const DATA_DIR = '/data';

const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

export function pipelineEnv(name: string, spec: FeatureSetSpec): KubeObject[] {
  const objectStoreSecret = spec.stores.objectStore.credentialsSecretRef?.name;
  return [
    { name: 'GOGOOKU3_DATA_DIR', value: DATA_DIR },
    { name: 'GOGOOKU3_FEATURE_SET', value: name },
    { name: 'GOGOOKU3_OBJECT_STORE', value: spec.stores.objectStore.url },
    { name: 'GOGOOKU3_DWH', value: spec.stores.dwh.url },
    { name: 'GOGOOKU3_ONLINE_STORE', value: spec.stores.online.url },
    { name: 'GOGOOKU3_JQUANTS_PLAN', value: spec.jquants.plan },
    secretEnv(JQUANTS_SECRET_KEY, spec.jquants.credentialsSecretRef.name, JQUANTS_SECRET_KEY),
    ...(objectStoreSecret ? OBJECT_STORE_SECRET_KEYS.map((key) => secretEnv(key, objectStoreSecret, key)) : []),
    ...(spec.metrics?.pushgatewayUrl ? [{ name: 'GOGOOKU3_PUSHGATEWAY_URL', value: spec.metrics.pushgatewayUrl }] : []),
  ];
}

// The pipelines read no dedicated variables for warehouse or online-store credentials, so their Secrets are
// exposed whole (by reference, never copied) and their keys are the user's choice.
export function storeEnvFrom(spec: FeatureSetSpec): KubeObject[] {
  return [spec.stores.dwh.credentialsSecretRef, spec.stores.online.credentialsSecretRef]
    .filter((ref): ref is { name: string } => ref !== undefined)
    .map((ref) => ({ secretRef: { name: ref.name } }));
}

export const containerSecurityContext = () => ({
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});

export const podSecurityContext = () => ({ runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER, seccompProfile: { type: 'RuntimeDefault' } });

/** The store env plus `envFrom` when the warehouse or online store has a credentials Secret. */
export function storeAccess(name: string, spec: FeatureSetSpec): { env: KubeObject[]; envFrom?: KubeObject[] } {
  const envFrom = storeEnvFrom(spec);
  return { env: pipelineEnv(name, spec), ...(envFrom.length > 0 ? { envFrom } : {}) };
}

const CONTRACT_DIR = '/contract';
const CONTRACT_FILE = `${CONTRACT_DIR}/env`;
const OUTPUT_DIR = '/out';
/** The gogooku3 steps before and after the trainer are light; the trainer gets the spec's resources and GPUs. */
const STEP_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

/**
 * The training pod. Init containers run in order, so: `gogooku3 models contract` (pipeline image) computes the
 * G3_* variables for today and writes them to /contract/env; the trainer (the user's image, with the GPUs)
 * runs its command with them exported and writes model.onnx, metrics.json and verification.json to /out;
 * the main container registers the result with `gogooku3 models register --contract`, which refuses a model
 * that departs from the contract or that onnxruntime does not reproduce. A failing step fails the Job.
 */
export function trainingPodSpec(name: string, spec: FeatureSetSpec, serviceAccountName: string): KubeObject {
  const t = spec.training!;
  const gpu = t.gpus > 0 ? { 'nvidia.com/gpu': String(t.gpus) } : {};
  const access = storeAccess(name, spec);
  const mount = (volume: string, path: string, readOnly = false) => ({ name: volume, mountPath: path, ...(readOnly ? { readOnly } : {}) });
  const step = (container: string, command: string[], mounts: KubeObject[]) => ({
    name: container, image: spec.pipelineImage, command, ...access, resources: STEP_RESOURCES, securityContext: containerSecurityContext(), volumeMounts: [mount('data', DATA_DIR), ...mounts],
  });
  return {
    serviceAccountName,
    restartPolicy: 'Never',
    securityContext: podSecurityContext(),
    initContainers: [
      step('contract', ['gogooku3', 'models', 'contract', '--feature-set', name, '--sessions', String(t.sessions), '--target', t.target,
        '--folds', String(t.folds), '--seed', String(t.seed), '--output-dir', OUTPUT_DIR, '--out', CONTRACT_FILE], [mount('contract', CONTRACT_DIR)]),
      {
        name: 'train',
        image: t.image,
        // Exported by a POSIX shell, then the trainer replaces it: its own argv stays exactly the spec's command.
        command: ['/bin/sh', '-c', `. ${CONTRACT_FILE} && exec "$@"`, 'g3-train', ...t.command],
        ...access,
        resources: {
          requests: { cpu: spec.resources.requests.cpu, memory: spec.resources.requests.memory, ...gpu },
          limits: { cpu: spec.resources.limits.cpu, memory: spec.resources.limits.memory, ...gpu },
        },
        securityContext: containerSecurityContext(),
        volumeMounts: [mount('data', DATA_DIR), mount('contract', CONTRACT_DIR, true), mount('out', OUTPUT_DIR), mount('tmp', '/tmp')],
      },
    ],
    containers: [
      step('register', ['gogooku3', 'models', 'register', '--name', t.model ?? name, '--dir', OUTPUT_DIR, '--contract', CONTRACT_FILE, '--format', 'json'],
        [mount('contract', CONTRACT_DIR, true), mount('out', OUTPUT_DIR, true)]),
    ],
    // The root filesystem is read-only: scratch, the contract, the trainer's output and /tmp live here.
    volumes: ['data', 'contract', 'out', 'tmp'].map((v) => ({ name: v, emptyDir: {} })),
  };
}
