import type { Logger } from 'pino';
import { loadContract } from '../../contracts/loader';
import { decideQuarantine, validateRows, type QuarantineStatus, type ValidationResult } from '../../contracts/validate';
import type { CalendarDisagreement } from '../calendar';
import { calendarWithJQuants } from '../calendar/source';
import { silentLogger } from '../log';
import type { FetchResult, JQuantsSource, RejectedRecord, Row } from '../sources/jquants';

/**
 * The foundation's main job: calendar (J-Quants authority over the rules) → listed info → daily bars of the
 * latest sessions → weekly investor types, each validated against its contract. Pure of storage: the caller
 * decides where quarantined rows go.
 */

export interface ValidatedFetchOptions {
  /** Last date to cover (default: the latest session on or before today, Asia/Tokyo). */
  asOf?: string;
  /** How many sessions of daily bars, ending at asOf. */
  sessions: number;
  /** How many weeks of investor types, ending at asOf. */
  investorWeeks: number;
  /** Overrides every contract's own `quarantine.max_ratio` when set. */
  maxQuarantineRatio?: number;
}

export interface DatasetReport {
  dataset: string;
  contract: string;
  fetched: number;
  /** Records the wire schema could not read (kept whole with reasons). */
  rejected: RejectedRecord[];
  validation: ValidationResult;
  status: QuarantineStatus;
  ratio: number;
}

export interface ValidatedFetchReport {
  asOf: string;
  sessions: string[];
  calendarDisagreements: CalendarDisagreement[];
  datasets: DatasetReport[];
  warnings: string[];
  status: QuarantineStatus;
}

const DAY_MS = 86_400_000;
const shiftDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export function tokyoDate(nowMs: number): string {
  return new Date(nowMs + 9 * 3600_000).toISOString().slice(0, 10);
}

/** J-Quants names the security `code`; the contracts store it as `ticker` (normalised to 4 characters there). */
export function barToPriceRow(row: Row): Row {
  const { code, ...rest } = row;
  return { ticker: code, ...rest };
}

const worst = (a: QuarantineStatus, b: QuarantineStatus): QuarantineStatus =>
  a === 'fail' || b === 'fail' ? 'fail' : a === 'warn' || b === 'warn' ? 'warn' : 'ok';

/** Sessions for which the vendor sent no bar at all: a missing day, never silently skipped. */
export function missingSessions(sessions: readonly string[], rows: readonly Row[]): string[] {
  const seen = new Set(rows.map((r) => r.date));
  return sessions.filter((d) => !seen.has(d));
}

export async function validatedFetch(
  source: JQuantsSource,
  options: ValidatedFetchOptions,
  deps: { logger?: Logger; now?: () => number; onProgress?: (done: number, total: number, label: string) => void } = {},
): Promise<ValidatedFetchReport> {
  const logger = deps.logger ?? silentLogger;
  const today = tokyoDate((deps.now ?? Date.now)());
  const target = options.asOf ?? today;

  // The vendor's calendar decides where it has data; every difference from the rules is reported.
  const calendarFrom = shiftDays(target, -Math.ceil(options.sessions * 1.6) - 7 * options.investorWeeks - 14);
  const { calendar, disagreements, days } = await calendarWithJQuants(source, { from: calendarFrom, to: target }, logger);
  const asOf = calendar.isSession(target) ? target : calendar.prev(target);
  const sessions = [asOf];
  while (sessions.length < options.sessions) sessions.unshift(calendar.prev(sessions[0]));

  const datasets: DatasetReport[] = [];
  const check = (dataset: string, contractName: string, fetched: FetchResult, rows: Row[]) => {
    const contract = loadContract(contractName);
    const validation = validateRows(contract, rows, { calendar });
    const counts = { ...validation.counts, input: validation.counts.input + fetched.rejected.length, quarantined: validation.counts.quarantined + fetched.rejected.length };
    const decision = decideQuarantine({ counts }, options.maxQuarantineRatio ?? contract.maxRatio);
    datasets.push({ dataset, contract: contract.id, fetched: fetched.rows.length + fetched.rejected.length, rejected: fetched.rejected, validation, ...decision });
    logger.info({ dataset, valid: validation.counts.valid, quarantined: validation.counts.quarantined, rejected: fetched.rejected.length, byRule: validation.counts.byRule, status: decision.status }, 'validated');
  };

  const listed = await source.fetch('listed_info', { date: asOf });
  check('listed_info', 'listed_info', listed, listed.rows);

  let done = 0;
  const barsPerDay = await Promise.all(sessions.map(async (date) => {
    const result = await source.fetch('daily_bars', { date });
    deps.onProgress?.(++done, sessions.length, 'daily bars');
    return result;
  }));
  const bars: FetchResult = {
    endpoint: 'daily_bars',
    rows: barsPerDay.flatMap((r) => r.rows),
    rejected: barsPerDay.flatMap((r) => r.rejected),
    warnings: [...new Set(barsPerDay.flatMap((r) => r.warnings))],
    pages: barsPerDay.reduce((n, r) => n + r.pages, 0),
  };
  check('daily_bars', 'price_data', bars, bars.rows.map(barToPriceRow));

  const investors = await source.fetch('investor_types', { from: shiftDays(asOf, -7 * options.investorWeeks), to: asOf });
  check('investor_types', 'investor_types', investors, investors.rows);

  const warnings = [...new Set([days, listed, bars, investors].flatMap((r) => r.warnings).concat(datasets.flatMap((d) => d.validation.warnings)))];
  const missing = missingSessions(sessions, bars.rows);
  if (missing.length > 0) {
    warnings.push(`daily_bars: no rows at all for session(s) ${missing.join(', ')} (missing day at the source)`);
    logger.warn({ endpoint: 'daily_bars', missing }, 'missing sessions');
  }
  const status = datasets.map((d) => d.status).reduce(worst, missing.length > 0 ? 'warn' : 'ok');
  return { asOf, sessions, calendarDisagreements: disagreements, datasets, warnings, status };
}
