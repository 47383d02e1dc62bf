/**
 * Row validation against a compiled contract. Total by design: whatever the rows hold, every input row
 * ends up either valid or quarantined with at least one issue, and nothing is thrown.
 */
import { TseCalendar } from '../pipelines/calendar';
import { coerceCell, show, type InputSource } from './coerce';
import type { CompiledContract, CompiledField } from './compile';
import { mapZodIssue, type Issue, type MappedIssue } from './issues';
import { checkRule, type CellState } from './rules';

export type { Issue, InputSource };

export interface SessionCalendar {
  isSession(date: string): boolean;
  /** Why a date is closed (holiday name, outage…), when the calendar knows. */
  closedReason?(date: string): string | null;
}

export interface ValidateOptions {
  /** Decides `tse_session`; defaults to TseCalendar.fromRules(). */
  calendar?: SessionCalendar;
  /** Added to row numbers, for validating a file in chunks. */
  rowOffset?: number;
  /** 'csv': cells are strings and '' is null. 'typed' (default): cells already hold numbers, booleans, null. */
  source?: InputSource;
}

export type ValidRow = Record<string, string | number | boolean | null>;

export interface QuarantinedRow {
  row: number;
  /** The input row as given. */
  record: Record<string, unknown>;
  issues: Issue[];
}

export interface ValidationResult {
  contract: string;
  valid: ValidRow[];
  quarantined: QuarantinedRow[];
  /** All issues, in row order. */
  issues: Issue[];
  /** Reported once per call, e.g. columns the contract does not know. */
  warnings: string[];
  counts: { input: number; valid: number; quarantined: number; byRule: Record<string, number> };
}

export type QuarantineStatus = 'ok' | 'warn' | 'fail';

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** System columns (`_ingested_at`, …) are kept when they hold plain values. */
function passThrough(value: unknown): string | number | boolean | null | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : undefined;
  return undefined;
}

interface ColumnPlan {
  extras: string[];
  system: string[];
  unknown: string[];
}

function planColumns(contract: CompiledContract, rows: readonly unknown[]): ColumnPlan {
  const seen = new Set<string>();
  for (const row of rows) {
    if (!isRecord(row)) continue;
    try {
      for (const key of Object.keys(row)) seen.add(key);
    } catch {
      // An exotic object whose keys cannot be listed is caught again, per row, below.
    }
  }
  const plan: ColumnPlan = { extras: [], system: [], unknown: [] };
  for (const key of seen) {
    if (contract.knownColumns.has(key)) continue;
    if (key.startsWith('_')) plan.system.push(key);
    else if (contract.extraFields?.pattern.test(key)) plan.extras.push(key);
    else plan.unknown.push(key);
  }
  return plan;
}

interface RowOutcome {
  issues: Issue[];
  out?: ValidRow;
  key?: string;
  /** Cells as given, by field; kept so duplicate issues can show the key as read. */
  raws?: ReadonlyMap<string, unknown>;
}

class RowValidator {
  private calendar?: SessionCalendar;

  constructor(private readonly contract: CompiledContract, private readonly plan: ColumnPlan, private readonly opts: ValidateOptions) {}

  private sessions(): SessionCalendar {
    this.calendar ??= this.opts.calendar ?? TseCalendar.fromRules();
    return this.calendar;
  }

  private issue(row: number, m: MappedIssue, value: unknown): Issue {
    return { row, field: m.field, rule: m.rule, value, message: m.message, contract: this.contract.id };
  }

  private checkCell(row: number, field: Pick<CompiledField, 'type' | 'schema' | 'normalize'> & { name: string }, raw: unknown, issues: Issue[]): CellState {
    const source = this.opts.source ?? 'typed';
    const value = coerceCell(raw, field.type, source, field.normalize);
    const parsed = field.schema.safeParse(value);
    if (!parsed.success) {
      for (const zi of parsed.error.issues) issues.push(this.issue(row, mapZodIssue(zi, { field: field.name, type: field.type, raw, value }), raw));
      return { kind: 'invalid' };
    }
    if (value === undefined) return { kind: 'absent' };
    if (value === null) return { kind: 'null' };
    return { kind: 'value', value };
  }

  private checkSession(row: number, field: string, date: string, raw: unknown, issues: Issue[]): boolean {
    let verdict: boolean | string;
    try {
      verdict = this.sessions().isSession(date);
    } catch (error) {
      verdict = error instanceof Error ? error.message : String(error);
    }
    if (verdict === true) return true;
    let why = typeof verdict === 'string' ? `cannot be checked against the TSE calendar: ${verdict}` : 'closed';
    if (verdict === false) {
      try {
        const reason = this.calendar?.closedReason?.(date);
        if (typeof reason === 'string' && reason) why = `closed: ${reason}`;
      } catch {
        // The reason only decorates the message.
      }
    }
    issues.push(this.issue(row, { field, rule: 'tse_session', message: `${field} must be a TSE trading session, got ${show(date)} (${why})` }, raw));
    return false;
  }

