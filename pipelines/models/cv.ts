/**
 * Purged group K-fold over trading sessions (López de Prado, "Advances in Financial Machine Learning", ch. 7).
 *
 * Groups are sessions: every ticker of a date moves together, so a date is never split between train and test.
 * Test folds are contiguous blocks of the sorted unique sessions, covering each exactly once; sizes differ by at
 * most one, the earlier folds taking the extra sessions. For each fold, training is every other session except
 *   - purge:   the `horizon` sessions right before the test block, whose labels (returns over the next
 *              `horizon` sessions) reach into the test period;
 *   - embargo: the `embargo` sessions right after it. The test block's last labels run `horizon` sessions
 *              past it, so sessions in that span would train on the very prices the test labels are made of:
 *              hence embargo >= horizon (anything beyond guards against serial correlation).
 * Folds are numbered from 0 (the JSON contract's `fold`), in date order.
 */
import { z } from 'zod';

export interface Fold {
  fold: number;
  train: string[];
  test: string[];
}

export interface PurgedKFoldOptions {
  folds: number;
  horizon: number;
  embargo: number;
}

/** An invalid session list or option; `field` is the option (or `sessions`) the rule is about. */
export class CvError extends Error {
  constructor(readonly field: 'sessions' | keyof PurgedKFoldOptions, readonly detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'CvError';
  }
}

const wholeNumber = (min: number) => z.number({ error: 'must be an integer' }).int('must be an integer').min(min, `must be >= ${min}`);
const optionsSchema = z.object({ folds: wholeNumber(2), horizon: wholeNumber(0), embargo: wholeNumber(0) });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isIsoDate(s: unknown): s is string {
  return typeof s === 'string' && ISO_DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))
    && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** Sizes of `folds` contiguous blocks over n items: differ by at most one, earlier blocks larger. */
export function foldSizes(n: number, folds: number): number[] {
  const base = Math.floor(n / folds);
  return Array.from({ length: folds }, (_, k) => base + (k < n % folds ? 1 : 0));
}

export function purgedKFold(sessions: readonly string[], options: PurgedKFoldOptions): Fold[] {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue.path[0] ?? 'folds') as keyof PurgedKFoldOptions;
    throw new CvError(field, `${issue.message}, got ${JSON.stringify((options as unknown as Record<string, unknown>)?.[field])}`);
  }
  const { folds, horizon, embargo } = parsed.data;
  if (embargo < horizon) throw new CvError('embargo', `must be >= horizon (${horizon}), got ${embargo}`);
  for (const [i, s] of sessions.entries()) {
    if (!isIsoDate(s)) throw new CvError('sessions', `session ${i}: expected a date YYYY-MM-DD, got ${JSON.stringify(s)}`);
  }
  const unique = [...new Set(sessions)].sort();
  if (folds > unique.length) throw new CvError('folds', `must be <= the number of sessions (${unique.length}), got ${folds}`);

  const result: Fold[] = [];
  let start = 0;
  for (const [fold, size] of foldSizes(unique.length, folds).entries()) {
    const end = start + size; // test block: [start, end)
    const dropFrom = Math.max(0, start - horizon);
    const dropTo = Math.min(unique.length, end + embargo);
    result.push({
      fold,
      train: [...unique.slice(0, dropFrom), ...unique.slice(dropTo)],
      test: unique.slice(start, end),
    });
    start = end;
  }
  return result;
}
