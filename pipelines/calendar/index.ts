/** The TSE trading calendar: import from here, not from the files behind it. */
export type { IsoDate } from './dates';
export { CalendarRangeError, InvalidDateError, NotASessionError, JQuantsCalendarError } from './errors';
export type { SessionTimes } from './session-times';
export { TRADING_HOURS_CHANGES } from './session-times';
export { TseCalendar, type CalendarDisagreement, type JQuantsCalendarDay } from './calendar';
export { SPECIAL_CLOSURES, ONE_OFF_HOLIDAYS } from './table';
export { holidaysByRule, vernalEquinoxDay, autumnalEquinoxDay, type RuleHoliday } from './rules';
export { packageDataYears } from './holidays';
