import { dayOf, lowerBound } from './dates';
import { FLAG_TRADED, SIGNAL_PHI, basePrice } from './prices';
import { aliveAt, type World } from './world';

// Math's functions as module constants: under jest the global object is a Proxy, so every `Math.x` lookup in a
// hot loop would go through it (hundreds of times slower than the arithmetic).
const { log, max, sqrt } = Math;

export interface TruthDay {
  date: string;
  /** Pearson correlation across tickers of s[t] with the return of the next session; null if under 3 pairs. */
  ic: number | null;
  n: number;
}

export interface TruthSummary {
  signal: {
    definition: string;
    target: string;
    signalIc: number;
    phi: number;
    seed: number;
  };
  from: string | null;
  to: string | null;
  days: number;
  meanIc: number | null;
  icStd: number | null;
  /** meanIc / icStd × √days: how clearly the realised ICs sit away from zero. */
  tStat: number | null;
  dates: TruthDay[];
  signals?: { date: string; values: Array<{ code: string; value: number }> };
}

export interface TruthQuery {
  from?: string;
  to?: string;
  /** Adds the per-ticker signal values of this session. */
  signalsDate?: string;
}

export const SIGNAL_DEFINITION =
  's[t,i] = phi * s[t-1,i] + sqrt(1 - phi^2) * e[t,i], s at listing ~ N(0,1) (unit variance); the idiosyncratic part of '
  + "ticker i's log return on session t+1 is sigma_i * (signalIc * s[t,i] + sqrt(1 - signalIc^2) * z[t+1,i]).";

const cache = new WeakMap<World, { ic: Float64Array; n: Int32Array }>();

/** Realised IC per session, computed once per world on first use (a full pass over the price table). */
export function realisedIcs(w: World): { ic: Float64Array; n: Int32Array } {
  const hit = cache.get(w);
  if (hit) return hit;
  const T = w.sessions.length;
  const N = w.uni.n;
  const ic = new Float64Array(T).fill(Number.NaN);
  const count = new Int32Array(T);
  const { close, flags, signal } = w.prices;
  for (let t = 0; t + 1 < T; t++) {
    let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < N; i++) {
      const next = (t + 1) * N + i;
      if (!aliveAt(w, i, t) || !aliveAt(w, i, t + 1) || !(flags[next] & FLAG_TRADED)) continue;
      const x = signal[t * N + i];
      const y = log(close[next] / basePrice(w.prices, w.uni, w.listT, i, t + 1));
      n++;
      sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
    count[t] = n;
    const vx = sxx - (sx * sx) / n;
    const vy = syy - (sy * sy) / n;
    if (n >= 3 && vx > 0 && vy > 0) ic[t] = (sxy - (sx * sy) / n) / sqrt(vx * vy);
  }
  const result = { ic, n: count };
  cache.set(w, result);
  return result;
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

export function truthSummary(w: World, q: TruthQuery = {}): TruthSummary {
  const { ic, n } = realisedIcs(w);
  const lo = q.from ? lowerBound(w.sessionDays, dayOf(q.from)) : 0;
  const hi = q.to ? lowerBound(w.sessionDays, dayOf(q.to) + 1) : w.sessions.length;
  const dates: TruthDay[] = [];
  let sum = 0, sumSq = 0, k = 0;
  for (let t = lo; t < hi; t++) {
    const value = Number.isNaN(ic[t]) ? null : round(ic[t]);
    dates.push({ date: w.sessions[t], ic: value, n: n[t] });
    if (value !== null) {
      sum += ic[t];
      sumSq += ic[t] * ic[t];
      k++;
    }
  }
  const mean = k > 0 ? sum / k : null;
  const std = k > 1 && mean !== null ? sqrt(max(0, (sumSq - k * mean * mean) / (k - 1))) : null;
  const summary: TruthSummary = {
    signal: {
      definition: SIGNAL_DEFINITION,
      target: 'next-session close-to-close log return (raw close over the split-adjusted previous close), tickers that traded that session',
      signalIc: w.options.signalIc,
      phi: SIGNAL_PHI,
      seed: w.options.seed,
    },
    from: q.from ?? w.sessions[0] ?? null,
    to: q.to ?? w.sessions[w.sessions.length - 1] ?? null,
    days: k,
    meanIc: mean === null ? null : round(mean),
    icStd: std === null ? null : round(std),
    tStat: mean !== null && std ? round((mean / std) * sqrt(k), 3) : null,
    dates,
  };
  if (q.signalsDate) {
    const t = lowerBound(w.sessionDays, dayOf(q.signalsDate));
    const values: Array<{ code: string; value: number }> = [];
    if (t < w.sessions.length && w.sessions[t] === q.signalsDate) {
      for (let i = 0; i < w.uni.n; i++) {
        if (aliveAt(w, i, t)) values.push({ code: w.uni.codes[i], value: round(w.prices.signal[t * w.uni.n + i]) });
      }
    }
    summary.signals = { date: q.signalsDate, values };
  }
  return summary;
}
