/**
 * Compatibility of two versions of a contract. "Breaking" means data or producers that satisfied the old
 * contract may fail the new one, or consumers lose something they relied on (a field, a key, a promise).
 */
import { DEFAULT_TOLERANCE } from './rules';
import type { Constraints, ContractDoc, FieldDoc, RuleDoc } from './schema';

export type ChangeKind =
  | 'name_changed' | 'description_changed' | 'primary_key_changed' | 'duplicate_policy_changed'
  | 'missing_policy_changed' | 'time_changed' | 'quarantine_changed'
  | 'field_added' | 'field_removed' | 'type_changed' | 'nullable_changed' | 'optional_changed'
  | 'constraint_changed' | 'aliases_changed' | 'normalize_changed' | 'field_rule_changed' | 'field_doc_changed'
  | 'extra_fields_changed' | 'rule_added' | 'rule_removed' | 'rule_changed'
  | 'version_not_bumped' | 'version_not_increased';

export interface Change {
  kind: ChangeKind;
  field?: string;
  breaking: boolean;
  detail: string;
}

export interface DiffResult {
  breaking: boolean;
  changes: Change[];
}

type Bound = { value: number; strict: boolean } | undefined;

/** > 0 when `b` admits fewer values than `a` on this side. */
function compareBound(a: Bound, b: Bound, side: 'lower' | 'upper'): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const dir = side === 'lower' ? 1 : -1;
  if (a.value !== b.value) return (b.value - a.value) * dir > 0 ? 1 : -1;
  return a.strict === b.strict ? 0 : b.strict ? 1 : -1;
}

function bounds(c: Constraints): { lower: Bound; upper: Bound } {
  const lower = c.gt !== undefined ? { value: c.gt, strict: true } : c.gte !== undefined ? { value: c.gte, strict: false } : undefined;
  const upper = c.lt !== undefined ? { value: c.lt, strict: true } : c.lte !== undefined ? { value: c.lte, strict: false } : undefined;
  return { lower, upper };
}

const showBound = (b: Bound, side: 'lower' | 'upper') =>
  b === undefined ? 'none' : `${side === 'lower' ? (b.strict ? '>' : '>=') : b.strict ? '<' : '<='} ${b.value}`;

function diffConstraints(field: string, a: Constraints = {}, b: Constraints = {}): Change[] {
  const out: Change[] = [];
  const push = (breaking: boolean, detail: string) => out.push({ kind: 'constraint_changed', field, breaking, detail });
  const [ba, bb] = [bounds(a), bounds(b)];
  for (const side of ['lower', 'upper'] as const) {
    const cmp = compareBound(ba[side], bb[side], side);
    if (cmp !== 0) push(cmp > 0, `${side} bound ${cmp > 0 ? 'tightened' : 'loosened'}: ${showBound(ba[side], side)} → ${showBound(bb[side], side)}`);
  }
  if (a.enum || b.enum) {
    const [ea, eb] = [new Set(a.enum ?? []), new Set(b.enum ?? [])];
    if (!a.enum) push(true, `enum added: ${[...eb].join(', ')}`);
    else if (!b.enum) push(false, 'enum removed (any value allowed)');
    else {
      const removed = [...ea].filter((v) => !eb.has(v));
      const added = [...eb].filter((v) => !ea.has(v));
      if (removed.length > 0) push(true, `enum values removed: ${removed.join(', ')}`);
      if (added.length > 0) push(false, `enum values added: ${added.join(', ')}`);
    }
  }
  if (a.pattern !== b.pattern) {
    if (b.pattern === undefined) push(false, `pattern removed (was ${a.pattern})`);
    else push(true, `pattern ${a.pattern === undefined ? 'added' : 'changed'}: ${a.pattern ?? 'none'} → ${b.pattern}`);
  }
  const lenA = { min: a.min_length ?? 0, max: a.max_length ?? Infinity };
  const lenB = { min: b.min_length ?? 0, max: b.max_length ?? Infinity };
  if (lenA.min !== lenB.min) push(lenB.min > lenA.min, `min_length ${lenA.min} → ${lenB.min}`);
  if (lenA.max !== lenB.max) push(lenB.max < lenA.max, `max_length ${lenA.max} → ${lenB.max}`);
  return out;
}

type FieldLike = Pick<FieldDoc, 'type' | 'nullable' | 'constraints'> & Partial<Pick<FieldDoc, 'optional' | 'normalize' | 'rule' | 'description' | 'unit' | 'aliases'>>;

