import fc from 'fast-check';
import { parseRolloutSpec, type ModelRolloutSpec } from './spec';
import {
  abort, analyse, evaluate, HISTORY_LIMIT, initialState, promote, retry, RolloutTransitionError, STOPPED_PHASES,
  type MetricsInterval, type MetricsSample, type RolloutPhase, type RolloutState,
} from './state-machine';

const specWith = (overrides: Record<string, unknown> = {}, analysis: Record<string, unknown> = {}): ModelRolloutSpec =>
  parseRolloutSpec({ model: 'm', champion: { version: 'v1' }, challenger: { version: 'v2' }, ...overrides, analysis });
const spec = specWith();

const sample = (over: Partial<MetricsSample> = {}): MetricsSample => ({ p95_ms: 100, error_rate: 0.001, requests: 500, ...over });
const iv = (challenger: Partial<MetricsSample> = {}, champion: Partial<MetricsSample> = {}): MetricsInterval =>
  ({ champion: sample({ requests: 5000, ...champion }), challenger: sample(challenger) });
const ok = iv();
const slow = iv({ p95_ms: 200 }); // ratio 2 > 1.5
const erroring = iv({ error_rate: 0.05 });
const few = iv({ requests: 99 });

const started = (s: ModelRolloutSpec = spec) => evaluate(s, initialState(), null).state;

/** Folds intervals from a started rollout; one [weight, phase, event] per interval. */
function run(s: ModelRolloutSpec, intervals: Array<MetricsInterval | null>, from: RolloutState = started(s)) {
  let state = from;
  const rows: Array<[number, RolloutPhase, string]> = [];
  for (const i of intervals) {
    const t = evaluate(s, state, i);
    state = t.state;
    rows.push([state.challengerWeight, state.phase, t.event]);
  }
  return { rows, state };
}

