import fc from 'fast-check';
import { TseCalendar } from '../calendar';
import { contractMismatches, ContractError, formatEnvFile, parseEnvFile, trainingContract, type ContractOptions } from './contract';

const cal = TseCalendar.fromRules();
const BASE: ContractOptions = {
  featureSet: 'prime-daily', featureSetVersion: '2.1.0', features: ['returns_1d', 'rsi_14'], target: 'target_1_2',
  horizon: 2, embargo: 2, folds: 5, sessions: 20, seed: 42, outputDir: '/out',
};

describe('trainingContract', () => {
  it.each<[string, string, number, string]>([
    // Friday 18:00 JST: the day's session is complete; its label needs two more sessions.
    ['after Friday\'s close', '2026-12-04T09:00:00Z', 2, '2026-12-02'],
    // Friday 10:00 JST: Thursday is the latest complete session.
    ['during Friday\'s session', '2026-12-04T01:00:00Z', 2, '2026-12-01'],
    // Saturday: still Friday; horizon 0 keeps it.
    ['on a Saturday, horizon 0', '2026-12-05T03:00:00Z', 0, '2026-12-04'],
    // 2 January 2027 (a holiday): the year's last session is 30 December.
    ['over the year end', '2027-01-02T03:00:00Z', 1, '2026-12-29'],
  ])('%s: training ends at the latest labelled session', (_name, asOf, horizon, to) => {
    const env = trainingContract(cal, new Date(asOf), { ...BASE, horizon, embargo: horizon });
    expect(env.G3_TRAIN_TO).toBe(to);
    const sessions = cal.sessions(env.G3_TRAIN_FROM, env.G3_TRAIN_TO);
    expect(sessions).toHaveLength(BASE.sessions);
    expect(sessions[sessions.length - 1]).toBe(to);
  });

  it('lists the variables docs/training.md promises, features in input order', () => {
    expect(trainingContract(cal, new Date('2026-12-04T09:00:00Z'), BASE)).toEqual({
      G3_FEATURE_SET: 'prime-daily', G3_FEATURE_SET_VERSION: '2.1.0', G3_FEATURES: 'returns_1d,rsi_14', G3_TARGET: 'target_1_2',
      G3_TRAIN_FROM: expect.any(String), G3_TRAIN_TO: '2026-12-02', G3_CV_FOLDS: '5', G3_CV_HORIZON: '2', G3_CV_EMBARGO: '2', G3_SEED: '42', G3_OUTPUT_DIR: '/out',
    });
  });

  it.each<[Partial<ContractOptions>, RegExp]>([
    [{ features: [] }, /^features: expected at least one feature$/],
    [{ embargo: 1 }, /^embargo: must be >= the horizon \(2\), got 1$/],
    [{ folds: 1 }, /^folds: expected at least 2, got 1$/],
    [{ sessions: 3 }, /^sessions: expected at least one session per fold \(5\), got 3$/],
    [{ sessions: 100_000 }, /^sessions: 100000 sessions before 2026-12-02 reach past the calendar's first date/],
  ])('refuses %j naming the field', (options, message) => {
    expect(() => trainingContract(cal, new Date('2026-12-04T09:00:00Z'), { ...BASE, ...options })).toThrow(ContractError);
    expect(() => trainingContract(cal, new Date('2026-12-04T09:00:00Z'), { ...BASE, ...options })).toThrow(message);
  });
});

describe('env file', () => {
  it('round-trips any value, quotes and newlines included', () => {
    const name = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,11}$/);
    fc.assert(fc.property(fc.dictionary(name, fc.string()), (vars) => {
      expect(parseEnvFile(formatEnvFile(vars), 'f')).toEqual(vars);
    }));
  });

  it('quotes for a POSIX shell', () => {
    expect(formatEnvFile({ A: "it's $HOME", B: '' })).toBe("export A='it'\\''s $HOME'\nexport B=''\n");
  });

  it('refuses lines it does not write', () => {
    expect(() => parseEnvFile("export A='x'\nA=y\n", 'contract.env')).toThrow(/^contract\.env: line 2 is not an export NAME='value' line$/);
  });
});

describe('contractMismatches', () => {
  const contract = trainingContract(cal, new Date('2026-12-04T09:00:00Z'), BASE);
  const model = { features: BASE.features, featureSetVersion: '2.1.0', target: 'target_1_2', trainingRange: { from: contract.G3_TRAIN_FROM, to: contract.G3_TRAIN_TO }, seed: 42 };
  it.each<[string, Partial<typeof model>, string[]]>([
    ['a faithful model', {}, []],
    ['other features', { features: ['rsi_14', 'returns_1d'] }, ['features: expected "returns_1d,rsi_14" (contract), got "rsi_14,returns_1d"']],
    ['another seed and target', { seed: 7, target: 'target_1_5' }, ['target: expected "target_1_2" (contract), got "target_1_5"', 'seed: expected "42" (contract), got "7"']],
  ])('%s', (_name, change, expected) => {
    expect(contractMismatches(contract, { ...model, ...change })).toEqual(expected);
  });
  it('a contract without a variable is a mismatch, not a pass', () => {
    const { G3_SEED: _seed, ...partial } = contract;
    expect(contractMismatches(partial, model)).toEqual(['seed: the contract has no value']);
  });
});