  validate(record: unknown, row: number): RowOutcome {
    const issues: Issue[] = [];
    if (!isRecord(record)) {
      issues.push(this.issue(row, { field: '', rule: 'row', message: `row must be a record of column values, got ${show(record)}` }, record));
      return { issues };
    }
    const cells = new Map<string, CellState>();
    const raws = new Map<string, unknown>();
    for (const f of this.contract.fields) {
      const column = hasOwn(record, f.name) ? f.name : f.aliases.find((a) => hasOwn(record, a));
      const raw = column === undefined ? undefined : record[column];
      raws.set(f.name, raw);
      let state = this.checkCell(row, f, raw, issues);
      if (state.kind === 'value' && f.rule === 'tse_session' && !this.checkSession(row, f.name, state.value as string, raw, issues)) {
        state = { kind: 'invalid' };
      }
      cells.set(f.name, state);
    }
    const extra = this.contract.extraFields;
    if (extra) {
      for (const name of this.plan.extras) {
        const raw = hasOwn(record, name) ? record[name] : undefined;
        raws.set(name, raw);
        cells.set(name, this.checkCell(row, { ...extra.field, name }, raw, issues));
      }
    }
    const lookup = (name: string): CellState => cells.get(name) ?? { kind: 'absent' };
    for (const rule of this.contract.rules) {
      const v = checkRule(rule, lookup);
      if (v) issues.push(this.issue(row, { field: v.field, rule: rule.name, message: v.message }, raws.get(v.field)));
    }
    const out: ValidRow = {};
    for (const [name, state] of cells) {
      if (state.kind === 'value') out[name] = state.value as string | number | boolean;
      else if (state.kind === 'null') out[name] = null;
    }
    for (const name of this.plan.system) {
      const v = hasOwn(record, name) ? passThrough(record[name]) : undefined;
      if (v !== undefined) out[name] = v;
    }
    const pk = this.contract.primaryKey;
    const keyCells = pk.map(lookup);
    if (keyCells.every((c) => c.kind === 'value')) {
      return { issues, out, raws, key: JSON.stringify(keyCells.map((c) => (c as { value: unknown }).value)) };
    }
    return { issues, out };
  }
}

function markDuplicates(contract: CompiledContract, outcomes: RowOutcome[], rowNumber: (i: number) => number): void {
  const groups = new Map<string, number[]>();
  outcomes.forEach((o, i) => {
    if (o.key === undefined) return;
    const g = groups.get(o.key);
    if (g) g.push(i);
    else groups.set(o.key, [i]);
  });
  const pk = contract.primaryKey;
  for (const [key, indices] of groups) {
    if (indices.length < 2) continue;
    const values = (JSON.parse(key) as unknown[]).map((v) => String(v)).join(', ');
    const listed = indices.slice(0, 10).map(rowNumber).join(', ') + (indices.length > 10 ? `, … (${indices.length} rows)` : '');
    for (const i of indices) {
      outcomes[i].issues.push({
        row: rowNumber(i), field: pk.join(','), rule: 'duplicate_key', value: Object.fromEntries(pk.map((n) => [n, outcomes[i].raws?.get(n)])),
        message: `duplicate primary key (${pk.join(', ')}) = (${values}) in rows ${listed}`, contract: contract.id,
      });
    }
  }
}

export function validateRows(contract: CompiledContract, rows: ReadonlyArray<Record<string, unknown>>, opts: ValidateOptions = {}): ValidationResult {
  const input: readonly unknown[] = Array.isArray(rows) ? rows : [];
  const offset = Number.isSafeInteger(opts.rowOffset) ? (opts.rowOffset as number) : 0;
  const rowNumber = (i: number) => offset + i + 1;
  const plan = planColumns(contract, input);
  const validator = new RowValidator(contract, plan, opts);
  const outcomes = input.map((record, i): RowOutcome => {
    try {
      return validator.validate(record, rowNumber(i));
    } catch (error) {
      // Only reachable through exotic inputs (throwing getters, revoked proxies); still one row, one verdict.
      const message = `row could not be validated: ${error instanceof Error ? error.message : show(error)}`;
      return { issues: [{ row: rowNumber(i), field: '', rule: 'internal', value: null, message, contract: contract.id }] };
    }
  });
  if (contract.doc.duplicate_policy === 'reject') markDuplicates(contract, outcomes, rowNumber);

  const result: ValidationResult = {
    contract: contract.id, valid: [], quarantined: [], issues: [], warnings: [],
    counts: { input: input.length, valid: 0, quarantined: 0, byRule: {} },
  };
  outcomes.forEach((o, i) => {
    if (o.issues.length === 0 && o.out) {
      result.valid.push(o.out);
      return;
    }
    const record = isRecord(input[i]) ? (input[i] as Record<string, unknown>) : { value: input[i] };
    result.quarantined.push({ row: rowNumber(i), record, issues: o.issues });
    for (const issue of o.issues) {
      result.issues.push(issue);
      result.counts.byRule[issue.rule] = (result.counts.byRule[issue.rule] ?? 0) + 1;
    }
  });
  result.counts.valid = result.valid.length;
  result.counts.quarantined = result.quarantined.length;
  if (plan.unknown.length > 0) {
    result.warnings.push(`ignored columns not in contract ${contract.id}: ${plan.unknown.map((k) => show(k)).join(', ')}`);
  }
  return result;
}

/** Any quarantined row warns; a quarantined share above maxRatio fails the load. */
export function decideQuarantine(result: Pick<ValidationResult, 'counts'>, maxRatio: number): { status: QuarantineStatus; ratio: number } {
  const { input, quarantined } = result.counts;
  const ratio = input === 0 ? 0 : quarantined / input;
  if (quarantined === 0) return { status: 'ok', ratio };
  return { status: ratio <= maxRatio ? 'warn' : 'fail', ratio };
}
