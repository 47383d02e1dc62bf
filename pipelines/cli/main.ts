import { Command, CommanderError, Option } from 'commander';
import { CliError, createContext, type CliContext } from './context';
import type { Env } from '../config/config';
import { commandOf, registerCommands } from './commands';

/** `only`: the subcommand about to run, so that only its module is loaded (see registerCommands). */
export function buildProgram(ctx: CliContext, setOverrides: (o: Record<string, string | undefined>) => void, only?: string): Command {
  const program = new Command('gogooku3')
    .description('gogooku3: J-Quants data → contracts → TSE calendar → features → models, on your own cluster')
    .version(require('../../package.json').version)
    .addOption(new Option('--data-dir <dir>', 'data directory (env GOGOOKU3_DATA_DIR)'))
    .addOption(new Option('--jquants-url <url>', 'J-Quants API root or the simulator (env GOGOOKU3_JQUANTS_URL)'))
    .addOption(new Option('--log-level <level>', 'log level (env GOGOOKU3_LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .hook('preAction', (cmd) => {
      const o = cmd.opts();
      setOverrides({ dataDir: o.dataDir, jquantsUrl: o.jquantsUrl, logLevel: o.logLevel });
    });
  registerCommands(program, ctx, only);
  // Every subcommand inherits output routing and error handling so tests can run the CLI in-process.
  const apply = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) });
    cmd.commands.forEach(apply);
  };
  apply(program);
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 findings, 2 usage, 78 config, 70 internal). */
export async function main(argv: string[], env: Env = process.env, io?: { out?: (t: string) => void; err?: (t: string) => void }): Promise<number> {
  let overrides: Record<string, string | undefined> = {};
  const ctx = createContext(env, () => overrides, io);
  const program = buildProgram(ctx, (o) => { overrides = o; }, commandOf(argv, ['--data-dir', '--jquants-url', '--log-level']));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Errors raised in hooks (outside an action's own handling) still get a one-line message and their code.
    if (error instanceof CliError) {
      ctx.err(`gogooku3: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return ctx.exitCode;
}
