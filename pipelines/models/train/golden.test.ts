import { evaluate } from '../metrics';
import type { ModelSpec } from '../types';
import { DatasetError, trainingData } from './dataset';
import { goldenMetrics, goldenSessions } from './golden';

const SESSIONS = ['2024-01-04', '2024-01-05', '2024-01-09', '2024-01-10'];
const TICKERS = ['1301', '1332', '1333', '1376', '1377', '1379'];

/** y = 0.5·a − b exactly, with one missing `a` value to exercise imputation. */
function data() {
  const dates: string[] = [];
  const tickers: string[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const y: number[] = [];
  SESSIONS.forEach((date, d) => TICKERS.forEach((ticker, i) => {
    const av = ((d * 7 + i * 3) % 11) / 10;
    const bv = ((d * 5 + i * 2) % 7) / 10;
    dates.push(date);
    tickers.push(ticker);
    a.push(d === 3 && i === 0 ? Number.NaN : av);
    b.push(bv);
    y.push(0.5 * av - bv);
  }));
  return trainingData({ features: ['a', 'b'], featureSetVersion: '2.0.0', target: 'target_1_2', dates, tickers, columns: [a, b], y });
}

const linear: ModelSpec = {
  kind: 'ridge', features: ['a', 'b'], inputMean: Float64Array.from([0.5, 0.3]), inputScale: Float64Array.from([1, 1]),
  layers: [{ inputs: 2, outputs: 1, weights: Float64Array.from([0.5, -1]), bias: Float64Array.from([0.5 * 0.5 - 0.3]), activation: 'linear' }],
};

describe('golden set', () => {
  it.each([[1, ['2024-01-10']], [2, ['2024-01-09', '2024-01-10']], [10, SESSIONS]])('the last %d sessions', (count, expected) => {
    expect(goldenSessions(data(), count)).toEqual(expected);
  });

  it.each([0, -1, 1.5])('refuses a count of %p', (count) => {
    expect(() => goldenSessions(data(), count)).toThrow(DatasetError);
  });

  it('scores the exported model on the golden rows, imputing missing inputs with the spec means', () => {
    const d = data();
    const metrics = goldenMetrics(d, linear, ['2024-01-09', '2024-01-10']);
    // On 01-09 the model is exact; on 01-10 ticker 1301's `a` is imputed with 0.5, so that prediction is off.
    const rows = d.dates.map((date, r) => [date, r] as const).filter(([date]) => date >= '2024-01-09');
    const prediction = rows.map(([, r]) => 0.5 * (Number.isNaN(d.x[r * 2]) ? 0.5 : d.x[r * 2]) - d.x[r * 2 + 1]);
    expect(metrics).toEqual(evaluate(rows.map(([date]) => date), prediction, rows.map(([, r]) => d.y[r])));
    expect(metrics.rmse).toBeGreaterThan(0);
    expect(goldenMetrics(d, linear, ['2024-01-09']).rmse).toBeCloseTo(0, 12);
  });

  it('refuses sessions without rows', () => {
    expect(() => goldenMetrics(data(), linear, ['2023-12-29'])).toThrow();
  });
});
