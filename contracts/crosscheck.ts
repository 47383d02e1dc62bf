/**
 * Checks a contract document can mean something: names it refers to exist, constraints suit their types,
 * patterns compile. zod checks each key alone; these checks look across keys.
 */
import { BUILTIN_RULES, type Constraints, type ContractDoc, type FieldType, type RuleDoc } from './schema';

export interface RawProblem {
  path: Array<string | number>;
  message: string;
}

const NUMERIC: ReadonlySet<FieldType> = new Set(['integer', 'number']);

function checkConstraints(type: FieldType, c: Constraints, at: Array<string | number>, out: RawProblem[]): void {
  const numeric = NUMERIC.has(type);
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (c[key] !== undefined && !numeric) out.push({ path: [...at, key], message: `not allowed for type ${type} (only integer, number)` });
  }
  for (const key of ['pattern', 'min_length', 'max_length'] as const) {
    if (c[key] !== undefined && type !== 'string') out.push({ path: [...at, key], message: `not allowed for type ${type} (only string)` });
  }
  if (c.pattern !== undefined) {
    try {
      new RegExp(c.pattern);
    } catch (error) {
      out.push({ path: [...at, 'pattern'], message: `not a valid regular expression: ${(error as Error).message}` });
    }
  }
  if (c.enum !== undefined) {
    if (type === 'date' || type === 'boolean') out.push({ path: [...at, 'enum'], message: `not allowed for type ${type}` });
    const want = type === 'string' ? 'string' : 'number';
    c.enum.forEach((v, i) => {
      if (typeof v !== want || (type === 'integer' && !Number.isInteger(v))) {
        out.push({ path: [...at, 'enum', i], message: `${JSON.stringify(v)} is not ${type === 'integer' ? 'an integer' : `a ${want}`}` });
      }
    });
    for (const key of ['pattern', 'min_length', 'max_length', 'gt', 'gte', 'lt', 'lte'] as const) {
      if (c[key] !== undefined) out.push({ path: [...at, key], message: 'cannot be combined with enum (the enum already lists every allowed value)' });
    }
  }
  const low = c.gt ?? c.gte;
  const high = c.lt ?? c.lte;
  if (low !== undefined && high !== undefined && (low > high || (low === high && (c.gt !== undefined || c.lt !== undefined)))) {
    out.push({ path: at, message: 'the bounds leave no allowed value' });
  }
  if (c.min_length !== undefined && c.max_length !== undefined && c.min_length > c.max_length) {
    out.push({ path: [...at, 'min_length'], message: 'is greater than max_length' });
  }
}

function checkRule(doc: ContractDoc, types: Map<string, FieldType>, rule: RuleDoc, i: number, out: RawProblem[]): void {
  const at: Array<string | number> = ['rules', i];
  const ref = (name: string | undefined, p: Array<string | number>, want?: 'numeric' | 'ordered'): void => {
    if (name === undefined) return;
    const type = types.get(name);
    if (!type) {
      out.push({ path: [...at, ...p], message: `unknown field "${name}" (fields: ${doc.fields.map((f) => f.name).join(', ')})` });
    } else if (want === 'numeric' && !NUMERIC.has(type)) {
      out.push({ path: [...at, ...p], message: `field "${name}" is ${type}; kind ${rule.kind} needs integer or number` });
    } else if (want === 'ordered' && !(NUMERIC.has(type) || type === 'date')) {
      out.push({ path: [...at, ...p], message: `field "${name}" is ${type}; kind ${rule.kind} needs a date or a number` });
    }
  };
  const numericKinds = new Set(['gte_max_of', 'lte_min_of', 'equals_difference', 'equals_sum', 'bound']);
  const want = numericKinds.has(rule.kind) ? 'numeric' : rule.kind === 'not_before' ? 'ordered' : undefined;
  ref(rule.field, ['field'], want);
  rule.of?.forEach((n, j) => ref(n, ['of', j], want));
  rule.fields?.forEach((n, j) => ref(n, ['fields', j]));
  ref(rule.minuend, ['minuend'], want);
  ref(rule.subtrahend, ['subtrahend'], want);
  ref(rule.other, ['other'], want);
  if (rule.kind === 'not_before' && rule.field && rule.other) {
    const a = types.get(rule.field);
    const b = types.get(rule.other);
    if (a && b && (a === 'date') !== (b === 'date')) {
      out.push({ path: [...at, 'other'], message: `compares ${a} with ${b}; both must be dates or both numbers` });
    }
  }
  if (rule.when) {
    const type = types.get(rule.when.field);
    if (!type) out.push({ path: [...at, 'when', 'field'], message: `unknown field "${rule.when.field}"` });
    rule.when.in.forEach((v, j) => {
      const ok = type === undefined || (NUMERIC.has(type) ? typeof v === 'number' : type === 'boolean' ? typeof v === 'boolean' : typeof v === 'string');
      if (!ok) out.push({ path: [...at, 'when', 'in', j], message: `${JSON.stringify(v)} cannot equal a ${type} value` });
    });
  }
  if ((BUILTIN_RULES as readonly string[]).includes(rule.name)) {
    out.push({ path: [...at, 'name'], message: `"${rule.name}" is a built-in rule name (${BUILTIN_RULES.join(', ')})` });
  }
}

