import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TseCalendar } from '../calendar';
import { runCli } from '../../test/helpers/run-cli';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'gogooku3-models-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csvFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/*
 * The worked example of metrics.test.ts, columns shuffled, with an extra column:
 * ic = (1/sqrt(2·438/9) + √3/2)/2, rank_ic = (0.5 + √3/2)/2, rmse = sqrt(95/8), jpx_sharpe = 4/√21, sharpe null.
 */
const EXAMPLE = [
  'prediction,ticker,model,target,date',
  '5,1111,m,2,2024-01-05',
  '3,3333,m,3,2024-01-04',
  ',4444,m,100,2024-01-04',
  '2,2222,m,0,2024-01-04',
  '2,2222,m,10,2024-01-03',
  '1,1111,m,1,2024-01-03',
  '1,1111,m,0,2024-01-04',
  '3,3333,m,2,2024-01-03',
  '5,2222,m,1,2024-01-05',
].join('\n');

describe('gogooku3 eval metrics', () => {
  it('json: exactly the six keys, with the hand-computed values', async () => {
    const r = await runCli(['eval', 'metrics', '--predictions', csvFile('example.csv', EXAMPLE), '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out);
    expect(Object.keys(m)).toEqual(['ic', 'rank_ic', 'icir', 'rmse', 'sharpe', 'jpx_sharpe']);
    expect(m.ic).toBeCloseTo((1 / Math.sqrt((2 * 438) / 9) + Math.sqrt(3) / 2) / 2, 12);
    expect(m.rank_ic).toBeCloseTo((0.5 + Math.sqrt(3) / 2) / 2, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(95 / 8), 12);
    expect(m.jpx_sharpe).toBeCloseTo(4 / Math.sqrt(21), 12);
    expect(m.sharpe).toBeNull();
  });

  it('text: one line per metric, n/a for null, and the row count', async () => {
    const r = await runCli(['eval', 'metrics', '--predictions', csvFile('example.csv', EXAMPLE)]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ic +0\.\d{6}\nrank_ic +0\.683013\nicir +\d+\.\d{6}\nrmse +3\.446012\nsharpe +n\/a\njpx_sharpe +0\.872872\n/);
    expect(r.out).toMatch(/8 of 9 rows with finite prediction and target, 3 dates/);
  });

  it.each<[string, string, RegExp]>([
    ['a bad number', 'date,ticker,prediction,target\n2024-01-04,A,1,2\n2024-01-04,B,x,2\n', /row 2 \(line 3\), column prediction/],
    ['a missing column', 'date,ticker,target\n2024-01-04,A,2\n', /header, column prediction: missing column/],
    ['a bad date', 'date,ticker,prediction,target\n2024-1-4,A,1,2\n', /row 1 \(line 2\), column date/],
  ])('malformed CSV (%s) exits 65 naming the place', async (_name, text, message) => {
    const file = csvFile('bad.csv', text);
    const r = await runCli(['eval', 'metrics', '--predictions', file]);
    expect(r.code).toBe(65);
    expect(r.out).toBe('');
    expect(r.err).toContain(file);
    expect(r.err).toMatch(message);
  });

  it.each<[string[], RegExp]>([
    [[], /--predictions/],
    [['--predictions', '/nonexistent/predictions.csv'], /--predictions: \/nonexistent\/predictions\.csv: no such file/],
    [['--predictions', 'x.csv', '--format', 'yaml'], /--format/],
  ])('usage error %p exits 2', async (args, message) => {
    const r = await runCli(['eval', 'metrics', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('gogooku3 cv folds', () => {
  const sessions = TseCalendar.fromRules().sessions('2023-01-01', '2023-03-31');

  it('json: folds over the TSE sessions of the range (no weekends or holidays)', async () => {
    const r = await runCli(['cv', 'folds', '--from', '2023-01-01', '--to', '2023-03-31', '--folds', '4', '--horizon', '2', '--embargo', '3', '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const folds = JSON.parse(r.out) as Array<{ fold: number; train: string[]; test: string[] }>;
    expect(folds.map((f) => f.fold)).toEqual([0, 1, 2, 3]);
    expect(folds.flatMap((f) => f.test)).toEqual(sessions);
    // New Year closure, Coming of Age Day, a Saturday: never a session
    for (const closed of ['2023-01-03', '2023-01-09', '2023-01-14']) expect(folds.flatMap((f) => [...f.test, ...f.train])).not.toContain(closed);
    const [, second] = folds;
    const first = sessions.indexOf(second.test[0]);
    const last = sessions.indexOf(second.test[second.test.length - 1]);
    expect(second.train).toEqual([...sessions.slice(0, first - 2), ...sessions.slice(last + 4)]);
    expect(Object.keys(second)).toEqual(['fold', 'train', 'test']);
  });

  it('text: one line per fold with counts and first/last dates', async () => {
    const r = await runCli(['cv', 'folds', '--from', '2023-01-01', '--to', '2023-01-31', '--folds', '2', '--horizon', '1', '--embargo', '1']);
    expect(r.code).toBe(0);
    // January 2023: 19 sessions (closed 01-02, 01-03 and 01-09) → test blocks of 10 and 9
    expect(r.out).toBe(
      'fold 0: test 10 sessions 2023-01-04..2023-01-18; train 8 sessions 2023-01-20..2023-01-31\n'
      + 'fold 1: test 9 sessions 2023-01-19..2023-01-31; train 9 sessions 2023-01-04..2023-01-17\n',
    );
  });

  const base = ['--from', '2023-01-01', '--to', '2023-01-31', '--folds', '2', '--horizon', '1', '--embargo', '1'];
  const withOpt = (name: string, value: string) => {
    const args = [...base];
    args[args.indexOf(name) + 1] = value;
    return args;
  };
  it.each<[string, string[], RegExp]>([
    ['one fold', withOpt('--folds', '1'), /--folds: expected an integer 2\.\./],
    ['more folds than sessions', withOpt('--folds', '20'), /--folds: must be <= the number of sessions \(19\), got 20/],
    ['negative horizon', withOpt('--horizon', '-1'), /--horizon: expected an integer 0\.\./],
    ['embargo below horizon', withOpt('--horizon', '3'), /--embargo: must be >= horizon \(3\), got 1/],
    ['bad date', withOpt('--from', '2023-02-30'), /--from: expected a date/],
    ['outside the calendar', withOpt('--to', '2100-01-01'), /--to: 2100-01-01 is outside the TSE calendar range/],
    ['to before from', withOpt('--to', '2022-12-01'), /--to: 2022-12-01 is before --from/],
    ['missing option', base.slice(0, 8), /--embargo/],
  ])('%s exits 2 naming the option', async (_name, args, message) => {
    const r = await runCli(['cv', 'folds', ...args]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });
});
