import { ENDPOINTS, normalizeRecords } from '..';
import { buildWorld } from './world';
import { servedBar, BAD_ROW_KINDS } from './bars';
import { toWire } from '../fields';

describe('badRowRate: broken bars on purpose, to exercise quarantine', () => {
  const clean = buildWorld({ seed: 4, codes: 60, from: '2024-01-04', asOf: '2024-06-28' } as never);
  const broken = buildWorld({ seed: 4, codes: 60, from: '2024-01-04', asOf: '2024-06-28', badRowRate: 0.05 } as never);

  it('breaks about the share asked for, deterministically, leaving the rest identical', () => {
    let changed = 0;
    let traded = 0;
    const kinds = new Set<string>();
    for (let i = 0; i < 60; i += 1) {
      for (let t = Math.max(0, broken.listT[i]); t < Math.min(broken.endT[i], broken.sessions.length); t += 1) {
        const a = servedBar(clean, i, t);
        const b = servedBar(broken, i, t);
        if (a.close === null) continue;
        traded += 1;
        expect(servedBar(broken, i, t)).toEqual(b);
        if (JSON.stringify(a) === JSON.stringify(b)) continue;
        changed += 1;
        if (typeof b.open === 'string') kinds.add('not_a_number');
        else if (Number(b.volume) < 0) kinds.add('negative_volume');
        else if (Number(b.high) < Number(b.low)) kinds.add('high_below_low');
      }
    }
    expect(changed / traded).toBeGreaterThan(0.03);
    expect(changed / traded).toBeLessThan(0.07);
    expect([...kinds].sort()).toEqual([...BAD_ROW_KINDS].sort());
  });

  it('a non-number is rejected on the wire by the client, the others reach the contracts', () => {
    let checked = 0;
    for (let i = 0; i < 60; i += 1) {
      for (let t = Math.max(0, broken.listT[i]); t < Math.min(broken.endT[i], broken.sessions.length); t += 1) {
        const b = servedBar(broken, i, t);
        if (typeof b.open !== 'string') continue;
        const batch = normalizeRecords(ENDPOINTS.daily_bars, 'v2', [toWire(ENDPOINTS.daily_bars, 'v2', b)]);
        expect(batch.rejected[0].issues[0].message).toMatch(/\.O must be a number, got "n\/a"/);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
