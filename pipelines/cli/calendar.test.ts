import { runCli } from '../../test/helpers/run-cli';

const run = (...args: string[]) => runCli(['calendar', ...args]);

describe('calendar sessions', () => {
  it('text: exactly one date per line and nothing else', async () => {
    const r = await run('sessions', '--from', '2024-12-27', '--to', '2025-01-07');
    expect(r).toEqual({ code: 0, out: '2024-12-27\n2024-12-30\n2025-01-06\n2025-01-07\n', err: '' });
  });

  it('json: an array', async () => {
    const r = await run('sessions', '--from', '2019-04-26', '--to', '2019-05-07', '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(['2019-04-26', '2019-05-07']);
  });

  it('an empty range prints nothing', async () => {
    expect(await run('sessions', '--from', '2024-12-31', '--to', '2025-01-03')).toEqual({ code: 0, out: '', err: '' });
  });

  it.each<[string[], RegExp]>([
    [['--from', '2024-02-30', '--to', '2024-03-01'], /^gogooku3: --from: expected a date YYYY-MM-DD, got "2024-02-30"\n$/],
    [['--from', '2024-01-01', '--to', 'tomorrow'], /^gogooku3: --to: expected a date YYYY-MM-DD, got "tomorrow"\n$/],
    [['--from', '1989-12-01', '--to', '1990-01-10'], /^gogooku3: --from: 1989-12-01 is outside the TSE calendar range 1990-01-01\.\.2099-12-31\n$/],
    [['--from', '2024-01-01', '--to', '2100-01-01'], /^gogooku3: --to: 2100-01-01 is outside/],
  ])('%p → exit 2 with a one-line error naming the argument', async (args, message) => {
    const r = await run('sessions', ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('a missing required option is a usage error', async () => {
    const r = await run('sessions', '--from', '2024-01-01');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--to/);
  });
});

describe('calendar is-session', () => {
  it.each<[string, number, string]>([
    ['2024-11-05', 0, '2024-11-05 is a TSE session\n'],
    ['2020-10-01', 1, '2020-10-01 is not a TSE session: special closure: 2020-10-01 system failure (arrowhead)\n'],
    ['2019-05-01', 1, '2019-05-01 is not a TSE session: holiday: 休日（祝日扱い） (Holiday)\n'],
    ['2024-11-02', 1, '2024-11-02 is not a TSE session: weekend\n'],
  ])('%s → exit %i', async (date, code, out) => {
    expect(await run('is-session', date)).toEqual({ code, out, err: '' });
  });

  it('json', async () => {
    const closed = await run('is-session', '2024-12-31', '--format', 'json');
    expect(closed.code).toBe(1);
    expect(JSON.parse(closed.out)).toEqual({ date: '2024-12-31', session: false, reason: 'year-end closure' });
    const open = await run('is-session', '2024-12-30', '--format', 'json');
    expect(open.code).toBe(0);
    expect(JSON.parse(open.out)).toEqual({ date: '2024-12-30', session: true, reason: null });
  });

  it('a bad date is exit 2', async () => {
    const r = await run('is-session', '2024-13-01');
    expect(r).toEqual({ code: 2, out: '', err: 'gogooku3: DATE: expected a date YYYY-MM-DD, got "2024-13-01"\n' });
  });
});

describe('calendar next / prev', () => {
  it.each<[string, string, string]>([
    ['next', '2019-04-26', '2019-05-07\n'],
    ['next', '2024-12-30', '2025-01-06\n'],
    ['prev', '2025-01-06', '2024-12-30\n'],
    ['prev', '2020-10-02', '2020-09-30\n'],
  ])('%s %s', async (sub, date, out) => {
    expect(await run(sub, date)).toEqual({ code: 0, out, err: '' });
  });

  it('stepping off the calendar is exit 2', async () => {
    const r = await run('prev', '1990-01-04');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gogooku3: DATE: cannot move -1 session\(s\) from 1990-01-04: the calendar starts 1990-01-01\n$/);
  });
});

describe('calendar close-time', () => {
  it.each<[string, string]>([
    ['2024-11-01', '2024-11-01T15:00:00+09:00\n'],
    ['2024-11-05', '2024-11-05T15:30:00+09:00\n'],
  ])('%s', async (date, out) => {
    expect(await run('close-time', date)).toEqual({ code: 0, out, err: '' });
  });

  it('json prints the session times', async () => {
    const r = await run('close-time', '2011-11-21', '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      date: '2011-11-21', open: '09:00', morningClose: '11:30', afternoonOpen: '12:30', close: '15:00', halfDay: false,
      closeAt: '2011-11-21T15:00:00+09:00', timeZone: 'Asia/Tokyo',
    });
  });

  it('a non-session is exit 1 with the reason on stderr', async () => {
    expect(await run('close-time', '2019-04-30')).toEqual({
      code: 1, out: '', err: 'gogooku3: 2019-04-30 is not a TSE session: holiday: 休日 (Holiday)\n',
    });
  });

  it('out of range is exit 2', async () => {
    const r = await run('close-time', '2100-01-04');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DATE: 2100-01-04 is outside/);
  });
});

describe('help', () => {
  it.each([['sessions'], ['is-session'], ['next'], ['prev'], ['close-time']])('calendar %s --help describes the command', async (sub) => {
    const r = await run(sub, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`Usage: gogooku3 calendar ${sub}`));
    expect(r.out.split('\n').filter((l) => l.trim()).length).toBeGreaterThan(2);
  });

  it('calendar --help lists every subcommand with a description', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const sub of ['sessions', 'is-session', 'next', 'prev', 'close-time']) expect(r.out).toMatch(new RegExp(`\\n\\s+${sub}\\b.*\\S`));
  });
});
