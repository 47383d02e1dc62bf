/**
 * The shape of a contract file (contracts/*.yaml). Every object is strict so a typo in a contract is an
 * error naming the key instead of a silently ignored setting.
 */
import { z } from 'zod';

export const FIELD_TYPES = ['string', 'integer', 'number', 'date', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const NORMALIZERS = ['jquants_code'] as const;
export const FIELD_RULES = ['tse_session'] as const;
export const MISSING_STRATEGIES = ['forward_fill', 'none'] as const;
export const DUPLICATE_POLICIES = ['reject'] as const;

/** The fixed vocabulary of cross-field rules; rules.ts implements each one. */
export const RULE_KINDS = [
  'gte_max_of', 'lte_min_of', 'equals_difference', 'equals_sum', 'not_before', 'all_or_none', 'present', 'bound',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Rule names the validator itself emits; a cross-field rule may not reuse one (counts.byRule would mix them). */
export const BUILTIN_RULES = [
  'required', 'type', 'integer', 'gt', 'gte', 'lt', 'lte', 'pattern', 'enum', 'min_length', 'max_length',
  'tse_session', 'duplicate_key', 'row', 'internal',
] as const;

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
/** ISO 8601 duration (PnYnMnWnDTnHnMnS); at least one component. */
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
/** Identifiers start with a letter so no field can be called __proto__ or collide with system columns (`_…`). */
const IDENT = /^[a-z][a-z0-9_]*$/;

const ident = () => z.string().regex(IDENT, { error: 'must be snake_case: a lowercase letter, then [a-z0-9_]' });

export const ConstraintsSchema = z.strictObject({
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  pattern: z.string().min(1).optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  min_length: z.int().nonnegative().optional(),
  max_length: z.int().nonnegative().optional(),
});
export type Constraints = z.infer<typeof ConstraintsSchema>;

export const FieldSchema = z.strictObject({
  name: ident(),
  type: z.enum(FIELD_TYPES),
  /** The value may be null (e.g. OHLC on a no-trade day). */
  nullable: z.boolean(),
  /** The column may be absent from the input altogether. */
  optional: z.boolean().optional(),
  description: z.string().min(1),
  /** Other input column names read into this field (J-Quants' `code` for `ticker`); output uses `name`. */
  aliases: z.array(ident()).min(1).optional(),
  unit: z.string().min(1).optional(),
  constraints: ConstraintsSchema.optional(),
  normalize: z.enum(NORMALIZERS).optional(),
  rule: z.enum(FIELD_RULES).optional(),
});
export type FieldDoc = z.infer<typeof FieldSchema>;

/** Columns that are not declared one by one (feature values): any name matching name_pattern gets this type. */
export const ExtraFieldsSchema = z.strictObject({
  name_pattern: z.string().min(1),
  type: z.enum(['integer', 'number', 'boolean', 'string']),
  nullable: z.boolean(),
  description: z.string().min(1),
  constraints: ConstraintsSchema.optional(),
});
export type ExtraFieldsDoc = z.infer<typeof ExtraFieldsSchema>;

export const WhenSchema = z.strictObject({
  field: ident(),
  in: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
});

/** Props each rule kind needs; anything else on a rule of that kind is rejected by the refinement below. */
export const RULE_PROPS: Record<RuleKind, { required: readonly string[]; optional: readonly string[] }> = {
  gte_max_of: { required: ['field', 'of'], optional: [] },
  lte_min_of: { required: ['field', 'of'], optional: [] },
  equals_difference: { required: ['field', 'minuend', 'subtrahend'], optional: ['tolerance'] },
  equals_sum: { required: ['field', 'of'], optional: ['tolerance'] },
  not_before: { required: ['field', 'other'], optional: [] },
  all_or_none: { required: ['fields'], optional: [] },
  present: { required: ['field'], optional: [] },
  bound: { required: ['field'], optional: ['gt', 'gte', 'lt', 'lte'] },
};
const COMMON_RULE_PROPS = ['name', 'kind', 'description', 'when'];

export const RuleSchema = z.strictObject({
  name: ident(),
  kind: z.enum(RULE_KINDS),
  description: z.string().min(1).optional(),
  /** The rule applies only to rows where `when.field` has one of the listed values. */
  when: WhenSchema.optional(),
  field: ident().optional(),
  of: z.array(ident()).min(1).optional(),
  fields: z.array(ident()).min(2).optional(),
  minuend: ident().optional(),
  subtrahend: ident().optional(),
  other: ident().optional(),
  /**
   * Relative tolerance for equalities: |a − b| ≤ tolerance × max(1, |a|, |b|). Without it, integers must
   * match exactly and other numbers within 1e-12 (float noise).
   */
  tolerance: z.number().nonnegative().optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
}).superRefine((rule, ctx) => {
  const props = RULE_PROPS[rule.kind];
  for (const key of props.required) {
    if ((rule as Record<string, unknown>)[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `required for kind ${rule.kind}` });
    }
  }
  const allowed = new Set([...COMMON_RULE_PROPS, ...props.required, ...props.optional]);
  for (const [key, value] of Object.entries(rule)) {
    if (value !== undefined && !allowed.has(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `not allowed for kind ${rule.kind} (allowed: ${[...allowed].join(', ')})` });
    }
  }
  if (rule.kind === 'bound' && ['gt', 'gte', 'lt', 'lte'].every((k) => (rule as Record<string, unknown>)[k] === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'kind bound needs at least one of gt, gte, lt, lte' });
  }
  if (rule.kind === 'equals_sum' && (rule.of?.length ?? 0) < 2) {
    ctx.addIssue({ code: 'custom', path: ['of'], message: 'equals_sum needs at least two fields' });
  }
});
export type RuleDoc = z.infer<typeof RuleSchema>;

