import type { Logger } from 'pino';
import { silentLogger } from '../log';
import type { FetchResult, JQuantsSource } from '../sources/jquants';
import { TseCalendar, type CalendarDisagreement } from './calendar';

export interface ResolvedCalendar {
  calendar: TseCalendar;
  source: 'rules' | 'jquants';
  disagreements: CalendarDisagreement[];
  /** The vendor's reply, for callers that report its warnings. */
  days: FetchResult;
}

/**
 * The rules calendar with the vendor's calendar laid over it where the vendor has data (J-Quants is
 * authoritative there); each date on which the two differ is logged so a wrong rule or a vendor slip is seen.
 */
export async function calendarWithJQuants(source: JQuantsSource, range: { from?: string; to?: string } = {}, logger: Logger = silentLogger): Promise<ResolvedCalendar> {
  const days = await source.fetch('trading_calendar', range);
  const disagreements: CalendarDisagreement[] = [];
  const calendar = TseCalendar.fromRules().withJQuants(
    days.rows.map((r) => ({ date: String(r.date), holiday_division: String(r.holiday_division) })),
    (d) => {
      disagreements.push(d);
      logger.info({ ...d }, 'J-Quants calendar differs from the TSE rules; J-Quants wins');
    },
  );
  return { calendar, source: 'jquants', disagreements, days };
}
