/**
 * Where holidays come from: the maintained @holiday-jp/holiday_jp data (MIT) for every year it covers,
 * and the current-law rule engine (./rules) for later years. The package wins where it has data because
 * it records enacted one-off holidays and law changes; the rules are a forecast beyond it.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { holidaysByRule } from './rules';
import type { IsoDate } from './dates';

export interface HolidayInfo {
  name: string;
  nameEn: string;
  source: 'holiday_jp' | 'rules';
}

interface PackageEntry {
  date: string;
  name: string;
  name_en: string;
}

let packageData: { byDate: Map<IsoDate, HolidayInfo>; firstYear: number; lastYear: number } | undefined;

function loadPackage() {
  if (packageData) return packageData;
  const entries = Object.values(holidayJp.holidays as Record<string, PackageEntry>);
  const byDate = new Map<IsoDate, HolidayInfo>();
  let firstYear = Infinity;
  let lastYear = -Infinity;
  for (const e of entries) {
    byDate.set(e.date, { name: e.name, nameEn: e.name_en, source: 'holiday_jp' });
    const y = Number(e.date.slice(0, 4));
    firstYear = Math.min(firstYear, y);
    lastYear = Math.max(lastYear, y);
  }
  packageData = { byDate, firstYear, lastYear };
  return packageData;
}

/**
 * The years the installed package has data for. Its last year is taken as complete: under the current
 * law the last holiday of a year is 勤労感謝の日 (Nov 23), and the package generates whole years.
 */
export function packageDataYears(): { first: number; last: number } {
  const p = loadPackage();
  return { first: p.firstYear, last: p.lastYear };
}

/** The package's own holidays for one year (empty outside its data), for cross-checks. */
export function packageHolidays(year: number): Array<{ date: IsoDate; name: string; nameEn: string }> {
  const prefix = `${year}-`;
  return [...loadPackage().byDate.entries()]
    .filter(([date]) => date.startsWith(prefix))
    .map(([date, h]) => ({ date, name: h.name, nameEn: h.nameEn }))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** All holidays for the inclusive year range, keyed by ISO date. */
export function holidayMap(fromYear: number, toYear: number): Map<IsoDate, HolidayInfo> {
  const p = loadPackage();
  if (fromYear < p.firstYear) {
    throw new RangeError(`no holiday data for ${fromYear}: @holiday-jp/holiday_jp starts in ${p.firstYear} and the rules only model the current law`);
  }
  const out = new Map<IsoDate, HolidayInfo>();
  for (const [date, h] of p.byDate) {
    const y = Number(date.slice(0, 4));
    if (y >= fromYear && y <= toYear) out.set(date, h);
  }
  for (let y = Math.max(fromYear, p.lastYear + 1); y <= toYear; y++) {
    for (const h of holidaysByRule(y)) out.set(h.date, { name: h.name, nameEn: h.nameEn, source: 'rules' });
  }
  return out;
}