export const ContractDocSchema = z.strictObject({
  name: ident(),
  version: z.string().regex(SEMVER, { error: 'must be a semantic version MAJOR.MINOR.PATCH, e.g. 1.0.0' }),
  description: z.string().min(1),
  primary_key: z.array(ident()).min(1),
  duplicate_policy: z.enum(DUPLICATE_POLICIES),
  missing_policy: z.strictObject({
    strategy: z.enum(MISSING_STRATEGIES),
    /** Longest run of consecutive missing periods that may be filled; longer gaps stay missing. */
    max_gap: z.int().nonnegative(),
  }),
  time: z.strictObject({
    event_time: ident(),
    processing_time: z.string().regex(/^_?[a-z][a-z0-9_]*$/),
    /** ISO 8601 duration after the start (00:00 JST) of the event date by which the data is expected complete. */
    watermark: z.string().regex(ISO_DURATION, { error: 'must be an ISO 8601 duration such as PT18H or P7D' }),
    /** When a row becomes usable point-in-time (e.g. published_date), if not the event time itself. */
    available_time: ident().optional(),
  }),
  quarantine: z.strictObject({
    /** Quarantined share of rows up to which a load only warns; above it the load fails. */
    max_ratio: z.number().min(0).max(1),
  }),
  fields: z.array(FieldSchema).min(1),
  extra_fields: ExtraFieldsSchema.optional(),
  rules: z.array(RuleSchema).optional(),
});
export type ContractDoc = z.infer<typeof ContractDocSchema>;

/** The keys an object at `path` may have, for "unknown key" messages. */
export function allowedKeysAt(path: ReadonlyArray<PropertyKey>): string[] | undefined {
  const p = path.filter((k) => typeof k === 'string');
  const key = p.join('.');
  const table: Record<string, string[]> = {
    '': Object.keys(ContractDocSchema.shape),
    fields: Object.keys(FieldSchema.shape),
    'fields.constraints': Object.keys(ConstraintsSchema.shape),
    extra_fields: Object.keys(ExtraFieldsSchema.shape),
    'extra_fields.constraints': Object.keys(ConstraintsSchema.shape),
    missing_policy: Object.keys(ContractDocSchema.shape.missing_policy.shape),
    time: Object.keys(ContractDocSchema.shape.time.shape),
    quarantine: Object.keys(ContractDocSchema.shape.quarantine.shape),
    rules: [...COMMON_RULE_PROPS, ...new Set(Object.values(RULE_PROPS).flatMap((p) => [...p.required, ...p.optional]))],
    'rules.when': Object.keys(WhenSchema.shape),
  };
  return table[key];
}
