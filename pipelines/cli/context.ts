import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, type Config, type ConfigOverrides, type Env } from '../config/config';
import { createLogger, type Logger } from '../log';

/** What every subcommand receives: where to write, the environment, and the config parsed once on first use. */
export interface CliContext {
  env: Env;
  out(text: string): void;
  err(text: string): void;
  config(): Config;
  logger(): Logger;
  /** Set by actions; main() returns it. */
  exitCode: number;
}

export function createContext(env: Env, overrides: () => ConfigOverrides, io?: { out?: (t: string) => void; err?: (t: string) => void }): CliContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  return {
    env,
    out: io?.out ?? ((text) => process.stdout.write(text)),
    err: io?.err ?? ((text) => process.stderr.write(text)),
    config() {
      config ??= loadConfig(env, overrides());
      return config;
    },
    logger() {
      // In-process callers (tests) that capture stderr get the log lines too.
      const sink = io?.err ? new Writable({ write: (chunk, _enc, done) => { io.err!(String(chunk)); done(); } }) : undefined;
      logger ??= createLogger(overrides().logLevel ?? env.GOGOOKU3_LOG_LEVEL ?? 'info', sink);
      return logger;
    },
    exitCode: 0,
  };
}

/** An expected failure with its exit code: printed as one line, no stack. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}

export type OutputFormat = 'text' | 'json';

export const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

/** Wraps an action so it may return an exit code; CliError becomes a one-line message. */
export function action<A extends unknown[]>(ctx: CliContext, fn: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await fn(...args);
      ctx.exitCode = typeof code === 'number' ? code : 0;
    } catch (error) {
      if (error instanceof CliError) {
        ctx.err(`gogooku3: ${error.message}\n`);
        ctx.exitCode = error.exitCode;
        return;
      }
      if (error instanceof Error && error.name === 'ConfigError') {
        ctx.err(`gogooku3: ${error.message}\n`);
        ctx.exitCode = 78;
        return;
      }
      throw error;
    }
  };
}

/** Parses an ISO calendar date argument, naming the option in the error. */
export function isoDateArg(name: string, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))
    || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new CliError(`${name}: expected a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function subcommand(name: string, description: string): Command {
  return new Command(name).description(description).showHelpAfterError();
}

/** A commander argParser for whole numbers in [min, max]; a bad value is a usage error naming the option. */
export function intArg(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name}: expected an integer ${min}..${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/** A commander argParser for numbers in [min, max]. */
export function numberArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name}: expected a number ${min}..${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/** Resolves with the first SIGTERM/SIGINT; the handlers are removed so a second signal behaves as usual. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/** Reads an option's file as UTF-8; a missing, directory or unreadable file is a usage error naming the option. */
export async function readOptionFile(option: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : undefined;
    if (why) throw new CliError(`${option}: ${file}: ${why}`, 2);
    throw new Error(`reading ${file}`, { cause: error });
  }
}
