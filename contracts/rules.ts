/**
 * Cross-field rules: the fixed vocabulary a contract's `rules:` may use. A rule only looks at fields that
 * are present and passed their own checks, so one bad cell yields one issue, not a cascade.
 */
import { show } from './coerce';
import type { RuleDoc } from './schema';

/** What the validator knows about one field of one row. */
export type CellState =
  | { kind: 'absent' }
  | { kind: 'invalid' }
  | { kind: 'null' }
  | { kind: 'value'; value: unknown };

export interface RuleViolation {
  field: string;
  message: string;
}

/**
 * Relative tolerance for non-integer operands. Float noise from summing a few doubles is ~1e-15 relative;
 * 1e-12 absorbs it yet still catches a unit off at J-Quants magnitudes (~1e10 thousand yen).
 */
export const DEFAULT_TOLERANCE = 1e-12;

type Cells = (name: string) => CellState;

/**
 * Integers compare exactly (sums of safe integers are exact); other values within a relative tolerance.
 * A contract's explicit `tolerance` applies to integers too.
 */
export function nearlyEqual(a: number, b: number, tolerance?: number): boolean {
  if (tolerance === undefined && Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a === b;
  return Math.abs(a - b) <= (tolerance ?? DEFAULT_TOLERANCE) * Math.max(1, Math.abs(a), Math.abs(b));
}

function num(cells: Cells, name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  const c = cells(name);
  return c.kind === 'value' && typeof c.value === 'number' ? c.value : undefined;
}

function ordered(cells: Cells, name: string): number | string | undefined {
  const c = cells(name);
  return c.kind === 'value' && (typeof c.value === 'number' || typeof c.value === 'string') ? c.value : undefined;
}

function whenText(rule: RuleDoc): string {
  return rule.when ? ` when ${rule.when.field} is ${rule.when.in.map(String).join(' or ')}` : '';
}

function applies(rule: RuleDoc, cells: Cells): boolean {
  if (!rule.when) return true;
  const c = cells(rule.when.field);
  return c.kind === 'value' && rule.when.in.some((v) => v === c.value);
}

function extreme(rule: RuleDoc, cells: Cells, op: 'max' | 'min'): RuleViolation | null {
  const field = rule.field!;
  const value = num(cells, field);
  const others = (rule.of ?? []).map((n) => num(cells, n)).filter((v): v is number => v !== undefined);
  if (value === undefined || others.length === 0) return null;
  const bound = op === 'max' ? Math.max(...others) : Math.min(...others);
  if (op === 'max' ? value >= bound : value <= bound) return null;
  const sign = op === 'max' ? '>=' : '<=';
  return { field, message: `${field} must be ${sign} ${op}(${rule.of!.join(', ')}) = ${bound}${whenText(rule)}, got ${value}` };
}

function bound(rule: RuleDoc, cells: Cells): RuleViolation | null {
  const field = rule.field!;
  const v = num(cells, field);
  if (v === undefined) return null;
  const checks: Array<[number | undefined, string, (x: number, b: number) => boolean]> = [
    [rule.gt, '>', (x, b) => x > b], [rule.gte, '>=', (x, b) => x >= b],
    [rule.lt, '<', (x, b) => x < b], [rule.lte, '<=', (x, b) => x <= b],
  ];
  for (const [limit, sign, ok] of checks) {
    if (limit !== undefined && !ok(v, limit)) return { field, message: `${field} must be ${sign} ${limit}${whenText(rule)}, got ${v}` };
  }
  return null;
}

/** Returns the violation, or null when the rule holds or does not apply to this row. */
export function checkRule(rule: RuleDoc, cells: Cells): RuleViolation | null {
  if (!applies(rule, cells)) return null;
  switch (rule.kind) {
    case 'gte_max_of': return extreme(rule, cells, 'max');
    case 'lte_min_of': return extreme(rule, cells, 'min');
    case 'equals_difference': {
      const [v, a, b] = [num(cells, rule.field), num(cells, rule.minuend), num(cells, rule.subtrahend)];
      if (v === undefined || a === undefined || b === undefined) return null;
      if (nearlyEqual(v, a - b, rule.tolerance)) return null;
      return { field: rule.field!, message: `${rule.field} must equal ${rule.minuend} - ${rule.subtrahend} = ${a - b}${whenText(rule)}, got ${v}` };
    }
    case 'equals_sum': {
      const v = num(cells, rule.field);
      const parts = (rule.of ?? []).map((n) => num(cells, n));
      if (v === undefined || parts.some((p) => p === undefined)) return null;
      const sum = (parts as number[]).reduce((s, p) => s + p, 0);
      if (nearlyEqual(v, sum, rule.tolerance)) return null;
      return { field: rule.field!, message: `${rule.field} must equal ${rule.of!.join(' + ')} = ${sum}${whenText(rule)}, got ${v}` };
    }
    case 'not_before': {
      const [v, o] = [ordered(cells, rule.field!), ordered(cells, rule.other!)];
      if (v === undefined || o === undefined || typeof v !== typeof o || v >= o) return null;
      return { field: rule.field!, message: `${rule.field} must not be before ${rule.other} (${show(o)})${whenText(rule)}, got ${show(v)}` };
    }
    case 'all_or_none': {
      const names = rule.fields ?? [];
      const states = names.map((n) => cells(n));
      if (states.some((s) => s.kind === 'invalid')) return null;
      const nulls = names.filter((_, i) => states[i].kind === 'null');
      const set = names.filter((_, i) => states[i].kind === 'value');
      if (nulls.length === 0 || set.length === 0) return null;
      return { field: nulls[0], message: `${names.join(', ')} must be all null or all set${whenText(rule)}; null: ${nulls.join(', ')}; set: ${set.join(', ')}` };
    }
    case 'present': {
      const c = cells(rule.field!);
      if (c.kind !== 'null') return null;
      return { field: rule.field!, message: `${rule.field} is required${whenText(rule)}, got null` };
    }
    case 'bound': return bound(rule, cells);
  }
}
