import fc from 'fast-check';
import { PredictionWindow, RouterMetrics, UNROUTED } from './metrics';

function naive(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

describe('PredictionWindow', () => {
  test('empty: no statistics', () => {
    expect(new PredictionWindow(4).stats()).toBeUndefined();
  });

  test('mean and std are over the last `size` values, however they were pushed in batches', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { maxLength: 30 }), { minLength: 1, maxLength: 10 }), (size, batches) => {
      const w = new PredictionWindow(size);
      for (const b of batches) w.push(b);
      const all = batches.flat();
      const tail = all.slice(Math.max(0, all.length - size));
      expect(w.count).toBe(tail.length);
      if (tail.length === 0) return expect(w.stats()).toBeUndefined();
      const want = naive(tail);
      const got = w.stats()!;
      expect(got.mean).toBeCloseTo(want.mean, 9);
      expect(got.std).toBeCloseTo(want.std, 9);
    }));
  });

  test('refuses a size that is not a positive integer', () => {
    expect(() => new PredictionWindow(0)).toThrow(/positive integer/);
    expect(() => new PredictionWindow(1.5)).toThrow(/positive integer/);
  });
});

describe('RouterMetrics', () => {
  const labels = { model: 'alpha', version: '3', variant: 'champion' };

  test('requests, errors, durations and prediction gauges per variant, on its own registry', async () => {
    const m = new RouterMetrics(3);
    const v = m.variant(labels);
    expect(m.variant({ ...labels })).toBe(v);
    v.record(0.0004, 200);
    v.record(0.002, 200);
    v.record(0.5, 504, 'timeout');
    v.predictions(Float32Array.from([1, 2, 3, 4]));
    m.variant(UNROUTED).record(0.0001, 404, 'not_found');
    const text = await m.text();
    expect(text).toContain('inference_requests_total{model="alpha",version="3",variant="champion",code="200"} 2');
    expect(text).toContain('inference_requests_total{model="alpha",version="3",variant="champion",code="504"} 1');
    expect(text).toContain('inference_errors_total{model="alpha",version="3",variant="champion",reason="timeout"} 1');
    expect(text).toContain('inference_errors_total{model="",version="",variant="",reason="not_found"} 1');
    expect(text).toContain('inference_request_duration_seconds_bucket{le="0.0005",model="alpha",version="3",variant="champion"} 1');
    expect(text).toContain('inference_request_duration_seconds_bucket{le="0.0025",model="alpha",version="3",variant="champion"} 2');
    expect(text).toContain('inference_request_duration_seconds_count{model="alpha",version="3",variant="champion"} 3');
    // Window of 3: the last three predictions 2, 3, 4.
    expect(text).toContain('inference_prediction_mean{model="alpha",version="3",variant="champion"} 3');
    expect(text).toMatch(/inference_prediction_std\{model="alpha",version="3",variant="champion"\} 0\.816496580927726/);
    expect(text).not.toMatch(/inference_prediction_mean\{model=""/);
  });

  test('two instances do not share series', async () => {
    const a = new RouterMetrics();
    const b = new RouterMetrics();
    a.variant(labels).record(0.01, 200);
    expect(await b.text()).not.toContain('code="200"');
  });
});
