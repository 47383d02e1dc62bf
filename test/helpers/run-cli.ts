import { main } from '../../pipelines/cli/main';
import type { Env } from '../../pipelines/config/config';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `gogooku3 ARGS…` in-process through main(), capturing stdout and stderr (log lines included).
 * `output()` is live, so a test can watch a long-running command (a server) start.
 */
export function startCli(args: string[], env: Env = {}): { done: Promise<CliRun>; output: () => string; errors: () => string } {
  let out = '';
  let err = '';
  const done = main(['node', 'gogooku3', ...args], { GOGOOKU3_LOG_LEVEL: 'silent', ...env }, { out: (t) => { out += t; }, err: (t) => { err += t; } })
    .then((code) => ({ code, out, err }));
  return { done, output: () => out, errors: () => err };
}

export function runCli(args: string[], env: Env = {}): Promise<CliRun> {
  return startCli(args, env).done;
}
