import type { Command } from 'commander';
import type { CliContext } from './context';

/** The subcommands of `gogooku3`; each lives in its own module beside this one. */
export function registerCommands(program: Command, ctx: CliContext): void {
  void program;
  void ctx;
}