describe('evaluate: scenarios', () => {
  it('Pending starts at steps[0] whatever the interval says', () => {
    const t = evaluate(spec, initialState(), erroring);
    expect(t.state).toMatchObject({ phase: 'Progressing', stepIndex: 0, challengerWeight: 10, failures: 0 });
    expect(t.event).toBe('Started');
  });

  it.each<[string, ModelRolloutSpec, Array<MetricsInterval | null>, Array<[number, RolloutPhase, string]>]>([
    ['happy path 10 → 25 → 100 → Promoted', spec, [ok, ok, ok], [[25, 'Progressing', 'Advanced'], [100, 'Progressing', 'Advanced'], [100, 'Promoted', 'Promoted']]],
    ['a latency breach shrinks 25 → 10, then it recovers', spec, [ok, slow, ok, ok, ok],
      [[25, 'Progressing', 'Advanced'], [10, 'Progressing', 'Failed'], [25, 'Progressing', 'Advanced'], [100, 'Progressing', 'Advanced'], [100, 'Promoted', 'Promoted']]],
    ['a breach at the first step keeps the first step', spec, [erroring, ok], [[10, 'Progressing', 'Failed'], [25, 'Progressing', 'Advanced']]],
    ['persistent breaches roll back to 0 once failures exceed failureLimit', spec, [ok, slow, erroring, slow],
      [[25, 'Progressing', 'Advanced'], [10, 'Progressing', 'Failed'], [10, 'Progressing', 'Failed'], [0, 'RolledBack', 'RolledBack']]],
    ['failures are not forgiven by healthy intervals in between', spec, [slow, ok, slow, ok, slow],
      [[10, 'Progressing', 'Failed'], [25, 'Progressing', 'Advanced'], [10, 'Progressing', 'Failed'], [25, 'Progressing', 'Advanced'], [0, 'RolledBack', 'RolledBack']]],
    ['failureLimit 0 rolls back on the first breach', specWith({}, { failureLimit: 0 }), [ok, erroring], [[25, 'Progressing', 'Advanced'], [0, 'RolledBack', 'RolledBack']]],
    ['too few requests hold the weight, then Paused at inconclusiveLimit', spec, [ok, few, few, few, few, few],
      [[25, 'Progressing', 'Advanced'], [25, 'Progressing', 'Held'], [25, 'Progressing', 'Held'], [25, 'Progressing', 'Held'], [25, 'Progressing', 'Held'], [25, 'Paused', 'Paused']]],
    ['the inconclusive streak restarts after a conclusive interval', specWith({}, { inconclusiveLimit: 2 }), [few, ok, few, slow, few, few],
      [[10, 'Progressing', 'Held'], [25, 'Progressing', 'Advanced'], [25, 'Progressing', 'Held'], [10, 'Progressing', 'Failed'], [10, 'Progressing', 'Held'], [10, 'Paused', 'Paused']]],
    ['an absolute p95 bound fails even within the ratio', specWith({}, { maxP95LatencyMs: 90 }), [iv({ p95_ms: 95 }, { p95_ms: 90 })], [[10, 'Progressing', 'Failed']]],
    ['a single step [100] promotes after one healthy interval', specWith({ steps: [100] }), [ok], [[100, 'Promoted', 'Promoted']]],
  ])('%s', (_name, s, intervals, expected) => {
    expect(run(s, intervals).rows).toEqual(expected);
  });

  it.each<[string, MetricsInterval | null]>([
    ['a null interval', null],
    ['NaN p95', iv({ p95_ms: Number.NaN })],
    ['negative error rate', iv({ error_rate: -0.01 })],
    ['error rate above 1', iv({ error_rate: 1.5 })],
    ['infinite requests', iv({ requests: Number.POSITIVE_INFINITY })],
    ['NaN requests', iv({ requests: Number.NaN })],
    ['no usable champion p95 ever seen', iv({}, { p95_ms: Number.NaN })],
    ['champion without enough requests and no baseline', iv({}, { requests: 3 })],
    ['a missing challenger object', { champion: sample() } as unknown as MetricsInterval],
  ])('%s is inconclusive: held, never healthy, never a failure', (_name, interval) => {
    const { rows, state } = run(spec, [interval]);
    expect(rows).toEqual([[10, 'Progressing', 'Held']]);
    expect(state).toMatchObject({ failures: 0, inconclusive: 1 });
  });

  it('at 100 % the champion serves nothing; its last usable p95 is the baseline', () => {
    const idle = { requests: 0, p95_ms: Number.NaN };
    expect(run(spec, [ok, iv({}, { p95_ms: 80 }), iv({ p95_ms: 110 }, idle)]).rows.at(-1)).toEqual([100, 'Promoted', 'Promoted']);
    expect(run(spec, [ok, iv({}, { p95_ms: 80 }), iv({ p95_ms: 130 }, idle)]).rows.at(-1)).toEqual([25, 'Progressing', 'Failed']); // 130 / 80 > 1.5
  });

  describe('quality gate (minRankICDelta)', () => {
    const gated = specWith({}, { minRankICDelta: -0.01 });
    it.each<[string, MetricsInterval, string]>([
      ['delta below the bound fails', iv({ rank_ic: 0.03 }, { rank_ic: 0.05 }), 'Failed'],
      ['delta at the bound passes', iv({ rank_ic: 0.04 }, { rank_ic: 0.05 }), 'Advanced'],
      ['challenger better passes', iv({ rank_ic: 0.08 }, { rank_ic: 0.05 }), 'Advanced'],
      ['no challenger rank IC skips the gate', iv({}, { rank_ic: 0.05 }), 'Advanced'],
      ['no champion rank IC skips the gate', iv({ rank_ic: -0.5 }), 'Advanced'],
      ['a NaN challenger rank IC is no data', iv({ rank_ic: Number.NaN }, { rank_ic: 0.05 }), 'Held'],
    ])('%s', (_name, interval, event) => {
      expect(evaluate(gated, started(gated), interval).event).toBe(event);
    });
    it('is ignored when not configured', () => {
      expect(evaluate(spec, started(), iv({ rank_ic: -0.9 }, { rank_ic: 0.5 })).event).toBe('Advanced');
    });
  });

  it('reasons name the breached bound and its figures', () => {
    const t = evaluate(spec, started(), iv({ p95_ms: 200, error_rate: 0.02 }));
    expect(t.reason).toMatch(/error rate 0\.02 > maxErrorRate 0\.01; p95 ratio 2 > maxP95LatencyRatio 1\.5/);
    expect(evaluate(spec, started(), few).reason).toMatch(/too few challenger requests: 99 < minRequests 100/);
  });

  it('keeps only the latest HISTORY_LIMIT history entries', () => {
    const { state } = run(specWith({}, { inconclusiveLimit: 1000 }), Array.from({ length: HISTORY_LIMIT + 10 }, () => few));
    expect(state.history).toHaveLength(HISTORY_LIMIT);
    expect(state.history.at(-1)).toMatchObject({ event: 'Held', reason: expect.stringMatching(/inconclusive \(60 of 1000\)/) });
  });
});

