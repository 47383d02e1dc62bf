/**
 * Raw cell → typed value, before zod sees it. A value that cannot be read as the field's type is passed
 * through unchanged so zod reports it as a `type` issue with the original value.
 */
import type { FieldType } from './schema';

export type InputSource = 'csv' | 'typed';

/** Strict decimal: no hex, no "Infinity", no blanks (Number() would accept all three). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * J-Quants codes are the 4-character TSE local code plus a check digit that is always 0 (72030 → 7203,
 * 130A0 → 130A). Any other 5-character value is left alone for the pattern check to reject.
 */
export function normalizeJquantsCode(value: unknown): unknown {
  const text = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof text === 'string' && text.length === 5 && text.endsWith('0')) return text.slice(0, 4);
  return text;
}

function isoDateOf(value: Date): string | Date {
  const t = value.getTime();
  if (!Number.isFinite(t)) return value;
  return new Date(t).toISOString().slice(0, 10);
}

function toNumber(value: unknown, source: InputSource): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (source === 'csv' && typeof value === 'string' && DECIMAL.test(value)) return Number(value);
  return value;
}

function toBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  // J-Quants v1 sends UpperLimit/LowerLimit as "0"/"1"; CSV writers use true/false.
  switch (value.toLowerCase()) {
    case 'true': case '1': return true;
    case 'false': case '0': return false;
    default: return value;
  }
}

/**
 * Reads one cell. `undefined` means the column is absent; `null` means present but empty
 * (a CSV empty string counts as null).
 */
export function coerceCell(value: unknown, type: FieldType, source: InputSource, normalize?: 'jquants_code'): unknown {
  if (value === undefined || value === null) return value;
  if (source === 'csv' && value === '') return null;
  switch (type) {
    case 'integer':
    case 'number': return toNumber(value, source);
    case 'boolean': return toBoolean(value);
    case 'date': return value instanceof Date ? isoDateOf(value) : value;
    case 'string': return normalize === 'jquants_code' ? normalizeJquantsCode(value) : value;
  }
}

/** A short, never-throwing rendering of any value for messages. */
export function show(value: unknown): string {
  try {
    if (value === undefined) return 'nothing (column missing)';
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
    if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : 'Invalid Date';
    const json = JSON.stringify(value);
    if (json === undefined) return typeof value;
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return typeof value === 'object' ? 'an object' : typeof value;
  }
}
