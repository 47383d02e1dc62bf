import { InvalidDateError } from './errors';

/** An Asia/Tokyo calendar date as 'YYYY-MM-DD'. */
export type IsoDate = string;

/**
 * Day numbers count days since 1970-01-01 in the proleptic Gregorian calendar. They are pure calendar
 * arithmetic, never instants, so the host time zone cannot shift a Tokyo date by one.
 */
export type DayNumber = number;

const MS_PER_DAY = 86_400_000;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Days in one 400-year Gregorian cycle. */
const DAYS_PER_400_YEARS = 146_097;

export function dayFromYmd(y: number, m: number, d: number): DayNumber {
  // Date.UTC reads years 0-99 as 1900-1999; shifting by a whole 400-year cycle sidesteps that.
  return y < 100 ? Date.UTC(y + 400, m - 1, d) / MS_PER_DAY - DAYS_PER_400_YEARS : Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

export function ymdFromDay(day: DayNumber): { y: number; m: number; d: number } {
  const t = new Date(day * MS_PER_DAY);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
export function weekday(day: DayNumber): number {
  return (((day + 4) % 7) + 7) % 7;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function isoFromDay(day: DayNumber): IsoDate {
  const { y, m, d } = ymdFromDay(day);
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${pad2(m)}-${pad2(d)}`;
}

/** Strict parse: rejects non-strings, other layouts and impossible dates such as 2023-02-29. */
export function parseIso(value: unknown): DayNumber {
  if (typeof value !== 'string') throw new InvalidDateError(value);
  const match = ISO_RE.exec(value);
  if (!match) throw new InvalidDateError(value);
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (m < 1 || m > 12) throw new InvalidDateError(value, `month ${match[2]} is not 01-12`);
  if (d < 1 || d > daysInMonth(y, m)) throw new InvalidDateError(value, `day ${match[3]} does not exist in ${match[1]}-${match[2]}`);
  return dayFromYmd(y, m, d);
}
