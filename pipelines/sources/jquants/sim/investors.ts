import type { TseCalendar } from '../../../calendar';
import {
  BROKERAGE_COMPONENTS, INVESTOR_CATEGORIES, MARKET_RESTRUCTURE_DATE, SECTIONS_BEFORE_2022, SECTIONS_FROM_2022, type Row,
} from '../fields';
import { dayOf } from './dates';
import { STREAM, gauss, hash32, keyOf, seedKey, u01 } from './rng';

/**
 * Weekly investor-type statistics (trades_spec). One row per (week, section, version): version 1 is a
 * correction. Values are recomputed from hashes when served; only the row index is stored.
 *
 * Rules: StartDate/EndDate = first/last session of a Monday-based week; PublishedDate = the 4th session after
 * EndDate (normally the next Thursday; the sample's 2017-01-06 week was published 2017-01-13 because 01-09 was a
 * holiday). Corrections: 8 % of (week, section) pairs get a corrected row published 5 sessions after the
 * original, kept only when that falls on or after 2023-04-03 (J-Quants keeps both versions only from then on).
 */
/** Every section name once; a row stores its index here. */
export const SECTION_NAMES: readonly string[] = [...new Set<string>([...SECTIONS_BEFORE_2022, ...SECTIONS_FROM_2022])];
export const PUBLICATION_LAG_SESSIONS = 4;
export const CORRECTION_LAG_SESSIONS = 5;
export const CORRECTION_SHARE = 0.08;
export const CORRECTIONS_KEPT_FROM = '2023-04-03';

export interface InvestorTables {
  /** Per week: session index range [startT, endT] and the Monday's day number (the week's random key). */
  weekStartT: Int32Array;
  weekEndT: Int32Array;
  weekMonday: Int32Array;
  /** Per row, ordered by (PublishedDate, section, version). */
  rowWeek: Int32Array;
  rowSection: Uint8Array;
  rowVersion: Uint8Array;
  rowPublished: string[];
}

/** Thousand yen traded per session in each section (the sample's TSE1st week: ~5.6 billion a session). */
const SECTION_SCALE: Record<string, number> = {
  TSE1st: 5.5e9, TSE2nd: 0.09e9, TSEMothers: 0.35e9, TSEJASDAQ: 0.12e9,
  TSEPrime: 5.8e9, TSEStandard: 0.3e9, TSEGrowth: 0.3e9, TokyoNagoya: 6.2e9,
};

/** Share of brokerage (agency) trading per investor category. */
const COMPONENT_SHARE: Record<(typeof BROKERAGE_COMPONENTS)[number], number> = {
  individuals: 0.22, foreigners: 0.62, securities_cos: 0.01, investment_trusts: 0.025, business_cos: 0.015,
  other_cos: 0.003, insurance_cos: 0.003, city_bks_regional_bks_etc: 0.002, trust_banks: 0.035, other_financial_institutions: 0.003,
};

/** How a category's net buying leans on the week's market move (z-score): foreigners chase it, individuals fade it. */
const FLOW_BETA: Partial<Record<string, number>> = { foreigners: 0.03, individuals: -0.025, trust_banks: -0.01 };

const mondayOf = (day: number) => day - ((day + 3) % 7 + 7) % 7;