describe('manual verbs', () => {
  const rolledBack = run(spec, [slow, slow, slow]).state;
  it('promote: all traffic to the challenger', () => {
    expect(promote(spec, started()).state).toMatchObject({ phase: 'Promoted', challengerWeight: 100, stepIndex: 2 });
    expect(promote(spec, rolledBack).event).toBe('Promoted');
  });
  it('abort: all traffic back to the champion', () => {
    expect(abort(run(spec, [ok]).state).state).toMatchObject({ phase: 'Aborted', challengerWeight: 0 });
  });
  it('retry: from RolledBack back to the first step with the counters reset', () => {
    expect(rolledBack).toMatchObject({ phase: 'RolledBack', challengerWeight: 0, failures: 3 });
    const t = retry(spec, rolledBack);
    expect(t.state).toMatchObject({ phase: 'Progressing', stepIndex: 0, challengerWeight: 10, failures: 0, inconclusive: 0 });
    expect(t.state.history.map((h) => h.event)).toEqual(['Started', 'Failed', 'Failed', 'RolledBack', 'Retried']);
    expect(run(spec, [ok, ok, ok], t.state).state.phase).toBe('Promoted');
  });
  it.each<[string, () => unknown, RegExp]>([
    ['promote a promoted rollout', () => promote(spec, promote(spec, started()).state), /cannot promote a rollout that is Promoted/],
    ['abort a rolled-back rollout', () => abort(rolledBack), /cannot abort a rollout that is RolledBack; allowed from: Pending, Progressing, Paused/],
    ['retry a progressing rollout', () => retry(spec, started()), /cannot retry a rollout that is Progressing; allowed from: Paused, RolledBack, Aborted/],
  ])('refuses to %s', (_name, fn, message) => {
    expect(fn).toThrow(RolloutTransitionError);
    expect(fn).toThrow(message);
  });
});

describe('properties', () => {
  const specArb = fc.record({
    steps: fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }).map((xs) => [...xs.sort((a, b) => a - b), 100]),
    minRequests: fc.integer({ min: 1, max: 200 }),
    failureLimit: fc.integer({ min: 0, max: 3 }),
    inconclusiveLimit: fc.integer({ min: 1, max: 4 }),
    maxP95LatencyMs: fc.option(fc.integer({ min: 50, max: 400 }), { nil: undefined }),
    minRankICDelta: fc.option(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { nil: undefined }),
  }).map(({ steps, ...analysis }) => specWith({ steps }, analysis));
  const junk = fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
  const sampleArb = fc.record({
    p95_ms: fc.oneof(fc.double({ min: 1, max: 500, noNaN: true }), junk),
    error_rate: fc.oneof(fc.double({ min: 0, max: 0.05, noNaN: true }), junk),
    requests: fc.oneof(fc.integer({ min: 0, max: 400 }), junk),
    rank_ic: fc.option(fc.oneof(fc.double({ min: -0.2, max: 0.2, noNaN: true }), junk), { nil: undefined }),
  }, { requiredKeys: ['p95_ms', 'error_rate', 'requests'] });
  const intervalArb = fc.option(fc.record({ champion: sampleArb, challenger: sampleArb }), { nil: null, freq: 8 });
  const actionArb = fc.oneof({ arbitrary: intervalArb.map((i) => ({ interval: i })), weight: 12 }, fc.constantFrom('promote', 'abort', 'retry'));

  type Action = { interval: MetricsInterval | null } | 'promote' | 'abort' | 'retry';
  function apply(s: ModelRolloutSpec, state: RolloutState, a: Action): RolloutState {
    try {
      if (a === 'promote') return promote(s, state).state;
      if (a === 'abort') return abort(state).state;
      if (a === 'retry') return retry(s, state).state;
    } catch (error) {
      if (error instanceof RolloutTransitionError) return state;
      throw error;
    }
    return evaluate(s, state, a.interval).state;
  }

  it('the challenger weight is always 0 or one of the steps', () => {
    fc.assert(fc.property(specArb, fc.array(actionArb, { maxLength: 30 }), (s, actions) => {
      let state = initialState();
      for (const a of actions) {
        state = apply(s, state, a);
        expect([0, ...s.steps]).toContain(state.challengerWeight);
        if (state.phase === 'Progressing' || state.phase === 'Paused') expect(state.challengerWeight).toBe(s.steps[state.stepIndex]);
      }
    }), { numRuns: 300 });
  });

  it('an inconclusive interval never advances the weight nor counts a failure', () => {
    fc.assert(fc.property(specArb, fc.array(intervalArb, { maxLength: 20 }), intervalArb, (s, prefix, candidate) => {
      let state = started(s);
      for (const i of prefix) state = evaluate(s, state, i).state;
      fc.pre(state.phase === 'Progressing' && analyse(s.analysis, candidate, state.baseline).kind === 'inconclusive');
      const next = evaluate(s, state, candidate).state;
      expect(next.challengerWeight).toBe(state.challengerWeight);
      expect(next.failures).toBe(state.failures);
      expect(['Progressing', 'Paused']).toContain(next.phase);
    }), { numRuns: 300 });
  });

  it('stopped phases are absorbing under evaluate', () => {
    fc.assert(fc.property(specArb, fc.array(actionArb, { maxLength: 30 }), fc.array(intervalArb, { minLength: 1, maxLength: 10 }), (s, actions, after) => {
      let state = initialState();
      for (const a of actions) state = apply(s, state, a);
      fc.pre(STOPPED_PHASES.has(state.phase));
      for (const i of after) {
        const t = evaluate(s, state, i);
        expect(t.event).toBe('Unchanged');
        expect(t.state).toEqual(state);
      }
    }), { numRuns: 300 });
  });
});
