/**
 * The simulator's planted signal as an oracle model. When the lake was filled from the J-Quants simulator, the
 * signal s[t, i] that drives its returns is known (sim/truth.ts), so a trained model can be compared with the best
 * a model could hope for on that market.
 *
 * What is compared: s[t, i] is known after session t's close and is built to predict the idiosyncratic return of
 * session t + 1 (its realised IC in `sim jquants truth` is against that next-session log return). The model is
 * scored on its target instead — target_1_2 at t is close[t+2] / close[t+1] − 1, the return of session t + 2,
 * which s[t] predicts only through the signal's persistence (expected IC about phi × signalIc = 0.9 × signalIc,
 * before market, sector and jump noise). So the honest oracle is s[t] used as the prediction for (ticker, t) and
 * evaluated exactly like the model: same rows, same target, same metrics. The simulator's own next-session IC
 * is reported beside it for reference only.
 */
import { tickerOfCode } from '../../adjust';
import { buildWorld, SimOptionsError, truthSummary, type World } from '../../sources/jquants/sim';

/** The options that define a simulated market; they must equal those the data was fetched with. */
export interface SimMarket {
  seed: number;
  codes: number;
  /** First date of the simulated history (the simulator's `from`). */
  from: string;
  /** The simulator's today; values up to it do not depend on it, so any date past the range will do. */
  asOf: string;
  signalIc: number;
}

export class OracleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OracleError';
  }
}

export interface Oracle {
  market: SimMarket;
  phi: number;
  /** s[date, ticker] for each row; NaN where the simulated market has no such ticker that session. */
  signals(dates: ArrayLike<string>, tickers: ArrayLike<string>): Float64Array;
  /** The simulator's realised IC (s[t] against the session t+1 log return) averaged over [from, to]. */
  nextSessionIc(from: string, to: string): { meanIc: number | null; days: number };
}

export function oracleFromWorld(world: World, market: SimMarket): Oracle {
  const cache = new Map<string, Map<string, number>>();
  const signalsOn = (date: string): Map<string, number> => {
    let m = cache.get(date);
    if (!m) {
      const values = truthSummary(world, { from: date, to: date, signalsDate: date }).signals?.values ?? [];
      m = new Map(values.map((v) => [tickerOfCode(v.code), v.value]));
      cache.set(date, m);
    }
    return m;
  };
  const phi = truthSummary(world, { from: world.sessions[0], to: world.sessions[0] }).signal.phi;
  return {
    market,
    phi,
    signals(dates, tickers) {
      const out = new Float64Array(dates.length);
      for (let i = 0; i < dates.length; i++) out[i] = signalsOn(dates[i]).get(tickers[i]) ?? NaN;
      return out;
    },
    nextSessionIc(from, to) {
      const s = truthSummary(world, { from, to });
      return { meanIc: s.meanIc, days: s.days };
    },
  };
}

/** Builds the simulated market (seconds for thousands of codes over years). */
export function simOracle(market: SimMarket): Oracle {
  let world: World;
  try {
    world = buildWorld({ seed: market.seed, codes: market.codes, from: market.from, asOf: market.asOf, signalIc: market.signalIc });
  } catch (error) {
    if (error instanceof SimOptionsError) throw new OracleError(error.message, { cause: error });
    throw error;
  }
  return oracleFromWorld(world, market);
}

/** Below this share of rows with a signal the market options almost surely differ from the data's. */
export const MIN_MATCHED_SHARE = 0.5;

/** Fails when too few rows have a signal: the oracle would describe another market. */
export function checkCoverage(values: Float64Array, market: SimMarket): number {
  let matched = 0;
  for (const v of values) if (Number.isFinite(v)) matched++;
  const share = values.length > 0 ? matched / values.length : 0;
  if (share < MIN_MATCHED_SHARE) {
    throw new OracleError(`only ${(share * 100).toFixed(1)} % of the rows have a planted signal in the simulated market (seed ${market.seed}, codes ${market.codes}, from ${market.from}); `
      + 'pass the --sim-* options the data was fetched with');
  }
  return share;
}
