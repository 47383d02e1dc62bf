import { dayOf, isoOf, parseQueryDate, weekdayOf } from './dates';
import { SimOptionsError, parseSimOptions, tokyoToday } from './options';
import { hash32, normal, uniform } from './rng';
import { ceilTick, floorTick, limitBand, limitWidth, roundTick, tickSize } from './tse';

describe('TSE price grid and daily limits', () => {
  it.each<[number, number]>([
    [1, 1], [2999, 1], [3000, 1], [3001, 5], [5000, 5], [5001, 10], [30_000, 10], [30_001, 50], [50_001, 100],
    [300_001, 500], [500_001, 1000], [3_000_001, 5000], [50_000_001, 100_000],
  ])('tick size at %p yen is %p', (price, tick) => expect(tickSize(price)).toBe(tick));

  it.each<[number, number]>([
    [99, 30], [100, 50], [499, 80], [500, 100], [999, 150], [1000, 300], [1999, 400], [2000, 500], [4999, 700],
    [5000, 1000], [9999, 1500], [10_000, 3000], [49_999, 7000], [99_999, 15_000], [100_000, 30_000], [60_000_000, 10_000_000],
  ])('limit width for base %p is %p', (base, width) => expect(limitWidth(base)).toBe(width));

  it.each<[number, number, number]>([
    [1000, 700, 1300], [4995, 4295, 5690], [50, 20, 80], [20, 1, 50], [3003, 2303, 3700],
  ])('band around base %p is [%p, %p] on the grid', (base, lower, upper) => {
    expect(limitBand(base)).toEqual({ lower, upper });
  });

  it('rounding stays on the grid', () => {
    for (const p of [1.4, 2999.6, 3002.4, 3003, 12_345, 49_975, 123_456]) {
      for (const f of [roundTick, floorTick, ceilTick]) {
        const q = f(p);
        expect(q % tickSize(q)).toBe(0);
      }
      expect(floorTick(p)).toBeLessThanOrEqual(p);
      expect(ceilTick(p)).toBeGreaterThanOrEqual(p);
    }
  });
});

describe('dates', () => {
  it.each<[string, string | null]>([
    ['2023-03-24', '2023-03-24'], ['20230324', '2023-03-24'], ['2024-02-29', '2024-02-29'],
    ['2023-02-29', null], ['2023-0324', null], ['202303-24', null], ['23-03-24', null], ['', null], ['2023/03/24', null],
  ])('parseQueryDate(%p) = %p', (input, out) => expect(parseQueryDate(input)).toBe(out));

  it('day numbers round-trip and know the weekday', () => {
    expect(isoOf(dayOf('2020-10-01'))).toBe('2020-10-01');
    expect(weekdayOf(dayOf('2020-10-01'))).toBe(4);
    expect(weekdayOf(dayOf('2024-01-01'))).toBe(1);
  });
});

describe('counter-based randomness', () => {
  it('is a pure function of (seed, stream, i, j)', () => {
    expect(hash32(1, 2, 3, 4)).toBe(hash32(1, 2, 3, 4));
    const distinct = new Set([hash32(1, 2, 3, 4), hash32(2, 2, 3, 4), hash32(1, 3, 3, 4), hash32(1, 2, 4, 4), hash32(1, 2, 3, 5)]);
    expect(distinct.size).toBe(5);
  });

  it('uniforms and normals have the right first two moments', () => {
    let su = 0, sn = 0, sn2 = 0;
    const n = 100_000;
    for (let k = 0; k < n; k++) {
      su += uniform(9, 1, k, 0);
      const z = normal(9, 2, k, 0);
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sn / n)).toBeLessThan(0.015);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.02);
  });
});

describe('options', () => {
  it('fills the documented defaults', () => {
    const o = parseSimOptions({});
    expect(o).toMatchObject({
      seed: 1, codes: 4000, from: '2016-01-04', pageSize: 5000, faultRate: 0, slowMs: 1500, retryAfterSeconds: 1,
      maxRangeDays: 3660, mailAddress: 'sim@example.com', password: 'sim-password', apiKey: 'sim-api-key',
      idTokenTtlSeconds: 86_400, refreshTokenTtlSeconds: 604_800, signalIc: 0.05,
    });
    expect(o.faultKinds).toEqual(['rate_limit', 'server_error', 'slow', 'truncated', 'reset']);
    expect(o.asOf).toBe(tokyoToday());
  });

  it('today is taken in Tokyo, not in the host zone', () => {
    expect(tokyoToday(Date.parse('2024-03-31T15:30:00Z'))).toBe('2024-04-01');
    expect(tokyoToday(Date.parse('2024-03-31T14:59:59Z'))).toBe('2024-03-31');
  });

  it.each<[object, RegExp]>([
    [{ codes: 0 }, /codes/],
    [{ faultRate: 2 }, /faultRate/],
    [{ faultKinds: ['boom'] }, /faultKinds/],
    [{ from: '2023-02-30' }, /from/],
    [{ from: '2024-01-04', asOf: '2023-01-04' }, /before from/],
    [{ pageSize: 10, unknown: 1 }, /unknown|Unrecognized/i],
  ])('rejects %p', (input, message) => {
    expect(() => parseSimOptions(input as never)).toThrow(SimOptionsError);
    expect(() => parseSimOptions(input as never)).toThrow(message);
  });
});