export function crossCheck(doc: ContractDoc): RawProblem[] {
  const out: RawProblem[] = [];
  const types = new Map<string, FieldType>();
  doc.fields.forEach((f, i) => {
    if (types.has(f.name)) out.push({ path: ['fields', i, 'name'], message: `duplicate field "${f.name}"` });
    types.set(f.name, f.type);
    if (f.constraints) checkConstraints(f.type, f.constraints, ['fields', i, 'constraints'], out);
    if (f.normalize === 'jquants_code' && f.type !== 'string') out.push({ path: ['fields', i, 'normalize'], message: 'jquants_code needs type string' });
    if (f.rule === 'tse_session' && f.type !== 'date') out.push({ path: ['fields', i, 'rule'], message: 'tse_session needs type date' });
  });
  const names = new Set(doc.fields.map((f) => f.name));
  const aliasOf = new Map<string, string>();
  doc.fields.forEach((f, i) => f.aliases?.forEach((alias, j) => {
    const clash = names.has(alias) ? `field "${alias}"` : aliasOf.has(alias) ? `an alias of "${aliasOf.get(alias)}"` : undefined;
    if (clash) out.push({ path: ['fields', i, 'aliases', j], message: `"${alias}" is already ${clash}` });
    aliasOf.set(alias, f.name);
  }));
  const pkSeen = new Set<string>();
  doc.primary_key.forEach((name, i) => {
    const field = doc.fields.find((f) => f.name === name);
    if (!field) out.push({ path: ['primary_key', i], message: `unknown field "${name}"` });
    else if (field.nullable || field.optional) out.push({ path: ['primary_key', i], message: `field "${name}" is nullable or optional; key fields must always be present` });
    if (pkSeen.has(name)) out.push({ path: ['primary_key', i], message: `"${name}" is listed twice` });
    pkSeen.add(name);
  });
  for (const key of ['event_time', 'available_time'] as const) {
    const name = doc.time[key];
    if (name === undefined) continue;
    const type = types.get(name);
    if (type !== 'date') out.push({ path: ['time', key], message: type ? `field "${name}" is ${type}, not date` : `unknown field "${name}"` });
  }
  if (!doc.time.processing_time.startsWith('_') && !types.has(doc.time.processing_time)) {
    out.push({ path: ['time', 'processing_time'], message: `unknown field "${doc.time.processing_time}" (system columns start with _)` });
  }
  if (doc.extra_fields) {
    try {
      new RegExp(doc.extra_fields.name_pattern);
    } catch (error) {
      out.push({ path: ['extra_fields', 'name_pattern'], message: `not a valid regular expression: ${(error as Error).message}` });
    }
    if (doc.extra_fields.constraints) checkConstraints(doc.extra_fields.type, doc.extra_fields.constraints, ['extra_fields', 'constraints'], out);
  }
  const ruleNames = new Set<string>();
  (doc.rules ?? []).forEach((rule, i) => {
    if (ruleNames.has(rule.name)) out.push({ path: ['rules', i, 'name'], message: `duplicate rule name "${rule.name}"` });
    ruleNames.add(rule.name);
    checkRule(doc, types, rule, i, out);
  });
  return out;
}
