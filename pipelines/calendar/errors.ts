/**
 * Typed failures of the TSE calendar. Each names the offending value so a caller (or the CLI) can
 * print one line without a stack and still be actionable.
 */

export class InvalidDateError extends Error {
  constructor(readonly value: unknown, detail = 'expected an ISO date YYYY-MM-DD') {
    super(`invalid date ${JSON.stringify(value)}: ${detail}`);
    this.name = 'InvalidDateError';
  }
}

export class CalendarRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarRangeError';
  }
}

export class NotASessionError extends Error {
  constructor(readonly date: string, readonly reason: string) {
    super(`${date} is not a TSE session: ${reason}`);
    this.name = 'NotASessionError';
  }
}

/** A J-Quants calendar row the calendar cannot interpret (unknown HolidayDivision or conflicting duplicates). */
export class JQuantsCalendarError extends Error {
  constructor(readonly date: string, message: string) {
    super(`J-Quants calendar ${date}: ${message}`);
    this.name = 'JQuantsCalendarError';
  }
}
