/**
 * Property tests run from one fixed seed, so `npm test` gives the same verdict on every machine and a failure
 * can be replayed. Exploration is opt-in: FC_SEED=random draws a fresh seed (printed by fast-check on failure),
 * FC_SEED=<integer> replays one.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20_240_105;

export function propertySeed(env: string | undefined): number | undefined {
  if (env === 'random') return undefined;
  if (env === undefined || env === '') return DEFAULT_SEED;
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${env}"`);
  return seed;
}

const seed = propertySeed(process.env.FC_SEED);
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
