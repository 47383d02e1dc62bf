import { isMap, isScalar, type Document } from 'yaml';
import { CONFIG_NAMESPACE, type Environment, type Versions } from '../config';
import { GATE_NAMES, type GateRecord } from './gates';

/**
 * Promotion of pinned versions between environments, as pure functions: which moves are allowed, whether the
 * source's recorded gates let its versions move, what changes, and the edit to the target's stack file (done
 * on the `yaml` Document so comments and key order survive).
 */

/** dev → staging → prod, one step at a time; prod only from staging. */
export const PROMOTION_PATHS: Readonly<Record<Environment, Environment | undefined>> = { dev: 'staging', staging: 'prod', prod: undefined };

export const VERSIONS_KEY = `${CONFIG_NAMESPACE}:versions`;

export interface Change {
  /** Path below gogooku3:versions, e.g. ['models', 'lgbm-daily']. */
  path: string[];
  from: string | number | undefined;
  to: string | number | undefined;
}

export type Decision =
  | { kind: 'promote'; changes: Change[] }
  | { kind: 'usage'; message: string }
  | { kind: 'gates-failed'; failures: string[] };

export interface DecisionInput {
  from: Environment;
  to: Environment;
  source: Versions;
  target: Versions;
  gate: GateRecord | undefined;
  now: Date;
  /** Gates older than this do not count. */
  maxAgeMs: number;
}

const flatten = (v: Versions): Map<string, string | number> => {
  const out = new Map<string, string | number>();
  for (const [k, val] of Object.entries(v)) {
    if (k === 'models') for (const [m, ver] of Object.entries(val as Record<string, number>)) out.set(`models\u0000${m}`, ver);
    else out.set(k, val as string);
  }
  return out;
};

/** Every key whose value differs between source and target versions, in the source's order then removals. */
export function diffVersions(source: Versions, target: Versions): Change[] {
  const s = flatten(source);
  const t = flatten(target);
  const changes: Change[] = [];
  for (const [k, v] of s) if (t.get(k) !== v) changes.push({ path: k.split('\u0000'), from: t.get(k), to: v });
  for (const [k, v] of t) if (!s.has(k)) changes.push({ path: k.split('\u0000'), from: v, to: undefined });
  return changes;
}

const sameVersions = (a: Versions, b: Versions) => diffVersions(a, b).length === 0;

/** Whether `from`'s versions may move to `to`, given the gate record of `from`. */
export function decidePromotion(input: DecisionInput): Decision {
  const { from, to, gate } = input;
  if (from === to) return { kind: 'usage', message: `--from and --to are both ${from}` };
  if (to === 'prod' && from !== 'staging') return { kind: 'usage', message: `prod is promoted to only from staging, not from ${from}` };
  if (PROMOTION_PATHS[from] !== to) {
    return { kind: 'usage', message: `${from} promotes to ${PROMOTION_PATHS[from] ?? 'nothing (it is the last environment)'}, not ${to} (order: dev → staging → prod)` };
  }
  const failures: string[] = [];
  if (!gate) return { kind: 'gates-failed', failures: [`no gate record for ${from} (record one with \`gogooku3 stack gate record --env ${from} ...\`)`] };
  if (gate.env !== from) failures.push(`gate record is for ${gate.env}, not ${from}`);
  if (!sameVersions(gate.versions, input.source)) {
    const drift = diffVersions(input.source, gate.versions).map((c) => `${c.path.join('.')}: gated on ${c.from ?? '(none)'}, stack has ${c.to ?? '(none)'}`);
    failures.push(`versions: the gates were recorded on other versions than ${from} has now (${drift.join('; ')})`);
  }
  const age = input.now.getTime() - Date.parse(gate.recordedAt);
  if (age > input.maxAgeMs) failures.push(`age: gates recorded ${gate.recordedAt}, older than ${Math.round(input.maxAgeMs / 86_400_000)} days`);
  if (age < -5 * 60_000) failures.push(`age: gates recorded in the future (${gate.recordedAt})`);
  for (const name of GATE_NAMES) if (!gate.gates[name].pass) failures.push(`${name}: ${gate.gates[name].summary} [${gate.gates[name].source}]`);
  if (failures.length > 0) return { kind: 'gates-failed', failures };
  return { kind: 'promote', changes: diffVersions(input.source, input.target) };
}

const show = (v: string | number) => (typeof v === 'string' && /^[\w.+-]+$/.test(v) ? v : JSON.stringify(v));

/** A unified-style diff of the changed keys of the target stack file. */
export function formatDiff(file: string, from: Environment, changes: readonly Change[]): string {
  if (changes.length === 0) return `${file}: versions already equal to ${from}'s; nothing to promote\n`;
  const lines = [`--- ${file}`, `+++ ${file} (versions from ${from})`, `@@ ${VERSIONS_KEY} @@`];
  for (const c of changes) {
    const key = c.path.length > 1 ? `${c.path[0]}.${c.path.slice(1).join('.')}` : c.path[0];
    if (c.from !== undefined) lines.push(`-  ${key}: ${show(c.from)}`);
    if (c.to !== undefined) lines.push(`+  ${key}: ${show(c.to)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Applies the changes to the target stack file's Document in place, keeping comments, order and styles. */
export function applyChanges(doc: Document, changes: readonly Change[]): void {
  for (const c of changes) {
    const at = ['config', VERSIONS_KEY, ...c.path];
    if (c.to === undefined) {
      doc.deleteIn(at);
      continue;
    }
    const node = doc.getIn(at, true);
    if (isScalar(node)) node.value = c.to;
    else if (isMap(doc.getIn(at.slice(0, -1), true))) doc.setIn(at, c.to);
    else throw new Error(`${at.join('.')}: parent is not a mapping in the stack file`);
  }
}

/** The stack file's text after an edit; lineWidth 0 keeps the one-line flow mappings the files use. */
export const stringifyStackFile = (doc: Document) => doc.toString({ lineWidth: 0 });
