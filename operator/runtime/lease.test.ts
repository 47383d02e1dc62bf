import { decideLease, microTime, releasedLease, type LeaseDecision, type LeaseSpec } from './lease';

const T0 = Date.parse('2026-01-05T00:00:00Z');
const at = (s: number) => T0 + s * 1000;

describe('microTime', () => {
  it('writes six fractional digits', () => {
    expect(microTime(Date.parse('2026-01-05T01:02:03.456Z'))).toBe('2026-01-05T01:02:03.456000Z');
  });
});

describe('decideLease', () => {
  const held = (holder: string | undefined, renewedAtS: number, extra: Partial<LeaseSpec> = {}): LeaseSpec => ({
    holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: microTime(at(-100)), renewTime: microTime(at(renewedAtS)), leaseTransitions: 3, ...extra,
  });

  it.each<[string, LeaseSpec | undefined, number, number | undefined, LeaseDecision['action'], Partial<LeaseSpec> | undefined]>([
    ['no lease → create, transitions 0', undefined, 0, undefined, 'create', { holderIdentity: 'me', leaseTransitions: 0, acquireTime: microTime(at(0)) }],
    ['ours → renew keeps acquireTime and transitions', held('me', -5), 0, undefined, 'renew', { holderIdentity: 'me', leaseTransitions: 3, acquireTime: microTime(at(-100)), renewTime: microTime(at(0)) }],
    ['ours even if long expired → renew', held('me', -500), 0, undefined, 'renew', { holderIdentity: 'me' }],
    ['other, renewed 5 s ago → wait', held('other', -5), 0, undefined, 'wait', undefined],
    ['other, renewed 14.9 s ago → wait', held('other', -14.9), 0, undefined, 'wait', undefined],
    ['other, renewed exactly 15 s ago → acquire', held('other', -15), 0, undefined, 'acquire', { holderIdentity: 'me', leaseTransitions: 4, acquireTime: microTime(at(0)) }],
    ['other, expired → acquire, transitions + 1', held('other', -60), 0, undefined, 'acquire', { leaseTransitions: 4 }],
    ['released (no holder) → acquire at once', held(undefined, 0, { leaseDurationSeconds: 1 }), 0, undefined, 'acquire', { holderIdentity: 'me', leaseDurationSeconds: 15 }],
    ['empty holder string → acquire', held('', 0), 0, undefined, 'acquire', { holderIdentity: 'me' }],
    ['skewed clock: renewTime looks old but we saw it 2 s ago → wait', held('other', -600), 0, at(-2), 'wait', undefined],
    ['seen 20 s ago unchanged → acquire even if renewTime is in the future', held('other', +600), 0, at(-20), 'acquire', { holderIdentity: 'me' }],
    ['the lease\'s own duration counts (short lease)', held('other', -2, { leaseDurationSeconds: 1 }), 0, undefined, 'acquire', undefined],
    ['unparseable renewTime and no observation → acquire', held('other', 0, { renewTime: 'garbage' }), 0, undefined, 'acquire', undefined],
    ['missing transitions counted from 0', held('other', -60, { leaseTransitions: undefined }), 0, undefined, 'acquire', { leaseTransitions: 1 }],
  ])('%s', (_name, current, nowS, observedAt, action, expected) => {
    const decision = decideLease(current, at(nowS), 'me', 15, observedAt);
    expect(decision.action).toBe(action);
    if (decision.action === 'wait') {
      expect(decision.holder).toBe(current?.holderIdentity);
      expect(decision.expiresAtMs).toBeGreaterThan(at(nowS));
    } else if (expected) {
      expect(decision.spec).toMatchObject(expected);
    }
  });
});

describe('releasedLease', () => {
  it('clears the holder and shortens the lease, keeping history', () => {
    const released = releasedLease({ holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: 'a', renewTime: 'b', leaseTransitions: 7 }, at(1));
    expect(released).toEqual({ leaseDurationSeconds: 1, acquireTime: 'a', renewTime: microTime(at(1)), leaseTransitions: 7 });
    expect(decideLease(released, at(1), 'standby', 15).action).toBe('acquire');
  });
});