export function buildInvestors(seed: number, calendar: TseCalendar, sessions: string[], sessionDays: Int32Array, asOf: string): InvestorTables {
  const starts: number[] = [];
  const ends: number[] = [];
  const mondays: number[] = [];
  for (let t = 0; t < sessionDays.length; t++) {
    const monday = mondayOf(sessionDays[t]);
    if (mondays.length > 0 && mondays[mondays.length - 1] === monday) ends[ends.length - 1] = t;
    else {
      starts.push(t);
      ends.push(t);
      mondays.push(monday);
    }
  }
  // A history starting mid-week would make a short first week J-Quants never published.
  if (sessions.length > 0 && mondayOf(dayOf(calendar.prev(sessions[0]))) === mondays[0]) {
    starts.shift();
    ends.shift();
    mondays.shift();
  }
  const rows: Array<{ week: number; section: number; version: number; published: string }> = [];
  for (let w = 0; w < starts.length; w++) {
    // Weeks still in progress fall out here too: their 4th session after "EndDate" is after asOf.
    const published = calendar.addSessions(sessions[ends[w]], PUBLICATION_LAG_SESSIONS);
    if (published > asOf) continue;
    const names = sessions[starts[w]] >= MARKET_RESTRUCTURE_DATE ? SECTIONS_FROM_2022 : SECTIONS_BEFORE_2022;
    for (const name of names) {
      const section = SECTION_NAMES.indexOf(name);
      rows.push({ week: w, section, version: 0, published });
      if (u01(hash32(seed, STREAM.correction, mondays[w], section)) < CORRECTION_SHARE) {
        const corrected = calendar.addSessions(published, CORRECTION_LAG_SESSIONS);
        if (corrected >= CORRECTIONS_KEPT_FROM && corrected <= asOf) rows.push({ week: w, section, version: 1, published: corrected });
      }
    }
  }
  rows.sort((a, b) => (a.published < b.published ? -1 : a.published > b.published ? 1 : a.section - b.section || a.week - b.week || a.version - b.version));
  return {
    weekStartT: Int32Array.from(starts), weekEndT: Int32Array.from(ends), weekMonday: Int32Array.from(mondays),
    rowWeek: Int32Array.from(rows, (r) => r.week), rowSection: Uint8Array.from(rows, (r) => r.section),
    rowVersion: Uint8Array.from(rows, (r) => r.version), rowPublished: rows.map((r) => r.published),
  };
}

/** One trades_spec row (internal snake_case names); market is the per-session market factor return. */
export function investorRow(seed: number, inv: InvestorTables, sessions: string[], market: Float64Array, r: number): Row {
  const w = inv.rowWeek[r];
  const section = inv.rowSection[r];
  const name = SECTION_NAMES[section];
  const startT = inv.weekStartT[w];
  const endT = inv.weekEndT[w];
  const key = keyOf(seedKey(seed, STREAM.investor), inv.weekMonday[w] * 16 + section);
  const draw = (j: number) => gauss(keyOf(key, j));
  let weekReturn = 0;
  for (let t = startT; t <= endT; t++) weekReturn += market[t];
  const z = weekReturn / (0.011 * Math.sqrt(endT - startT + 1));
  const gross = SECTION_SCALE[name] * (endT - startT + 1) * Math.exp(0.12 * draw(0)) * (1 + Math.min(1, 0.15 * Math.abs(z)));

  const sales: Record<string, number> = {};
  const purchases: Record<string, number> = {};
  const put = (cat: string, volume: number, net: number, j: number) => {
    // A correction restates a few categories by a few per cent, as real restatements do.
    const fix = inv.rowVersion[r] === 1 && u01(keyOf(key, 1000 + j)) < 0.35 ? 1 + 0.03 * draw(2000 + j) : 1;
    const b = Math.max(-0.6, Math.min(0.6, net));
    sales[cat] = Math.round(volume * (1 - b) / 2 * fix);
    purchases[cat] = Math.round(volume * (1 + b) / 2 * fix);
  };
  put('proprietary', gross * 0.17 * Math.exp(0.08 * draw(1)), 0.01 * draw(2), 0);
  BROKERAGE_COMPONENTS.forEach((cat, j) => {
    const volume = gross * 0.83 * COMPONENT_SHARE[cat] * Math.exp(0.1 * draw(10 + j));
    put(cat, volume, (FLOW_BETA[cat] ?? 0) * z + (cat === 'foreigners' ? 0.015 : 0.05) * draw(30 + j), j + 1);
  });
  sales.brokerage = BROKERAGE_COMPONENTS.reduce((a, c) => a + sales[c], 0);
  purchases.brokerage = BROKERAGE_COMPONENTS.reduce((a, c) => a + purchases[c], 0);
  sales.total = sales.proprietary + sales.brokerage;
  purchases.total = purchases.proprietary + purchases.brokerage;

  const row: Row = {
    published_date: inv.rowPublished[r], start_date: sessions[startT], end_date: sessions[endT], section: name,
  };
  for (const [cat] of INVESTOR_CATEGORIES) {
    row[`${cat}_sales`] = sales[cat];
    row[`${cat}_purchases`] = purchases[cat];
    row[`${cat}_total`] = sales[cat] + purchases[cat];
    row[`${cat}_balance`] = purchases[cat] - sales[cat];
  }
  return row;
}
