import { cleanupPlan, ROLLOUT_FINALIZER, withFinalizer, withoutFinalizer } from './finalizer';

describe('finalizer lists', () => {
  it.each<[string[] | undefined, string[]]>([
    [undefined, [ROLLOUT_FINALIZER]],
    [['a'], ['a', ROLLOUT_FINALIZER]],
    [[ROLLOUT_FINALIZER, 'a'], [ROLLOUT_FINALIZER, 'a']],
  ])('withFinalizer(%j) → %j', (list, expected) => {
    expect(withFinalizer(list, ROLLOUT_FINALIZER)).toEqual(expected);
  });

  it.each<[string[] | undefined, string[] | null]>([
    [undefined, null],
    [[ROLLOUT_FINALIZER], null],
    [['a', ROLLOUT_FINALIZER, 'b'], ['a', 'b']],
    [['a'], ['a']],
  ])('withoutFinalizer(%j) → %j', (list, expected) => {
    expect(withoutFinalizer(list, ROLLOUT_FINALIZER)).toEqual(expected);
  });
});

describe('cleanupPlan', () => {
  it.each<[string, Parameters<typeof cleanupPlan>[0], number | undefined, ReturnType<typeof cleanupPlan>]>([
    ['Promoted: nothing to restore', { phase: 'Promoted', tritonVersions: '3,4' }, 3, { restoreTraffic: false }],
    ['mid-rollout with Triton', { phase: 'Progressing', challengerWeight: 25, tritonVersions: '3,4' }, 3, { restoreTraffic: true, tritonVersions: [3] }],
    ['mid-rollout without Triton', { phase: 'Progressing', challengerWeight: 25 }, undefined, { restoreTraffic: true }],
    ['rolled back, champion already pinned', { phase: 'RolledBack', tritonVersions: '3' }, 3, { restoreTraffic: true }],
    ['never reconciled', undefined, 3, { restoreTraffic: true, tritonVersions: [3] }],
  ])('%s', (_name, status, champion, expected) => {
    expect(cleanupPlan(status, champion)).toEqual(expected);
  });
});
