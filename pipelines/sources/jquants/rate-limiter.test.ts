import { nextAllowedAt, RateLimiter, type Clock } from './rate-limiter';
import { backoffDelay, parseRetryAfter } from './backoff';

function fakeClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => { clock.t += ms; },
  };
  return clock;
}

describe('nextAllowedAt', () => {
  it.each([
    { stamps: [], now: 5, limit: 2, expected: 5 },
    { stamps: [0], now: 5, limit: 2, expected: 5 },
    { stamps: [0, 1], now: 5, limit: 2, expected: 60_000 },
    { stamps: [0, 1, 2], now: 5, limit: 2, expected: 60_001 },
    { stamps: [0, 1], now: 70_000, limit: 2, expected: 70_000 },
  ])('stamps=$stamps now=$now limit=$limit → $expected', ({ stamps, now, limit, expected }) => {
    expect(nextAllowedAt(stamps, now, limit, 60_000)).toBe(expected);
  });

  it('honours a pause', () => {
    expect(nextAllowedAt([], 10, 5, 60_000, 3_000)).toBe(3_000);
  });
});

describe('RateLimiter', () => {
  it('never lets more than `limit` requests start within any window, across concurrent callers', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(5, 60_000, clock);
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 17 }, () => limiter.acquire().then(() => starts.push(clock.now()))));
    expect(starts).toHaveLength(17);
    for (let i = 5; i < starts.length; i += 1) expect(starts[i] - starts[i - 5]).toBeGreaterThanOrEqual(60_000);
    // Free plan: 17 requests need three full windows of waiting.
    expect(starts[16]).toBe(180_000);
  });

  it('a pause (Retry-After) delays every caller', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(100, 60_000, clock);
    limiter.pauseUntil(2_500);
    await limiter.acquire();
    expect(clock.now()).toBe(2_500);
  });

  it('rejects a non-positive limit', () => {
    expect(() => new RateLimiter(0)).toThrow(/rate limit must be > 0/);
  });
});

describe('backoff', () => {
  it.each([
    { attempt: 1, random: 0.999, max: 250 },
    { attempt: 2, random: 0.999, max: 500 },
    { attempt: 5, random: 0.999, max: 4_000 },
    { attempt: 30, random: 0.999, max: 30_000 },
  ])('attempt $attempt stays under $max ms', ({ attempt, random, max }) => {
    const d = backoffDelay(attempt, undefined, () => random);
    expect(d).toBeLessThan(max);
    expect(d).toBeGreaterThan(max * 0.99 - 1);
    expect(backoffDelay(attempt, undefined, () => 0)).toBe(0);
  });

  it.each([
    { header: '3', expected: 3_000 },
    { header: '0.5', expected: 500 },
    { header: null, expected: undefined },
    { header: 'soon', expected: undefined },
    { header: new Date(10_000).toUTCString(), expected: 10_000 },
  ])('Retry-After $header → $expected ms', ({ header, expected }) => {
    expect(parseRetryAfter(header, 0)).toBe(expected);
  });
});
