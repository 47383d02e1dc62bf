import type { Command } from 'commander';
import type { CliContext } from './context';

type CommandFactory = (ctx: CliContext) => Command;

/**
 * The subcommands of `gogooku3`; each lives in its own module beside this one. Modules are required when
 * registered, so a run of one command loads only that command's dependencies (startup is part of what
 * `features compute` is benchmarked on).
 */
const COMMANDS: ReadonlyArray<readonly [string, () => CommandFactory]> = [
  ['calendar', () => (require('./calendar') as typeof import('./calendar')).calendarCommand],
  ['contracts', () => (require('./contracts') as typeof import('./contracts')).contractsCommand],
  ['features', () => (require('./features') as typeof import('./features')).featuresCommand],
  ['jquants', () => (require('./jquants') as typeof import('./jquants')).jquantsCommand],
  ['run', () => (require('./run') as typeof import('./run')).runCommand],
  ['query', () => (require('./query') as typeof import('./query')).queryCommand],
  ['parity', () => (require('./parity') as typeof import('./parity')).parityCommand],
  ['metrics', () => (require('./metrics') as typeof import('./metrics')).metricsCommand],
  ['storage', () => (require('./storage') as typeof import('./storage')).storageCommand],
  ['sim', () => (require('./sim') as typeof import('./sim')).simCommand],
  ['start', () => (require('./start') as typeof import('./start')).startCommand],
  ['eval', () => (require('./eval') as typeof import('./eval')).evalCommand],
  ['cv', () => (require('./cv') as typeof import('./cv')).cvCommand],
  ['models', () => (require('./models') as typeof import('./models')).modelsCommand],
  ['train', () => (require('./train') as typeof import('./train')).trainCommand],
  ['serve', () => (require('./serve') as typeof import('./serve')).serveCommand],
  ['rollout', () => (require('./rollout') as typeof import('./rollout')).rolloutCommand],
  ['operator', () => (require('./operator') as typeof import('./operator')).operatorCommand],
  ['stack', () => (require('./stack') as typeof import('./stack')).stackCommand],
];

export const COMMAND_NAMES = COMMANDS.map(([name]) => name);

/** Registers every subcommand, or only `only` when it names one (help and unknown names need them all). */
export function registerCommands(program: Command, ctx: CliContext, only?: string): void {
  const chosen = COMMANDS.filter(([name]) => name === only);
  for (const [, load] of chosen.length > 0 ? chosen : COMMANDS) program.addCommand(load()(ctx));
}

/** The subcommand an argv names: its first argument that is neither a global option nor an option's value. */
export function commandOf(argv: readonly string[], optionsWithValues: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
    if (optionsWithValues.includes(a)) i++;
  }
  return undefined;
}
