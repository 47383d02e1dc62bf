import type { Command } from 'commander';
import type { CliContext } from './context';
import { calendarCommand } from './calendar';
import { contractsCommand } from './contracts';
import { featuresCommand } from './features';
import { jquantsCommand } from './jquants';
import { queryCommand } from './query';
import { runCommand } from './run';
import { simCommand } from './sim';
import { startCommand } from './start';

/** The subcommands of `gogooku3`; each lives in its own module beside this one. */
export function registerCommands(program: Command, ctx: CliContext): void {
  program.addCommand(calendarCommand(ctx));
  program.addCommand(contractsCommand(ctx));
  program.addCommand(featuresCommand(ctx));
  program.addCommand(jquantsCommand(ctx));
  program.addCommand(runCommand(ctx));
  program.addCommand(queryCommand(ctx));
  program.addCommand(simCommand(ctx));
  program.addCommand(startCommand(ctx));
}
