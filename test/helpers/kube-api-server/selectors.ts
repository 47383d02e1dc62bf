/**
 * Label and field selectors in the apiserver's string syntax, parsed once per request into predicates.
 */
import { badRequest, type Obj } from './errors';

export type Predicate = (obj: Obj) => boolean;

type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

/** Splits on commas outside parentheses: `a in (x,y),b` is two requirements. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string, selector: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) return { key: set[1], op: set[2] as 'in' | 'notin', values: set[3].split(',').map((v) => v.trim()).filter((v) => v !== '') };
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (cmp) return { key: cmp[1], op: cmp[2] === '!=' ? 'neq' : 'eq', value: cmp[3] };
  const missing = /^!\s*([^=!\s(),]+)$/.exec(text);
  if (missing) return { key: missing[1], op: 'notexists' };
  if (/^[^=!\s(),]+$/.test(text)) return { key: text, op: 'exists' };
  throw badRequest(`unable to parse requirement: ${JSON.stringify(text)} in selector ${JSON.stringify(selector)}`);
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq': return value === req.value;
    case 'neq': return value !== req.value;
    case 'in': return value !== undefined && req.values.includes(value);
    case 'notin': return value === undefined || !req.values.includes(value);
    case 'exists': return value !== undefined;
    case 'notexists': return value === undefined;
  }
}

export function labelSelector(selector: string | null): Predicate {
  if (!selector) return () => true;
  const reqs = splitTopLevel(selector).map((r) => parseRequirement(r, selector));
  return (obj) => {
    const labels: Record<string, string> = obj.metadata?.labels ?? {};
    return reqs.every((r) => matches(r, Object.prototype.hasOwnProperty.call(labels, r.key) ? String(labels[r.key]) : undefined));
  };
}

/** The value a field path names, as the apiserver's field-label conversion yields it ('' when absent). */
function fieldValue(obj: Obj, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Obj)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/**
 * Field selectors support =, == and != on any dotted path (the real server allows metadata.name and
 * metadata.namespace everywhere plus a per-kind list such as status.phase or involvedObject.name).
 */
export function fieldSelector(selector: string | null): Predicate {
  if (!selector) return () => true;
  const reqs = splitTopLevel(selector).map((text) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(text)}: only =, == and != are supported`);
    return { path: m[1], negate: m[2] === '!=', value: m[3] };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.negate);
}

/** When a field selector pins metadata.name or metadata.namespace, the store can look up instead of scan. */
export function pinnedField(selector: string | null, path: string): string | undefined {
  if (!selector) return undefined;
  for (const text of splitTopLevel(selector)) {
    const m = /^([^=!\s]+)\s*(==|=)\s*(\S*)$/.exec(text);
    if (m && m[1] === path) return m[3];
  }
  return undefined;
}
