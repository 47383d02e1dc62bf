import { ENDPOINTS, endpointPath } from '../fields';
import { SIGNAL_PHI } from './prices';
import { SMALL_MARKET, call, startSimulator, v2Headers, type Running } from './testing';
import { roundTick } from './tse';
import { truthSummary } from './truth';
import { aliveAt, buildWorld } from './world';

let sim: Running;
beforeAll(async () => { sim = await startSimulator(SMALL_MARKET); });
afterAll(() => sim.close());

describe('the planted signal', () => {
  it('is AR(1) with unit variance and the documented persistence', () => {
    const w = sim.sim.world;
    const N = w.uni.n;
    let n = 0, s2 = 0, lag = 0;
    for (let t = 1; t < w.sessions.length; t++) {
      for (let i = 0; i < N; i++) {
        if (!aliveAt(w, i, t) || !aliveAt(w, i, t - 1)) continue;
        const [x, prev] = [w.prices.signal[t * N + i], w.prices.signal[(t - 1) * N + i]];
        n++;
        s2 += x * x;
        lag += x * prev;
      }
    }
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.1);
    expect(Math.abs(lag / s2 - SIGNAL_PHI)).toBeLessThan(0.02);
  });

  it.each<[number, number, number]>([
    [0.05, 0.025, 0.065],
    [0, -0.015, 0.015],
    [0.2, 0.13, 0.22],
  ])('signalIc %p gives a realised mean IC in [%p, %p]', (signalIc, lo, hi) => {
    const t = truthSummary(buildWorld({ ...SMALL_MARKET, signalIc }));
    expect(t.signal.signalIc).toBe(signalIc);
    expect(t.meanIc!).toBeGreaterThan(lo);
    expect(t.meanIc!).toBeLessThan(hi);
    expect(t.days).toBe(t.dates.length - 1);
  });
});

describe('truth over HTTP and in-process', () => {
  it('/sim/truth equals truth() and narrows to from/to', async () => {
    const got = await call(`${sim.url}/sim/truth?from=2021-01-04&to=2021-01-29`);
    expect(got.status).toBe(200);
    expect(got.json()).toEqual(sim.sim.truth({ from: '2021-01-04', to: '2021-01-29' }));
    expect(got.json().dates.map((d: { date: string }) => d.date)).toEqual(sim.sim.world.calendar.sessions('2021-01-04', '2021-01-29'));
    expect(got.json().signal.definition).toMatch(/phi/);
  });

  it.each<[string, number]>([
    ['/sim/truth?signals=1', 400],
    ['/sim/truth?from=2021-02-30', 400],
    ['/sim/truth?signals=1&date=2021-03-01', 200],
  ])('%s → %p', async (path, status) => {
    expect((await call(`${sim.url}${path}`)).status).toBe(status);
  });

  it("a date's IC can be recomputed from the served signals and bars (the oracle matches the wire)", async () => {
    const w = sim.sim.world;
    const N = w.uni.n;
    // A session on which every listed code traded, so each base price is visible on the wire.
    const t = w.sessions.findIndex((_, s) => s > 100 && s + 1 < w.sessions.length
      && w.uni.codes.every((_c, i) => !aliveAt(w, i, s) || (w.prices.flags[s * N + i] & 1) === 1));
    expect(t).toBeGreaterThan(0);
    const [date, next] = [w.sessions[t], w.sessions[t + 1]];
    const truth = (await call(`${sim.url}/sim/truth?signals=1&date=${date}&from=${date}&to=${date}`)).json();
    const bars = async (d: string) => new Map<string, { C: number | null; AdjFactor: number }>(
      (await call(`${sim.url}${endpointPath(ENDPOINTS.daily_bars, 'v2')}?date=${d}`, { headers: v2Headers() })).json().data.map((r: { Code: string }) => [r.Code, r]),
    );
    const [today, tomorrow] = [await bars(date), await bars(next)];
    const xs: number[] = [];
    const ys: number[] = [];
    for (const { code, value } of truth.signals.values as Array<{ code: string; value: number }>) {
      const a = today.get(code);
      const b = tomorrow.get(code);
      if (!a || !b || a.C === null || b.C === null) continue;
      const base = b.AdjFactor === 1 ? a.C : roundTick(a.C * b.AdjFactor);
      xs.push(value);
      ys.push(Math.log(b.C / base));
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const [mx, my] = [mean(xs), mean(ys)];
    const cov = xs.reduce((s, x, k) => s + (x - mx) * (ys[k] - my), 0);
    const ic = cov / Math.sqrt(xs.reduce((s, x) => s + (x - mx) ** 2, 0) * ys.reduce((s, y) => s + (y - my) ** 2, 0));
    expect(truth.dates[0].n).toBe(xs.length);
    expect(Math.abs(ic - truth.dates[0].ic)).toBeLessThan(1e-5);
  });
});
