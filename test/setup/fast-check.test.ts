import fc from 'fast-check';
import { propertySeed } from './fast-check';

describe('propertySeed', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, 20_240_105],
    ['', 20_240_105],
    ['random', undefined],
    ['42', 42],
    ['-7', -7],
  ])('FC_SEED=%p → %p', (env, expected) => {
    expect(propertySeed(env)).toBe(expected);
  });

  it.each(['abc', '1.5', '1e30'])('rejects FC_SEED=%p naming the variable', (env) => {
    expect(() => propertySeed(env)).toThrow(/FC_SEED must be an integer or "random"/);
  });

  it('is applied to fast-check before the tests run', () => {
    if (process.env.FC_SEED === 'random') return;
    expect(fc.readConfigureGlobal().seed).toBe(propertySeed(process.env.FC_SEED));
  });
});
