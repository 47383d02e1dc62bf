import { TseCalendar } from '../../../calendar';
import { dayOf, lowerBound } from './dates';
import { buildDividends, type DividendTables } from './dividends';
import { buildInvestors, type InvestorTables } from './investors';
import { parseSimOptions, type SimOptions, type SimOptionsInput } from './options';
import { generatePrices, type PriceTables } from './prices';
import { buildUniverse, type Universe } from './universe';

/**
 * The whole simulated market, built once per simulator and immutable afterwards. Everything random is keyed
 * by (seed, ticker slot, session index from `from`), so a later asOf only appends history: rows up to an
 * earlier asOf are identical except for split adjustments that became known since.
 */
export interface World {
  options: SimOptions;
  calendar: TseCalendar;
  /** Sessions from `from` to asOf (the TSE rules calendar). */
  sessions: string[];
  sessionDays: Int32Array;
  /** 2020-10-01: not a session (the exchange was down all day) yet J-Quants has all-null rows for it. */
  outage: { date: string; day: number; nextT: number } | null;
  uni: Universe;
  /** 5-character code → ticker index. */
  codeIndex: Map<string, number>;
  /** First session with rows / first session without rows again (T when still listed). */
  listT: Int32Array;
  endT: Int32Array;
  prices: PriceTables;
  investors: InvestorTables;
  dividends: DividendTables;
  buildMs: number;
}

export const OUTAGE_DATE = '2020-10-01';

export function buildWorld(input: SimOptionsInput | SimOptions = {}): World {
  const started = performance.now();
  const options = parseSimOptions(input as SimOptionsInput);
  const calendar = TseCalendar.fromRules();
  const sessions = calendar.sessions(options.from, options.asOf);
  const sessionDays = Int32Array.from(sessions, dayOf);
  const T = sessions.length;
  const uni = buildUniverse(options.seed, options.codes, options.from);
  const listT = Int32Array.from(uni.listDay, (d) => lowerBound(sessionDays, d));
  const endT = Int32Array.from(uni.delistDay, (d) => lowerBound(sessionDays, d));
  const prices = generatePrices(options.seed, options.signalIc, uni, listT, endT, T);
  const outage = OUTAGE_DATE >= options.from && OUTAGE_DATE <= options.asOf
    ? { date: OUTAGE_DATE, day: dayOf(OUTAGE_DATE), nextT: lowerBound(sessionDays, dayOf(OUTAGE_DATE)) }
    : null;
  const investors = buildInvestors(options.seed, calendar, sessions, sessionDays, options.asOf);
  const dividends = buildDividends(options.seed, calendar, uni, sessionDays, listT, endT, prices.close, options.asOf);
  return {
    options, calendar, sessions, sessionDays, outage, uni, codeIndex: new Map(uni.codes.map((c, i) => [c, i])),
    listT, endT, prices, investors, dividends,
    buildMs: performance.now() - started,
  };
}

/** Whether ticker i has a row on session t. */
export function aliveAt(w: World, i: number, t: number): boolean {
  return t >= w.listT[i] && t < w.endT[i];
}

/** Rows on the outage day exist for tickers listed on both neighbouring sessions. */
export function aliveOnOutage(w: World, i: number): boolean {
  if (!w.outage) return false;
  const t = w.outage.nextT;
  return t > 0 && t < w.sessions.length && aliveAt(w, i, t - 1) && aliveAt(w, i, t);
}

/** Whether ticker i appears in listed info on a calendar day: from its listing day until its delisting day. */
export function listedOn(w: World, i: number, day: number): boolean {
  return day >= w.uni.listDay[i] && day < w.uni.delistDay[i];
}
