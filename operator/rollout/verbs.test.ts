import { parseRolloutSpec } from './spec';
import { initialState, evaluate, RolloutTransitionError, type RolloutState } from './state-machine';
import { ACTION_ANNOTATION, applyVerb, CLEAR_ACTION_PATCH, NONCE_ANNOTATION, parseAction, verbPatch } from './verbs';

const spec = parseRolloutSpec({ model: 'm', champion: { version: 3 }, challenger: { version: 4 } });
const progressing: RolloutState = evaluate(spec, initialState(), null).state;

describe('parseAction', () => {
  it.each<[string, Record<string, string> | undefined, string | undefined, unknown]>([
    ['no annotations', undefined, undefined, { kind: 'none' }],
    ['only a nonce', { [NONCE_ANNOTATION]: 'n1' }, undefined, { kind: 'none' }],
    ['a verb without nonce', { [ACTION_ANNOTATION]: 'abort' }, undefined, { kind: 'verb', verb: 'abort' }],
    ['a verb with a new nonce', { [ACTION_ANNOTATION]: 'promote', [NONCE_ANNOTATION]: 'n2' }, 'n1', { kind: 'verb', verb: 'promote', nonce: 'n2' }],
    ['a verb already handled', { [ACTION_ANNOTATION]: 'promote', [NONCE_ANNOTATION]: 'n1' }, 'n1', { kind: 'done', nonce: 'n1' }],
    ['an unknown verb', { [ACTION_ANNOTATION]: 'rollback' }, undefined, { kind: 'invalid', message: 'gogooku3.io/action: expected one of promote, abort, retry, got "rollback"' }],
  ])('%s', (_name, annotations, last, expected) => {
    expect(parseAction(annotations, last)).toEqual(expected);
  });
});

describe('applyVerb', () => {
  it.each<[string, RolloutState, 'promote' | 'abort' | 'retry', string, number]>([
    ['promote while progressing', progressing, 'promote', 'Promoted', 100],
    ['abort while progressing', progressing, 'abort', 'Aborted', 0],
    ['retry after an abort', { ...progressing, phase: 'Aborted', challengerWeight: 0 }, 'retry', 'Progressing', 10],
  ])('%s', (_name, state, verb, phase, weight) => {
    const result = applyVerb(spec, state, verb);
    expect(result).not.toBeInstanceOf(Error);
    expect(result).toMatchObject({ state: { phase, challengerWeight: weight } });
  });

  it.each<[string, RolloutState, 'promote' | 'abort' | 'retry']>([
    ['retry while progressing', progressing, 'retry'],
    ['abort after an abort', { ...progressing, phase: 'Aborted' }, 'abort'],
    ['promote after promotion', { ...progressing, phase: 'Promoted' }, 'promote'],
  ])('%s is refused, not thrown', (_name, state, verb) => {
    expect(applyVerb(spec, state, verb)).toBeInstanceOf(RolloutTransitionError);
  });
});

describe('patches', () => {
  it('sets and clears both annotations', () => {
    expect(verbPatch('retry', 'n')).toEqual({ metadata: { annotations: { 'gogooku3.io/action': 'retry', 'gogooku3.io/action-nonce': 'n' } } });
    expect(CLEAR_ACTION_PATCH).toEqual({ metadata: { annotations: { 'gogooku3.io/action': null, 'gogooku3.io/action-nonce': null } } });
  });
});
