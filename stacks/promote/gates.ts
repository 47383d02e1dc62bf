import { z } from 'zod';
import { PHASES } from '../../operator/rollout/state-machine';
import { ENVIRONMENTS, versionsSchema, type Environment, type Versions } from '../config';

/**
 * The quality gates an environment must pass before its pinned versions move on, recorded in
 * `stacks/gates/<env>.json` (committed, so promotion is reviewable): feature parity, model regression and the
 * ModelRollout outcome, each with when it was recorded, together with the versions they were measured on.
 * A record made on other versions than the ones being promoted does not count.
 */

export const GATE_NAMES = ['parity', 'regression', 'rollout'] as const;
export type GateName = (typeof GATE_NAMES)[number];

const gateSchema = z.object({
  pass: z.boolean(),
  /** Where the evidence came from (a report file, or the rollout phase). */
  source: z.string(),
  /** One line a reviewer reads. */
  summary: z.string(),
}).strict();

export const gateRecordSchema = z.object({
  env: z.enum(ENVIRONMENTS),
  recordedAt: z.iso.datetime(),
  /** The stack's pinned versions when the gates were measured. */
  versions: versionsSchema,
  gates: z.object({ parity: gateSchema, regression: gateSchema, rollout: gateSchema }).strict(),
}).strict();

export type GateRecord = z.infer<typeof gateRecordSchema>;
export type Gate = z.infer<typeof gateSchema>;

export class GateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateInputError';
  }
}

/** A parity or regression report: any JSON object with a boolean `pass` (e.g. `gogooku3 parity check --format json`). */
export function gateFromReport(name: 'parity' | 'regression', source: string, text: string): Gate {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GateInputError(`--${name}: ${source}: not JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || typeof (json as { pass?: unknown }).pass !== 'boolean') {
    throw new GateInputError(`--${name}: ${source}: expected a JSON object with a boolean "pass"`);
  }
  const r = json as Record<string, unknown>;
  const facts: string[] = [];
  if (typeof r.date === 'string') facts.push(`date ${r.date}`);
  if (typeof r.maxPsi === 'number') facts.push(`max PSI ${r.maxPsi.toFixed(4)}`);
  if (typeof r.exactMatchRate === 'number') facts.push(`exact-match ${(r.exactMatchRate * 100).toFixed(2)} %`);
  const failures = Array.isArray(r.failures) ? r.failures.filter((f): f is string => typeof f === 'string') : [];
  if (failures.length > 0) facts.push(`failures: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? ' …' : ''}`);
  return { pass: r.pass as boolean, source, summary: `${r.pass ? 'PASS' : 'FAIL'}${facts.length ? ` (${facts.join(', ')})` : ''}` };
}

/** The rollout gate passes only when the ModelRollout finished as Promoted. */
export function gateFromRolloutPhase(phase: string): Gate {
  if (!(PHASES as readonly string[]).includes(phase)) {
    throw new GateInputError(`--rollout: unknown phase ${JSON.stringify(phase)} (allowed: ${PHASES.join(', ')})`);
  }
  return { pass: phase === 'Promoted', source: `ModelRollout phase ${phase}`, summary: phase === 'Promoted' ? 'PASS (Promoted)' : `FAIL (phase ${phase}, expected Promoted)` };
}

export function buildGateRecord(env: Environment, versions: Versions, gates: Record<GateName, Gate>, now: Date): GateRecord {
  return { env, recordedAt: now.toISOString(), versions, gates };
}

export function parseGateRecord(text: string, source: string): GateRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GateInputError(`${source}: not JSON (${(error as Error).message})`);
  }
  const parsed = gateRecordSchema.safeParse(json);
  if (!parsed.success) throw new GateInputError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Stable JSON (keys sorted) so records diff cleanly in review. */
export function formatGateRecord(record: GateRecord): string {
  const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort) : v && typeof v === 'object'
    ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v);
  return `${JSON.stringify(sort(record), null, 2)}\n`;
}
