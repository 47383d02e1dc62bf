import { parseRolloutSpec } from './spec';
import { evaluate, initialState, type RolloutState } from './state-machine';
import { rolloutConditions, rolloutStatus, stateFromStatus } from './status';

const spec = parseRolloutSpec({ model: 'm', champion: { version: 3 }, challenger: { version: 4 }, analysis: { inconclusiveLimit: 2 } });
const started = evaluate(spec, initialState(), null).state;
const now = new Date('2026-12-04T00:00:00Z');

describe('stateFromStatus', () => {
  it('round-trips the state through the status', () => {
    const held = evaluate(spec, started, null).state;
    const status = JSON.parse(JSON.stringify(rolloutStatus({ state: held, previous: undefined, now, generation: 1, bookkeeping: {} })));
    expect(stateFromStatus(status)).toEqual(held);
  });

  it.each<[string, unknown]>([['no status', undefined], ['an unknown phase', { phase: 'Exploded' }], ['an empty status', {}]])('starts over from %s', (_name, status) => {
    expect(stateFromStatus(status as never)).toEqual(initialState());
  });

  it('repairs unreadable counters to 0 rather than failing', () => {
    expect(stateFromStatus({ phase: 'Progressing', stepIndex: -1, failures: 1.5, challengerWeight: 25, baseline: { p95_ms: 'x' } } as never))
      .toMatchObject({ phase: 'Progressing', stepIndex: 0, failures: 0, challengerWeight: 25, baseline: {} });
  });
});

describe('rolloutConditions', () => {
  const byType = (state: RolloutState) => Object.fromEntries(rolloutConditions(state).map((c) => [c.type, c]));
  it('Progressing while analysing, with the last reason', () => {
    const c = byType(started);
    expect(c.Progressing).toMatchObject({ status: 'True', reason: 'Analysing', message: 'started at step 1 of 3 (10 %)' });
    expect([c.Paused.status, c.Promoted.status, c.RolledBack.status, c.Aborted.status]).toEqual(['False', 'False', 'False', 'False']);
  });

  it('Paused with the number of inconclusive intervals', () => {
    const paused = evaluate(spec, evaluate(spec, started, null).state, null).state;
    const c = byType(paused);
    expect(c.Paused).toMatchObject({ status: 'True', reason: 'InconclusiveAnalysis' });
    expect(c.Paused.message).toMatch(/^no traffic or no data: 2 inconclusive intervals; paused after 2 inconclusive intervals/);
    expect(c.Progressing).toMatchObject({ status: 'False', reason: 'Paused' });
  });

  it('tells a manual promotion from an analysed one, and reports a write problem on Ready', () => {
    const manual = { ...started, phase: 'Promoted' as const, history: [...started.history, { event: 'Promoted' as const, phase: 'Promoted' as const, challengerWeight: 100, reason: 'promoted manually' }] };
    expect(byType(manual).Promoted).toMatchObject({ status: 'True', reason: 'ManualPromotion' });
    expect(rolloutConditions(started, { reason: 'TrafficNotApplied', message: 'x' })[0]).toEqual({ type: 'Ready', status: 'False', reason: 'TrafficNotApplied', message: 'x' });
  });
});
