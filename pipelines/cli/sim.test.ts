import { startCli } from '../../test/helpers/run-cli';

const start = (...args: string[]) => startCli(['sim', ...args]);
const run = (...args: string[]) => start(...args).done;
const market = ['--seed', '5', '--codes', '30', '--as-of', '2023-12-29'];

describe('sim --help', () => {
  it.each<[string[], RegExp]>([
    [['--help'], /jquants/],
    [['jquants', '--help'], /serve[\s\S]*truth/],
    [['jquants', 'serve', '--help'], /--port[\s\S]*--page-size[\s\S]*--fault-rate/],
    [['jquants', 'truth', '--help'], /--history-from[\s\S]*--signals-date[\s\S]*--format/],
  ])('%p prints usage and exits 0', async (args, text) => {
    const r = await run(...args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(text);
  });
});

describe('sim jquants truth', () => {
  it('json: the summary of the same market the server would serve', async () => {
    const r = await run('jquants', 'truth', ...market, '--history-from', '2022-01-04', '--from', '2023-06-01', '--to', '2023-06-30', '--format', 'json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.signal).toMatchObject({ seed: 5, signalIc: 0.05, phi: 0.9 });
    expect(summary.dates[0].date).toBe('2023-06-01');
    expect(summary.dates[summary.dates.length - 1].date).toBe('2023-06-30');
  });

  it('text: headline figures and per-ticker signals when asked', async () => {
    const r = await run('jquants', 'truth', ...market, '--history-from', '2023-01-04', '--signals-date', '2023-03-01');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^signal: s\[t,i\]/);
    expect(r.out).toMatch(/mean IC -?\d/);
    expect(r.out).toMatch(/signals on 2023-03-01 \(\d+ codes\):\n {2}\d{4}0 -?\d/);
  });

  it.each<[string[], RegExp]>([
    [['--seed', 'abc'], /--seed: expected an integer/],
    [['--from', '2023-02-30'], /--from: expected a date/],
    [['--signal-ic', '3'], /--signal-ic: expected a number/],
    [['--history-from', '2024-01-04', '--as-of', '2023-01-04'], /before from/],
  ])('%p is a usage error (exit 2)', async (args, message) => {
    const r = await run('jquants', 'truth', '--codes', '5', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('sim jquants (serve)', () => {
  it('prints the URL, serves until SIGTERM, then exits 0', async () => {
    const server = start('jquants', ...market, '--from', '2023-01-04', '--port', '0', '--page-size', '10');
    let url: string | undefined;
    for (let k = 0; k < 200 && !url; k++) {
      url = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(server.output())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 25));
    }
    expect(url).toBeDefined();
    const health = await fetch(`${url}/sim/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', seed: 5, asOf: '2023-12-29' });
    const page = await fetch(`${url}/v2/equities/master`, { headers: { 'x-api-key': 'sim-api-key' } }).then((r) => r.json() as Promise<{ data: unknown[] }>);
    expect(page.data).toHaveLength(10);
    process.emit('SIGTERM');
    expect(await server.done).toEqual({ code: 0, out: `listening on ${url}\n`, err: '' });
    await expect(fetch(`${url}/sim/health`)).rejects.toThrow();
  });

  it('also answers as `sim jquants serve`, and rejects bad options with exit 2', async () => {
    expect((await run('jquants', 'serve', '--port', '70000')).code).toBe(2);
    expect((await run('jquants', '--fault-kinds', 'meteor')).code).toBe(2);
    const r = await run('jquants', 'serve', '--codes', '5', '--from', '2024-01-04', '--as-of', '2023-01-04');
    expect(r).toMatchObject({ code: 2, err: expect.stringMatching(/before from/) });
  });
});
