import { abort, promote, retry, RolloutTransitionError, type RolloutState, type Transition } from './state-machine';
import type { ModelRolloutSpec } from './spec';

/**
 * The manual verbs as annotations: `gogooku3.io/action: promote|abort|retry`, optionally with
 * `gogooku3.io/action-nonce`. The reconcile applies the verb, records the nonce in status, then removes
 * both annotations; a verb whose nonce is already in status is not applied again (the operator stopped
 * between the two writes). Without a nonce the verbs are still safe to see twice: each one's result is a
 * phase the same verb is refused from (Promoted, Aborted) or leaves it Progressing, where retry is refused.
 */
export const ACTION_ANNOTATION = 'gogooku3.io/action';
export const NONCE_ANNOTATION = 'gogooku3.io/action-nonce';
export const VERBS = ['promote', 'abort', 'retry'] as const;
export type Verb = (typeof VERBS)[number];

export type ActionRequest =
  | { kind: 'none' }
  | { kind: 'verb'; verb: Verb; nonce?: string }
  | { kind: 'invalid'; message: string; nonce?: string }
  | { kind: 'done'; nonce: string };

export function parseAction(annotations: Record<string, string> | undefined, lastNonce: string | undefined): ActionRequest {
  const action = annotations?.[ACTION_ANNOTATION];
  const nonce = annotations?.[NONCE_ANNOTATION];
  if (action === undefined) return { kind: 'none' };
  if (nonce !== undefined && nonce === lastNonce) return { kind: 'done', nonce };
  if (!(VERBS as readonly string[]).includes(action)) {
    return { kind: 'invalid', message: `${ACTION_ANNOTATION}: expected one of ${VERBS.join(', ')}, got ${JSON.stringify(action)}`, ...(nonce !== undefined ? { nonce } : {}) };
  }
  return { kind: 'verb', verb: action as Verb, ...(nonce !== undefined ? { nonce } : {}) };
}

/** The verb's transition, or the reason it does not apply in this phase. */
export function applyVerb(spec: ModelRolloutSpec, state: RolloutState, verb: Verb): Transition | RolloutTransitionError {
  try {
    if (verb === 'promote') return promote(spec, state);
    if (verb === 'abort') return abort(state);
    return retry(spec, state);
  } catch (error) {
    if (error instanceof RolloutTransitionError) return error;
    throw error;
  }
}

/** The merge patch that asks for a verb (what `gogooku3 rollout promote|abort|retry` sends). */
export function verbPatch(verb: Verb, nonce: string): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [ACTION_ANNOTATION]: verb, [NONCE_ANNOTATION]: nonce } } };
}

/** The merge patch that clears a handled verb. */
export const CLEAR_ACTION_PATCH = { metadata: { annotations: { [ACTION_ANNOTATION]: null, [NONCE_ANNOTATION]: null } } };
