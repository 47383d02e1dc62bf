import { ENDPOINTS, endpointPath } from '../fields';
import { FaultInjector } from './faults';
import { FAULT_KINDS, type FaultKind } from './options';
import { SMALL_MARKET, call, startSimulator, v2Headers } from './testing';

const bars = `${endpointPath(ENDPOINTS.daily_bars, 'v2')}?date=2021-03-01`;

describe('fault injection', () => {
  it.each<[number, readonly FaultKind[]]>([
    [0, FAULT_KINDS],
    [0.1, FAULT_KINDS],
    [0.5, ['rate_limit', 'server_error']],
    [1, ['truncated']],
  ])('rate %p over %p: roughly honoured, kinds spread evenly, same seed same sequence', (rate, kinds) => {
    const a = new FaultInjector(3, rate, kinds);
    const b = new FaultInjector(3, rate, kinds);
    const n = 4000;
    const seq = Array.from({ length: n }, () => a.next());
    expect(Array.from({ length: n }, () => b.next())).toEqual(seq);
    const stats = a.stats();
    expect(stats.dataRequests).toBe(n);
    expect(Math.abs(stats.injected / n - rate)).toBeLessThan(0.03);
    for (const kind of FAULT_KINDS) {
      const share = stats.byKind[kind] / n;
      if (kinds.includes(kind)) expect(Math.abs(share - rate / kinds.length)).toBeLessThan(0.03);
      else expect(share).toBe(0);
    }
  });

  it('each kind misbehaves as described, is counted, and spares token and /sim calls', async () => {
    const sim = await startSimulator({ ...SMALL_MARKET, faultRate: 0.5, slowMs: 30, retryAfterSeconds: 7 });
    try {
      const seen: Record<string, number> = { ok: 0, rate_limit: 0, server_error: 0, slow: 0, truncated: 0, reset: 0 };
      for (let k = 0; k < 120; k++) {
        const started = performance.now();
        let got;
        try {
          got = await call(`${sim.url}${bars}`, { headers: { ...v2Headers(), connection: 'close' } });
        } catch {
          seen.reset++;
          continue;
        }
        const elapsed = performance.now() - started;
        if (got.status === 429) {
          expect(got.headers.get('retry-after')).toBe('7');
          seen.rate_limit++;
        } else if (got.status === 500) {
          seen.server_error++;
        } else if (got.status === 200) {
          let parsed = true;
          try {
            got.json();
          } catch {
            parsed = false;
          }
          if (!parsed) seen.truncated++;
          else if (elapsed >= 29) seen.slow++;
          else seen.ok++;
        }
      }
      const stats = sim.sim.stats();
      expect(stats.faults.dataRequests).toBe(120);
      for (const kind of FAULT_KINDS) expect(seen[kind]).toBeGreaterThan(0);
      // Slow replies are indistinguishable from quick ones only if the machine stalls; allow that drift.
      expect(seen.rate_limit).toBe(stats.faults.byKind.rate_limit);
      expect(seen.server_error).toBe(stats.faults.byKind.server_error);
      expect(seen.truncated).toBe(stats.faults.byKind.truncated);
      expect(seen.reset).toBe(stats.faults.byKind.reset);
      expect(seen.slow).toBeGreaterThanOrEqual(stats.faults.byKind.slow);
      expect(stats.faults.injected).toBeGreaterThan(30);
      expect(stats.faults.injected).toBeLessThan(90);

      const before = sim.sim.stats().faults.dataRequests;
      for (let k = 0; k < 10; k++) {
        const user = await call(`${sim.url}/v1/token/auth_user`, { method: 'POST', body: JSON.stringify({ mailaddress: 'sim@example.com', password: 'sim-password' }) });
        expect(user.status).toBe(200);
        expect((await call(`${sim.url}/sim/stats`)).status).toBe(200);
      }
      expect(sim.sim.stats().faults.dataRequests).toBe(before);
      expect((await call(`${sim.url}/sim/stats`)).json().faults.byKind).toEqual(sim.sim.stats().faults.byKind);
    } finally {
      await sim.close();
    }
  });
});
