import fc from 'fast-check';
import { chooseVariant, pickByWeight, stickyUnit } from './routing';
import { mulberry32 as seeded } from '../util/random';


const v = (name: string, weight: number) => ({ name, weight });
const champion90 = [v('champion', 90), v('challenger', 10)];

function shares(draw: () => string, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = draw();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, c]) => [k, c / n]));
}

describe('pickByWeight', () => {
  test.each([
    [0, 'champion'],
    [0.8999, 'champion'],
    [0.9, 'challenger'],
    [0.9999999, 'challenger'],
  ])('u = %p picks %s of 90/10', (u, expected) => {
    expect(pickByWeight(champion90, u).name).toBe(expected);
  });

  test.each([
    [[v('a', 0), v('b', 5)], 0, 'b'],
    [[v('a', 5), v('b', 0)], 0.9999999, 'a'],
    [[v('a', 1), v('b', 0), v('c', 1)], 0.5, 'c'],
    [[v('a', 0.25), v('b', 0.75)], 0.3, 'b'],
  ])('zero and fractional weights: %j at u=%p → %s', (variants, u, expected) => {
    expect(pickByWeight(variants, u).name).toBe(expected);
  });

  test('refuses weights that sum to 0', () => {
    expect(() => pickByWeight([v('a', 0), v('b', 0)], 0.5)).toThrow(/sum to more than 0/);
  });

  test('a variant is picked for a share of u equal to its share of the weights', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 5 }).filter((w) => w.some((x) => x > 0)), (weights) => {
      const variants = weights.map((w, i) => v(`v${i}`, w));
      const total = weights.reduce((a, b) => a + b, 0);
      const steps = 1000;
      const counts = new Map<string, number>();
      for (let i = 0; i < steps; i++) {
        const name = pickByWeight(variants, (i + 0.5) / steps).name;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      weights.forEach((w, i) => expect(Math.abs((counts.get(`v${i}`) ?? 0) / steps - w / total)).toBeLessThanOrEqual(1.5 / steps));
    }));
  });
});

describe('chooseVariant', () => {
  test('random routing: 10,000 draws split 90/10 within 1.5 points', () => {
    const random = seeded(42);
    const s = shares(() => chooseVariant(champion90, { sticky: false, random }).name, 10_000);
    expect(Math.abs(s.champion - 0.9)).toBeLessThan(0.015);
    expect(Math.abs(s.challenger - 0.1)).toBeLessThan(0.015);
  });

  test('random routing: a three-way 50/30/20 split', () => {
    const random = seeded(7);
    const s = shares(() => chooseVariant([v('a', 5), v('b', 3), v('c', 2)], { sticky: false, random }).name, 10_000);
    expect(Math.abs(s.a - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(s.b - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(s.c - 0.2)).toBeLessThan(0.02);
  });

  test('sticky routing: one id always gets one variant, whatever the random source says', () => {
    for (const key of ['user-1', 'user-2', 'abc', 'ü-ß-日本']) {
      const first = chooseVariant(champion90, { sticky: true, key, random: () => 0 }).name;
      for (let i = 0; i < 50; i++) expect(chooseVariant(champion90, { sticky: true, key, random: Math.random }).name).toBe(first);
    }
  });

  test('sticky routing: 10,000 sequential ids split 90/10 within 1.5 points', () => {
    let i = 0;
    const s = shares(() => chooseVariant(champion90, { sticky: true, key: `req-${i++}` }).name, 10_000);
    expect(Math.abs(s.challenger - 0.1)).toBeLessThan(0.015);
  });

  test('sticky without an id (or an empty one) routes at random', () => {
    expect(chooseVariant(champion90, { sticky: true, key: '', random: () => 0.95 }).name).toBe('challenger');
    expect(chooseVariant(champion90, { sticky: true, random: () => 0.95 }).name).toBe('challenger');
    expect(chooseVariant(champion90, { sticky: true, random: () => 0.05 }).name).toBe('champion');
  });

  test('raising the challenger weight only moves ids onto the challenger, never off it', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 100 }), (key, before, extra) => {
      const after = Math.min(100, before + extra);
      const was = chooseVariant([v('champion', 100 - before), v('challenger', before)], { sticky: true, key }).name;
      const now = chooseVariant([v('champion', 100 - after), v('challenger', after)], { sticky: true, key }).name;
      if (was === 'challenger') expect(now).toBe('challenger');
    }));
  });
});

describe('stickyUnit', () => {
  test('lies in [0, 1) and fills the range evenly (10 deciles of 10,000 ids within 20 %)', () => {
    const deciles = new Array(10).fill(0);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 10_000; i++) {
      const u = stickyUnit(`id-${i}`);
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      deciles[Math.floor(u * 10)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    for (const d of deciles) expect(Math.abs(d - 1000)).toBeLessThan(200);
  });
});
