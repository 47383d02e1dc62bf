import type { OnlineVector } from '../storage/types';
import { buildScoreMatrix } from './score';

const vec = (ticker: string, values: Record<string, number | null>, asOf = '2024-11-05', runId = 'run-1'): OnlineVector => ({ ticker, asOf, runId, manifestVersion: 'm1', values });

describe('buildScoreMatrix', () => {
  test('rows follow the request, columns the model\'s feature order; missing tickers are listed, not rows', () => {
    const m = buildScoreMatrix(['A', 'B', 'C'], [vec('A', { x: 1, y: 2 }), undefined, vec('C', { y: 4, x: 3 })], ['y', 'x'], [0, 0]);
    expect(m.tickers).toEqual(['A', 'C']);
    expect(Array.from(m.data)).toEqual([2, 1, 4, 3]);
    expect(m.missing).toEqual(['B']);
    expect(m.imputed).toBe(0);
  });

  test.each<[string, number | null | undefined]>([
    ['null', null],
    ['absent', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['beyond float32', 1e300],
  ])('a %s cell is imputed with the training mean and counted', (_case, value) => {
    const values: Record<string, number | null> = { x: 5 };
    if (value !== undefined) values.y = value;
    const m = buildScoreMatrix(['A', 'B'], [vec('A', values), vec('B', { x: 6, y: 7 })], ['x', 'y'], [0.5, -2.5]);
    expect(Array.from(m.data)).toEqual([5, -2.5, 6, 7]);
    expect(m.imputed).toBe(1);
  });

  test('asOf and runId come from the newest vector; none without vectors', () => {
    const m = buildScoreMatrix(['A', 'B'], [vec('A', { x: 1 }, '2024-11-04', 'r0'), vec('B', { x: 1 }, '2024-11-05', 'r1')], ['x'], [0]);
    expect([m.asOf, m.runId]).toEqual(['2024-11-05', 'r1']);
    const empty = buildScoreMatrix(['A'], [undefined], ['x'], [0]);
    expect(empty).toEqual({ tickers: [], data: new Float32Array(0), missing: ['A'], imputed: 0, asOf: null, runId: null });
  });

  test('refuses means that do not match the features', () => {
    expect(() => buildScoreMatrix([], [], ['x', 'y'], [0])).toThrow(/2 features but 1 means/);
  });
});