function diffField(name: string, a: FieldLike, b: FieldLike): Change[] {
  const out: Change[] = [];
  if (a.type !== b.type) {
    const widened = a.type === 'integer' && b.type === 'number';
    const narrowed = a.type === 'number' && b.type === 'integer';
    out.push({ kind: 'type_changed', field: name, breaking: !widened,
      detail: `type ${a.type} → ${b.type}${widened ? ' (widened)' : narrowed ? ' (narrowed: fractional values now fail)' : ''}` });
  }
  if (a.nullable !== b.nullable) {
    out.push({ kind: 'nullable_changed', field: name, breaking: !b.nullable, detail: b.nullable ? 'now nullable' : 'no longer nullable (nulls now fail)' });
  }
  if ((a.optional ?? false) !== (b.optional ?? false)) {
    out.push({ kind: 'optional_changed', field: name, breaking: !b.optional, detail: b.optional ? 'column now optional' : 'column now required (files without it fail)' });
  }
  out.push(...diffConstraints(name, a.constraints, b.constraints));
  const [aa, ab] = [a.aliases ?? [], b.aliases ?? []];
  const aliasesRemoved = aa.filter((x) => !ab.includes(x));
  const aliasesAdded = ab.filter((x) => !aa.includes(x));
  if (aliasesRemoved.length > 0) out.push({ kind: 'aliases_changed', field: name, breaking: true, detail: `input aliases removed: ${aliasesRemoved.join(', ')}` });
  if (aliasesAdded.length > 0) out.push({ kind: 'aliases_changed', field: name, breaking: false, detail: `input aliases added: ${aliasesAdded.join(', ')}` });
  if (a.normalize !== b.normalize) {
    out.push({ kind: 'normalize_changed', field: name, breaking: b.normalize === undefined || a.normalize !== undefined,
      detail: `normalize ${a.normalize ?? 'none'} → ${b.normalize ?? 'none'}` });
  }
  if (a.rule !== b.rule) {
    out.push({ kind: 'field_rule_changed', field: name, breaking: b.rule !== undefined, detail: `rule ${a.rule ?? 'none'} → ${b.rule ?? 'none'}` });
  }
  if (a.description !== b.description || a.unit !== b.unit) {
    out.push({ kind: 'field_doc_changed', field: name, breaking: false, detail: a.unit !== b.unit ? `unit ${a.unit ?? 'none'} → ${b.unit ?? 'none'}` : 'description changed' });
  }
  return out;
}

