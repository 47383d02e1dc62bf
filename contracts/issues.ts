/**
 * The one place zod's issue codes become contract rule names and messages. Rule names are part of the
 * CLI's JSON output and of dashboards' counts, so they must not follow zod's wording.
 */
import type { z } from 'zod';
import { show } from './coerce';
import { TYPE_DESCRIPTIONS } from './compile';
import type { FieldType } from './schema';

export interface Issue {
  /** 1-based data row (the header is not counted), shifted by rowOffset. */
  row: number;
  field: string;
  /** A stable identifier: required, type, integer, gt, gte, lt, lte, pattern, enum, min_length, max_length, tse_session, duplicate_key, or a contract rule's name. */
  rule: string;
  /** The value as read, before coercion. */
  value: unknown;
  message: string;
  /** name@version */
  contract: string;
}

export interface FieldContext {
  field: string;
  type: FieldType;
  /** The cell as given. */
  raw: unknown;
  /** The cell after coercion and normalisation (what zod saw). */
  value: unknown;
}

export type MappedIssue = Pick<Issue, 'field' | 'rule' | 'message'>;

function got(ctx: FieldContext): string {
  const shown = show(ctx.value);
  // "got \"7203X\" (read from \"7203X0\")" tells the user normalisation happened.
  return typeof ctx.raw === 'string' && typeof ctx.value === 'string' && ctx.raw !== ctx.value
    ? `${shown} (read from ${show(ctx.raw)})`
    : shown;
}

/** Maps one zod issue raised for a single field value. Unknown codes fall back to `type`, never throw. */
export function mapZodIssue(issue: z.core.$ZodIssue, ctx: FieldContext): MappedIssue {
  const { field } = ctx;
  const base = { field };
  switch (issue.code) {
    case 'invalid_type':
      if (ctx.value === undefined) return { ...base, rule: 'required', message: `${field} is required (column missing)` };
      if (ctx.value === null) return { ...base, rule: 'required', message: `${field} is required, got null` };
      if (issue.expected === 'int') return { ...base, rule: 'integer', message: `${field} must be an integer, got ${got(ctx)}` };
      return { ...base, rule: 'type', message: `${field} must be ${TYPE_DESCRIPTIONS[ctx.type]}, got ${got(ctx)}` };
    case 'too_small':
      if (issue.origin === 'string') return { ...base, rule: 'min_length', message: `${field} must have at least ${issue.minimum} characters, got ${got(ctx)}` };
      if (issue.origin === 'int') return { ...base, rule: 'integer', message: `${field} must be a safe integer, got ${got(ctx)}` };
      return issue.inclusive
        ? { ...base, rule: 'gte', message: `${field} must be >= ${issue.minimum}, got ${got(ctx)}` }
        : { ...base, rule: 'gt', message: `${field} must be > ${issue.minimum}, got ${got(ctx)}` };
    case 'too_big':
      if (issue.origin === 'string') return { ...base, rule: 'max_length', message: `${field} must have at most ${issue.maximum} characters, got ${got(ctx)}` };
      // z.int() bounds integers to the safe range; beyond it the value is not an exact integer.
      if (issue.origin === 'int') {
        return { ...base, rule: 'integer', message: `${field} must be a safe integer, got ${got(ctx)}` };
      }
      return issue.inclusive
        ? { ...base, rule: 'lte', message: `${field} must be <= ${issue.maximum}, got ${got(ctx)}` }
        : { ...base, rule: 'lt', message: `${field} must be < ${issue.maximum}, got ${got(ctx)}` };
    case 'invalid_format':
      if (issue.format === 'regex') {
        const pattern = (issue as { pattern?: string }).pattern ?? '';
        return { ...base, rule: 'pattern', message: `${field} must match ${pattern.replace(/^\/(.*)\/[a-z]*$/, '$1')}, got ${got(ctx)}` };
      }
      return { ...base, rule: 'type', message: `${field} must be ${TYPE_DESCRIPTIONS[ctx.type]}, got ${got(ctx)}` };
    case 'invalid_value':
      return { ...base, rule: 'enum', message: `${field} must be one of ${issue.values.map(String).join(', ')}, got ${got(ctx)}` };
    case 'custom': {
      const rule = typeof issue.params?.rule === 'string' ? issue.params.rule : 'type';
      return { ...base, rule, message: `${field}: ${issue.message}, got ${got(ctx)}` };
    }
    default:
      return { ...base, rule: 'type', message: `${field} must be ${TYPE_DESCRIPTIONS[ctx.type]}, got ${got(ctx)}` };
  }
}
