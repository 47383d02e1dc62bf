/**
 * Test helpers for the components under `pulumi.runtime.setMocks`: every registered resource is recorded
 * with its inputs, so tests assert on what would be sent to the engine.
 */
import * as pulumi from '@pulumi/pulumi';

/** One registered resource as the mock monitor saw it. */
export interface Recorded { type: string; name: string; inputs: Record<string, any>; custom: boolean }

// How the SDK marks a secret value inside deserialized inputs.
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Installs mocks that record every resource; returns the (live) record list. */
export function recordResources(): Recorded[] {
  const recorded: Recorded[] = [];
  void pulumi.runtime.setMocks({
    newResource(args) {
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? false });
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === 'docker:index/image:Image') state.repoDigest = `${args.inputs.imageName}@sha256:${'0'.repeat(64)}`;
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      return args.inputs;
    },
  }, 'gogooku3', 'test', false);
  return recorded;
}

/** Resolves an Output (also an unknown one during preview: undefined). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/**
 * Waits until every registration has reached the mock monitor: the SDK's own RPC barrier (exported at run time,
 * not in its typings), then a few quiet event-loop turns for registrations chained on outputs resolved late.
 */
export async function settled(recorded: readonly Recorded[]): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  let last = -1;
  let stable = 0;
  while (stable < 3) {
    if (waitForRPCs) await waitForRPCs();
    await new Promise((r) => setTimeout(r, 1));
    if (recorded.length === last) stable++;
    else { stable = 0; last = recorded.length; }
  }
}

/** True when `v` is the SDK's secret wrapper. */
export function isSecretValue(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Paths (a.b[0].c) where any of `needles` appears in a plain (not secret-wrapped) string. */
export function plaintextOccurrences(value: unknown, needles: readonly string[], path = ''): string[] {
  if (isSecretValue(value)) return [];
  if (typeof value === 'string') return needles.some((n) => value.includes(n)) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plaintextOccurrences(v, needles, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => plaintextOccurrences(v, needles, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Unwraps secret wrappers, for assertions on the values themselves. */
export function reveal(value: unknown): any {
  if (isSecretValue(value)) return reveal((value as Record<string, unknown>).value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

/** Pod templates of every workload among the records: Deployments, StatefulSets, Jobs, CronJobs. */
export function podSpecs(recorded: readonly Recorded[]): Array<{ owner: string; spec: any }> {
  return recorded.flatMap((r) => {
    const spec = reveal(r.inputs.spec);
    switch (r.type) {
      case 'kubernetes:apps/v1:Deployment':
      case 'kubernetes:apps/v1:StatefulSet':
      case 'kubernetes:batch/v1:Job':
        return [{ owner: `${r.type} ${r.name}`, spec: spec.template.spec }];
      case 'kubernetes:batch/v1:CronJob':
        return [{ owner: `${r.type} ${r.name}`, spec: spec.jobTemplate.spec.template.spec }];
      default:
        return [];
    }
  });
}

/** Problems with a pod spec against the platform's rules: restrictive security context, limits, pinned images. */
export function workloadViolations(owner: string, spec: any): string[] {
  const problems: string[] = [];
  if (spec.securityContext?.runAsNonRoot !== true) problems.push(`${owner}: pod runAsNonRoot`);
  if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${owner}: pod seccomp`);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const where = `${owner}/${c.name}`;
    if (sc.runAsNonRoot !== true || !(sc.runAsUser > 0)) problems.push(`${where}: runAsNonRoot/runAsUser`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation`);
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]' || sc.capabilities?.add) problems.push(`${where}: capabilities`);
    if (sc.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${where}: seccompProfile`);
    for (const k of ['cpu', 'memory']) {
      if (!c.resources?.limits?.[k] || !c.resources?.requests?.[k]) problems.push(`${where}: resources ${k}`);
    }
    if (typeof c.image !== 'string' || !/(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$/.test(c.image.split('/').pop()!) || /:latest(@|$)/.test(c.image)) {
      problems.push(`${where}: image ${c.image} not pinned`);
    }
  }
  return problems;
}