/** Duration in seconds, months and years approximated; only used to order two watermarks. */
export function durationSeconds(iso: string): number {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return NaN;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((x) => (x ? Number(x) : 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60) + s;
}

function ruleBody(r: RuleDoc): string {
  const { description: _d, tolerance: _t, ...rest } = r;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

function diffRules(a: RuleDoc[], b: RuleDoc[]): Change[] {
  const out: Change[] = [];
  const before = new Map(a.map((r) => [r.name, r]));
  const after = new Map(b.map((r) => [r.name, r]));
  for (const [name, r] of before) {
    if (!after.has(name)) out.push({ kind: 'rule_removed', field: r.field, breaking: false, detail: `rule ${name} (${r.kind}) removed` });
  }
  for (const [name, r] of after) {
    const old = before.get(name);
    if (!old) {
      out.push({ kind: 'rule_added', field: r.field, breaking: true, detail: `rule ${name} (${r.kind}) added: existing rows may violate it` });
    } else if (ruleBody(old) !== ruleBody(r)) {
      out.push({ kind: 'rule_changed', field: r.field, breaking: true, detail: `rule ${name} changed` });
    } else if (r.tolerance !== old.tolerance) {
      // No tolerance means exact for integers, so adding one loosens and removing one tightens.
      const [before, after] = [old.tolerance ?? 0, r.tolerance ?? 0];
      out.push({ kind: 'rule_changed', field: r.field, breaking: after < before,
        detail: `rule ${name} tolerance ${old.tolerance ?? `default (exact for integers, ${DEFAULT_TOLERANCE} otherwise)`} → ${r.tolerance ?? 'default'}` });
    } else if (old.description !== r.description) {
      out.push({ kind: 'rule_changed', field: r.field, breaking: false, detail: `rule ${name} description changed` });
    }
  }
  return out;
}

function diffTop(a: ContractDoc, b: ContractDoc): Change[] {
  const out: Change[] = [];
  if (a.name !== b.name) out.push({ kind: 'name_changed', breaking: true, detail: `name ${a.name} → ${b.name}` });
  if (a.description !== b.description) out.push({ kind: 'description_changed', breaking: false, detail: 'description changed' });
  if (a.primary_key.join(',') !== b.primary_key.join(',')) {
    const sameSet = a.primary_key.length === b.primary_key.length && a.primary_key.every((k) => b.primary_key.includes(k));
    out.push({ kind: 'primary_key_changed', breaking: !sameSet,
      detail: `primary key (${a.primary_key.join(', ')}) → (${b.primary_key.join(', ')})${sameSet ? ' (reordered only)' : ''}` });
  }
  if (a.duplicate_policy !== b.duplicate_policy) {
    out.push({ kind: 'duplicate_policy_changed', breaking: true, detail: `duplicate_policy ${a.duplicate_policy} → ${b.duplicate_policy}` });
  }
  const [ma, mb] = [a.missing_policy, b.missing_policy];
  if (ma.strategy !== mb.strategy) out.push({ kind: 'missing_policy_changed', breaking: true, detail: `missing strategy ${ma.strategy} → ${mb.strategy}` });
  if (ma.max_gap !== mb.max_gap) {
    out.push({ kind: 'missing_policy_changed', breaking: mb.max_gap < ma.max_gap, detail: `max_gap ${ma.max_gap} → ${mb.max_gap}` });
  }
  for (const key of ['event_time', 'processing_time', 'available_time'] as const) {
    if (a.time[key] !== b.time[key]) out.push({ kind: 'time_changed', breaking: true, detail: `time.${key} ${a.time[key] ?? 'none'} → ${b.time[key] ?? 'none'}` });
  }
  if (a.time.watermark !== b.time.watermark) {
    // A later watermark weakens the completeness promise consumers schedule on.
    const later = !(durationSeconds(b.time.watermark) <= durationSeconds(a.time.watermark));
    out.push({ kind: 'time_changed', breaking: later, detail: `watermark ${a.time.watermark} → ${b.time.watermark}${later ? ' (data complete later)' : ''}` });
  }
  if (a.quarantine.max_ratio !== b.quarantine.max_ratio) {
    out.push({ kind: 'quarantine_changed', breaking: b.quarantine.max_ratio < a.quarantine.max_ratio,
      detail: `quarantine.max_ratio ${a.quarantine.max_ratio} → ${b.quarantine.max_ratio}` });
  }
  const [xa, xb] = [a.extra_fields, b.extra_fields];
  if (!xa && xb) out.push({ kind: 'extra_fields_changed', breaking: true, detail: `extra_fields added: columns matching ${xb.name_pattern} are now checked` });
  else if (xa && !xb) out.push({ kind: 'extra_fields_changed', breaking: true, detail: 'extra_fields removed: those columns are no longer part of the contract' });
  else if (xa && xb) {
    if (xa.name_pattern !== xb.name_pattern) out.push({ kind: 'extra_fields_changed', breaking: true, detail: `extra_fields.name_pattern ${xa.name_pattern} → ${xb.name_pattern}` });
    out.push(...diffField('(extra_fields)', xa, xb));
  }
  return out;
}

function semver(v: string): [number, number, number] {
  const [maj, min, pat] = v.split(/[.-]/).map(Number);
  return [maj || 0, min || 0, pat || 0];
}

function versionChanges(a: ContractDoc, b: ContractDoc, breaking: boolean, changed: boolean): Change[] {
  const [va, vb] = [semver(a.version), semver(b.version)];
  const cmp = va[0] - vb[0] || va[1] - vb[1] || va[2] - vb[2];
  // Semantic versioning lets 0.x contracts break in a minor release.
  const bumped = va[0] === 0 ? vb[0] > 0 || vb[1] > va[1] : vb[0] > va[0];
  if (breaking && !bumped) {
    return [{ kind: 'version_not_bumped', breaking: true,
      detail: `breaking change but version ${a.version} → ${b.version}; bump the major version (${va[0] + 1}.0.0)` }];
  }
  if (changed && cmp >= 0) {
    return [{ kind: 'version_not_increased', breaking: false, detail: `contract changed but version ${a.version} → ${b.version} did not increase` }];
  }
  return [];
}

export function diffContracts(oldDoc: ContractDoc, newDoc: ContractDoc): DiffResult {
  const changes = diffTop(oldDoc, newDoc);
  const before = new Map(oldDoc.fields.map((f) => [f.name, f]));
  const after = new Map(newDoc.fields.map((f) => [f.name, f]));
  for (const [name] of before) {
    if (!after.has(name)) changes.push({ kind: 'field_removed', field: name, breaking: true, detail: `field ${name} removed` });
  }
  for (const [name, f] of after) {
    const old = before.get(name);
    if (old) {
      changes.push(...diffField(name, old, f));
      continue;
    }
    const soft = f.nullable || f.optional === true;
    changes.push({ kind: 'field_added', field: name, breaking: !soft,
      detail: `field ${name} (${f.type}${f.nullable ? ', nullable' : ''}${f.optional ? ', optional' : ''}) added${soft ? '' : ': existing rows have no value for it'}` });
  }
  changes.push(...diffRules(oldDoc.rules ?? [], newDoc.rules ?? []));
  const breaking = changes.some((c) => c.breaking);
  changes.push(...versionChanges(oldDoc, newDoc, breaking, changes.length > 0));
  return { breaking, changes };
}
