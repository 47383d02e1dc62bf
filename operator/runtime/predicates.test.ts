import { ownerKey, shouldEnqueueOnUpdate } from './predicates';
import type { KubeObject, ObjectMeta } from './types';

const fs = (meta: Partial<ObjectMeta>, status?: unknown): KubeObject => ({
  apiVersion: 'gogooku3.io/v1alpha1',
  kind: 'FeatureSet',
  metadata: { name: 'daily', namespace: 'ml', uid: 'u1', resourceVersion: '10', generation: 3, ...meta },
  ...(status ? { status } : {}),
});

describe('shouldEnqueueOnUpdate', () => {
  it.each<[string, Partial<ObjectMeta>, Partial<ObjectMeta>, boolean]>([
    ['status-only write (rv changes, generation does not)', {}, { resourceVersion: '11' }, false],
    ['spec change bumps generation', {}, { resourceVersion: '11', generation: 4 }, true],
    ['resync delivers the same resourceVersion', {}, {}, true],
    ['deletion requested', {}, { resourceVersion: '11', deletionTimestamp: '2026-01-01T00:00:00Z' }, true],
    ['finalizer removed', { finalizers: ['gogooku3.io/cleanup'] }, { resourceVersion: '11', finalizers: [] }, true],
    ['finalizer list unchanged', { finalizers: ['a'] }, { resourceVersion: '11', finalizers: ['a'] }, false],
    ['verb annotation added', {}, { resourceVersion: '11', annotations: { 'gogooku3.io/promote': 'true' } }, true],
    ['verb annotation removed', { annotations: { 'gogooku3.io/pause': 'true' } }, { resourceVersion: '11', annotations: {} }, true],
    ['verb annotation changed value', { annotations: { 'gogooku3.io/pause': 'a' } }, { resourceVersion: '11', annotations: { 'gogooku3.io/pause': 'b' } }, true],
    ['unrelated annotation changed', {}, { resourceVersion: '11', annotations: { 'kubectl.kubernetes.io/last-applied': 'x' } }, false],
    ['label change alone', {}, { resourceVersion: '11', labels: { a: 'b' } }, false],
    ['objects without generation: any change counts', { generation: undefined }, { resourceVersion: '11', generation: undefined }, true],
  ])('%s → %s', (_name, oldMeta, newMeta, expected) => {
    expect(shouldEnqueueOnUpdate(fs(oldMeta), fs(newMeta, { phase: 'x' }))).toBe(expected);
  });
});

describe('ownerKey', () => {
  const primary = { apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet' };
  const child = (refs: ObjectMeta['ownerReferences']): KubeObject => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'daily-run', namespace: 'ml', ownerReferences: refs },
  });

  it.each<[string, ObjectMeta['ownerReferences'], string | undefined]>([
    ['controller owner of the primary kind', [{ apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet', name: 'daily', uid: 'u1', controller: true }], 'ml/daily'],
    ['another version of the same group', [{ apiVersion: 'gogooku3.io/v1beta1', kind: 'FeatureSet', name: 'daily', uid: 'u1', controller: true }], 'ml/daily'],
    ['non-controller owner', [{ apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet', name: 'daily', uid: 'u1' }], undefined],
    ['controller of another kind', [{ apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', name: 'daily', uid: 'u1', controller: true }], undefined],
    ['same kind name in another group', [{ apiVersion: 'other.io/v1', kind: 'FeatureSet', name: 'daily', uid: 'u1', controller: true }], undefined],
    ['no owners', undefined, undefined],
  ])('%s', (_name, refs, expected) => {
    expect(ownerKey(child(refs), primary)).toBe(expected);
  });

  it('cluster-scoped primaries get a bare name key', () => {
    const obj = child([{ apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet', name: 'daily', uid: 'u1', controller: true }]);
    expect(ownerKey(obj, primary, false)).toBe('daily');
  });
});
