/**
 * Turns a checked contract document into zod schemas. Normalisation and CSV coercion happen before zod
 * (see coerce.ts) so the schemas stay free of transforms and export cleanly with z.toJSONSchema.
 */
import { z } from 'zod';
import type { Constraints, ContractDoc, FieldDoc, FieldType, RuleDoc } from './schema';

export interface CompiledField {
  name: string;
  type: FieldType;
  nullable: boolean;
  optional: boolean;
  description: string;
  /** Input column names read into this field besides `name`. */
  aliases: string[];
  constraints: Constraints;
  normalize?: 'jquants_code';
  rule?: 'tse_session';
  /** Accepts a coerced, normalised value (or undefined when the column is absent). */
  schema: z.ZodType;
}

export interface CompiledExtraFields {
  pattern: RegExp;
  field: Omit<CompiledField, 'name'>;
}

export interface CompiledContract {
  name: string;
  version: string;
  /** name@version, carried by every issue. */
  id: string;
  /** Where the contract came from (file path or a label). */
  source: string;
  doc: ContractDoc;
  fields: CompiledField[];
  fieldsByName: ReadonlyMap<string, CompiledField>;
  /** Every input column name a declared field reads (names and aliases). */
  knownColumns: ReadonlySet<string>;
  primaryKey: string[];
  rules: RuleDoc[];
  extraFields?: CompiledExtraFields;
  /** Columns a file must have: declared fields not marked optional. */
  requiredColumns: string[];
  /** Default quarantine threshold (quarantine.max_ratio); callers may override. */
  maxRatio: number;
  /** One row: z.object of the declared fields (unknown keys are stripped, not rejected). */
  schema: z.ZodObject;
}

export const TYPE_DESCRIPTIONS: Record<FieldType, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a finite number',
  date: 'a date YYYY-MM-DD',
  boolean: 'a boolean (true/false)',
};

function numberSchema(type: 'integer' | 'number', c: Constraints): z.ZodType {
  if (c.enum) return z.literal(c.enum.filter((v): v is number => typeof v === 'number'));
  let s = type === 'integer' ? z.int() : z.number();
  if (c.gt !== undefined) s = s.gt(c.gt);
  if (c.gte !== undefined) s = s.gte(c.gte);
  if (c.lt !== undefined) s = s.lt(c.lt);
  if (c.lte !== undefined) s = s.lte(c.lte);
  return s;
}

function stringSchema(c: Constraints): z.ZodType {
  if (c.enum) {
    const values = c.enum.filter((v): v is string => typeof v === 'string');
    return z.enum(values as [string, ...string[]]);
  }
  let s = z.string();
  if (c.pattern !== undefined) s = s.regex(new RegExp(c.pattern));
  if (c.min_length !== undefined) s = s.min(c.min_length);
  if (c.max_length !== undefined) s = s.max(c.max_length);
  return s;
}

export function valueSchema(type: FieldType, constraints: Constraints, nullable: boolean, optional: boolean, description?: string): z.ZodType {
  let s: z.ZodType;
  switch (type) {
    case 'integer':
    case 'number': s = numberSchema(type, constraints); break;
    case 'string': s = stringSchema(constraints); break;
    case 'date': s = z.iso.date(); break;
    case 'boolean': s = z.boolean(); break;
  }
  if (nullable) s = s.nullable();
  if (optional) s = s.optional();
  return description ? s.describe(description) : s;
}

function compileField(f: FieldDoc): CompiledField {
  const constraints = f.constraints ?? {};
  const optional = f.optional ?? false;
  return {
    name: f.name,
    type: f.type,
    nullable: f.nullable,
    optional,
    description: f.description,
    aliases: f.aliases ?? [],
    constraints,
    normalize: f.normalize,
    rule: f.rule,
    schema: valueSchema(f.type, constraints, f.nullable, optional, f.description),
  };
}

/** Assumes the document passed the schema and cross-reference checks in loader.ts. */
export function compileContract(doc: ContractDoc, source: string): CompiledContract {
  const fields = doc.fields.map(compileField);
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) shape[f.name] = f.schema;
  let extraFields: CompiledExtraFields | undefined;
  if (doc.extra_fields) {
    const e = doc.extra_fields;
    const constraints = e.constraints ?? {};
    extraFields = {
      pattern: new RegExp(e.name_pattern),
      field: {
        type: e.type, nullable: e.nullable, optional: true, description: e.description, aliases: [], constraints,
        schema: valueSchema(e.type, constraints, e.nullable, false),
      },
    };
  }
  return {
    name: doc.name,
    version: doc.version,
    id: `${doc.name}@${doc.version}`,
    source,
    doc,
    fields,
    fieldsByName: new Map(fields.map((f) => [f.name, f])),
    knownColumns: new Set(fields.flatMap((f) => [f.name, ...f.aliases])),
    primaryKey: [...doc.primary_key],
    rules: doc.rules ?? [],
    extraFields,
    requiredColumns: fields.filter((f) => !f.optional).map((f) => f.name),
    maxRatio: doc.quarantine.max_ratio,
    schema: z.object(shape).describe(doc.description),
  };
}

/** The JSON Schema of one row, for `contracts show --format json` and for other tools. */
export function contractJsonSchema(contract: CompiledContract): Record<string, unknown> {
  const json = z.toJSONSchema(contract.schema, { unrepresentable: 'any' }) as Record<string, unknown>;
  // Rows may carry columns the contract does not name (ignored with a warning), so no additionalProperties: false.
  delete json.additionalProperties;
  if (contract.extraFields) {
    const { $schema: _s, ...extra } = z.toJSONSchema(contract.extraFields.field.schema, { unrepresentable: 'any' }) as Record<string, unknown>;
    json.patternProperties = { [contract.extraFields.pattern.source]: { ...extra, description: contract.extraFields.field.description } };
  }
  return { ...json, title: contract.id, 'x-primary-key': contract.primaryKey };
}
