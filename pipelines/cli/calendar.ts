import { Option, type Command } from 'commander';
import { action, CliError, formatOption, isoDateArg, subcommand, type CliContext, type OutputFormat } from './context';
import { CalendarRangeError, NotASessionError, TseCalendar, type IsoDate } from '../calendar';
import { calendarWithJQuants } from '../calendar/source';
import { createJQuantsClient } from '../sources/jquants';
import { withSourceErrors } from './jquants';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Format and range in one place so every subcommand names the offending argument the same way. */
function dateArg(cal: TseCalendar, name: string, value: string): IsoDate {
  const date = isoDateArg(name, value);
  if (date < cal.minDate || date > cal.maxDate) {
    throw new CliError(`${name}: ${date} is outside the TSE calendar range ${cal.minDate}..${cal.maxDate}`);
  }
  return date;
}

/** Stepping off either end of the calendar is a usage problem, not an internal error. */
function stepped(name: string, step: () => IsoDate): IsoDate {
  try {
    return step();
  } catch (error) {
    if (error instanceof CalendarRangeError) throw new CliError(`${name}: ${error.message}`);
    throw error;
  }
}

type CalendarSource = 'auto' | 'rules' | 'jquants';

/**
 * The calendar the subcommands answer from. `auto` lays the J-Quants calendar over the rules when credentials
 * are configured and falls back to the rules (with a warning) when the API cannot be reached; `jquants` insists.
 */
async function resolveCalendar(ctx: CliContext, source: CalendarSource): Promise<TseCalendar> {
  const rules = TseCalendar.fromRules();
  if (source === 'rules') return rules;
  const config = ctx.config();
  if (source === 'auto' && config.jquants.auth.kind === 'none') return rules;
  const logger = ctx.logger();
  try {
    const client = await withSourceErrors(async () => createJQuantsClient(config.jquants, { logger }));
    return (await withSourceErrors(() => calendarWithJQuants(client, {}, logger))).calendar;
  } catch (error) {
    if (source === 'jquants' || !(error instanceof CliError)) throw error;
    logger.warn({ err: error.message }, 'J-Quants calendar unavailable; using the TSE rules');
    return rules;
  }
}

export function calendarCommand(ctx: CliContext): Command {
  let resolved: TseCalendar = TseCalendar.fromRules();
  const calendar = subcommand('calendar', 'TSE cash-equity trading calendar (1990-01-01 … 2099-12-31): sessions, closures, closing times')
    .addOption(new Option('--source <source>', 'rules only, J-Quants over the rules, or J-Quants when credentials are set').choices(['auto', 'rules', 'jquants']).default('auto'))
    .hook('preAction', async (cmd) => {
      resolved = await resolveCalendar(ctx, cmd.opts().source as CalendarSource);
    });
  const cal = () => resolved;

  calendar.addCommand(
    subcommand('sessions', 'list the TSE sessions between two dates, both inclusive (text: one date per line)')
      .requiredOption('--from <date>', 'first date, YYYY-MM-DD')
      .requiredOption('--to <date>', 'last date, YYYY-MM-DD')
      .addOption(formatOption())
      .action(action(ctx, (opts: { from: string; to: string; format: OutputFormat }) => {
        const from = dateArg(cal(), '--from', opts.from);
        const to = dateArg(cal(), '--to', opts.to);
        const sessions = cal().sessions(from, to);
        // Text output is a contract for scripts: dates only, nothing else on stdout.
        ctx.out(opts.format === 'json' ? json(sessions) : sessions.map((d) => `${d}\n`).join(''));
        return 0;
      })),
  );

  calendar.addCommand(
    subcommand('is-session', 'exit 0 if DATE is a TSE session, 1 if the market is closed (and say why)')
      .argument('<date>', 'date, YYYY-MM-DD')
      .addOption(formatOption())
      .action(action(ctx, (value: string, opts: { format: OutputFormat }) => {
        const date = dateArg(cal(), 'DATE', value);
        const reason = cal().closedReason(date);
        const session = reason === null;
        if (opts.format === 'json') ctx.out(json({ date, session, reason }));
        else ctx.out(session ? `${date} is a TSE session\n` : `${date} is not a TSE session: ${reason}\n`);
        return session ? 0 : 1;
      })),
  );

  for (const [name, description, step] of [
    ['next', 'print the first TSE session strictly after DATE', (d: IsoDate) => cal().next(d)],
    ['prev', 'print the last TSE session strictly before DATE', (d: IsoDate) => cal().prev(d)],
  ] as const) {
    calendar.addCommand(
      subcommand(name, description)
        .argument('<date>', 'date, YYYY-MM-DD (need not be a session)')
        .action(action(ctx, (value: string) => {
          const date = dateArg(cal(), 'DATE', value);
          ctx.out(`${stepped('DATE', () => step(date))}\n`);
          return 0;
        })),
    );
  }

  calendar.addCommand(
    subcommand('close-time', 'print when the session on DATE closes (text: ISO instant with +09:00; json: all session times)')
      .argument('<date>', 'session date, YYYY-MM-DD')
      .addOption(formatOption())
      .action(action(ctx, (value: string, opts: { format: OutputFormat }) => {
        const date = dateArg(cal(), 'DATE', value);
        try {
          const times = cal().sessionTimes(date);
          ctx.out(opts.format === 'json' ? json(times) : `${times.closeAt}\n`);
          return 0;
        } catch (error) {
          if (error instanceof NotASessionError) throw new CliError(error.message, 1);
          throw error;
        }
      })),
  );

  return calendar;
}
