import type { Command } from 'commander';
import { TseCalendar } from '../calendar';
import { CvError, purgedKFold, type Fold } from '../models/cv';
import { action, CliError, formatOption, intArg, isoDateArg, subcommand, type CliContext, type OutputFormat } from './context';

interface FoldsOpts {
  from: string;
  to: string;
  folds: number;
  horizon: number;
  embargo: number;
  format: OutputFormat;
}

function dateArg(cal: TseCalendar, name: string, value: string): string {
  const date = isoDateArg(name, value);
  if (date < cal.minDate || date > cal.maxDate) throw new CliError(`${name}: ${date} is outside the TSE calendar range ${cal.minDate}..${cal.maxDate}`);
  return date;
}

const span = (dates: readonly string[]) => (dates.length === 0 ? 'none' : `${dates.length} sessions ${dates[0]}..${dates[dates.length - 1]}`);

export function cvCommand(ctx: CliContext): Command {
  const cmd = subcommand('cv', 'cross-validation splits over TSE sessions');
  cmd.addCommand(subcommand('folds', 'purged group K-fold over the TSE sessions from --from to --to (both inclusive; the rules calendar, no network): contiguous test blocks, training without the --horizon sessions before each block (purge) and the --embargo sessions after it; folds numbered from 0')
    .requiredOption('--from <date>', 'first date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last date, YYYY-MM-DD')
    .requiredOption('--folds <k>', 'number of folds (>= 2, at most the number of sessions)', intArg('--folds', 2))
    .requiredOption('--horizon <h>', 'label horizon in sessions: purged before each test block', intArg('--horizon', 0))
    .requiredOption('--embargo <e>', 'sessions dropped after each test block (>= --horizon)', intArg('--embargo', 0))
    .addOption(formatOption())
    .action(action(ctx, (opts: FoldsOpts) => {
      // The rules calendar, as `calendar sessions --source rules`: folds must not depend on network access.
      const cal = TseCalendar.fromRules();
      const from = dateArg(cal, '--from', opts.from);
      const to = dateArg(cal, '--to', opts.to);
      if (to < from) throw new CliError(`--to: ${to} is before --from ${from}`);
      let folds: Fold[];
      try {
        folds = purgedKFold(cal.sessions(from, to), { folds: opts.folds, horizon: opts.horizon, embargo: opts.embargo });
      } catch (error) {
        if (error instanceof CvError && error.field !== 'sessions') throw new CliError(`--${error.field}: ${error.detail}`, 2);
        throw error;
      }
      ctx.out(opts.format === 'json'
        ? `${JSON.stringify(folds)}\n`
        : folds.map((f) => `fold ${f.fold}: test ${span(f.test)}; train ${span(f.train)}\n`).join(''));
      return 0;
    })));
  return cmd;
}
