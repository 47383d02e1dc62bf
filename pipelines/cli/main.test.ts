import type { Command } from 'commander';
import { runCli } from '../../test/helpers/run-cli';
import { buildProgram, main } from './main';
import { createContext } from './context';

function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [[...prefix, sub.name()], ...paths(sub, [...prefix, sub.name()])]);
}

const run = (argv: string[]) => runCli(argv);

const program = buildProgram(createContext({}, () => ({})), () => undefined);
const all = paths(program);

describe('the gogooku3 CLI', () => {
  it('has the documented top-level commands', () => {
    expect(program.commands.map((c) => c.name()).sort()).toEqual(['calendar', 'contracts', 'cv', 'eval', 'features', 'jquants', 'metrics', 'models', 'operator', 'parity', 'query', 'rollout', 'run', 'serve', 'sim', 'stack', 'start', 'storage', 'train']);
  });

  it.each(all.map((p) => [p.join(' '), p]))('`%s --help` prints usage and a description, exit 0', async (_name, path) => {
    const result = await run([...(path as string[]), '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: gogooku3 /);
    expect(result.out.split('\n')[2].trim().length).toBeGreaterThan(10);
  });

  it.each([
    [['no-such-command'], 2, /unknown command 'no-such-command'/],
    [['calendar', 'sessions', '--from', '2024-01-01'], 2, /required option '--to <date>' not specified/],
    [['--version'], 0, /^$/],
  ])('%p → exit %d', async (argv, code, errPattern) => {
    const result = await run(argv as string[]);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(errPattern);
  });

  it('an invalid configuration names the variable (exit 78)', async () => {
    let err = '';
    const code = await main(['node', 'gogooku3', 'jquants', 'fetch', 'listed_info'], { GOGOOKU3_JQUANTS_PLAN: 'gold' }, { out: () => undefined, err: (t) => { err += t; } });
    expect(code).toBe(78);
    expect(err).toMatch(/GOGOOKU3_JQUANTS_PLAN/);
  });
});
