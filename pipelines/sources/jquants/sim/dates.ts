/**
 * Day numbers (days since 1970-01-01, pure calendar arithmetic) for the simulator's hot paths; the TSE
 * calendar keeps its own helpers private, and typed arrays of day numbers beat arrays of ISO strings.
 */
const MS_PER_DAY = 86_400_000;

export function dayOf(iso: string): number {
  return Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / MS_PER_DAY;
}

export function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** J-Quants accepts both YYYY-MM-DD and YYYYMMDD; returns the ISO form, or null for anything else or an impossible date. */
export function parseQueryDate(value: string): string | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  if (!m || (value.length === 10) !== value.includes('-')) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const day = dayOf(iso);
  return Number.isFinite(day) && isoOf(day) === iso ? iso : null;
}

export { lowerBound } from '../../../util/search';
