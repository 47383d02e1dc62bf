import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { INVESTOR_CATEGORIES, INVESTOR_MEASURES } from '../pipelines/sources/jquants/fields';
import { contractJsonSchema } from './compile';
import { generateInvestorTypesYaml } from './gen-investor-types';
import { ContractError, contractNames, loadAllContracts, loadContract, loadContractFile, parseContract } from './loader';

/** A small valid contract; each case below breaks one thing. */
function doc(): Record<string, unknown> {
  return {
    name: 'demo',
    version: '1.0.0',
    description: 'demo contract',
    primary_key: ['id'],
    duplicate_policy: 'reject',
    missing_policy: { strategy: 'forward_fill', max_gap: 3 },
    time: { event_time: 'day', processing_time: '_ingested_at', watermark: 'PT18H' },
    quarantine: { max_ratio: 0.01 },
    fields: [
      { name: 'id', type: 'string', nullable: false, description: 'key' },
      { name: 'day', type: 'date', nullable: false, description: 'day', rule: 'tse_session' },
      { name: 'a', type: 'number', nullable: true, description: 'a', constraints: { gt: 0 } },
      { name: 'b', type: 'number', nullable: true, description: 'b' },
    ],
    rules: [{ name: 'a_ge_b', kind: 'gte_max_of', field: 'a', of: ['b'] }],
  };
}

function problems(mutate: (d: Record<string, any>) => void): string[] {
  const d = doc();
  mutate(d);
  try {
    parseContract(stringify(d), 'demo.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return (error as ContractError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

describe('committed contracts', () => {
  it('are the five documented ones and all load', () => {
    expect(contractNames()).toEqual(['corporate_actions', 'features', 'investor_types', 'listed_info', 'price_data']);
    const loaded = loadAllContracts();
    expect(loaded.map((c) => c.id)).toEqual(loaded.map((c) => `${c.name}@1.0.0`));
    for (const c of loaded) {
      expect(c.doc.duplicate_policy).toBe('reject');
      expect(c.doc.time.processing_time).toBe('_ingested_at');
      expect(c.maxRatio).toBe(0.01);
    }
  });

  it('price_data has the documented key, fields and rules', () => {
    const c = loadContract('price_data');
    expect(c.primaryKey).toEqual(['ticker', 'date']);
    expect(c.fields.slice(0, 7).map((f) => f.name)).toEqual(['ticker', 'date', 'open', 'high', 'low', 'close', 'volume']);
    expect(c.requiredColumns).toEqual(['ticker', 'date', 'open', 'high', 'low', 'close', 'volume']);
    expect(c.rules.map((r) => r.name)).toEqual(expect.arrayContaining(['high_ge_max', 'low_le_min']));
  });

  it('investor_types declares every category × measure of fields.ts with both identities', () => {
    const c = loadContract('investor_types');
    expect(c.primaryKey).toEqual(['section', 'start_date', 'end_date', 'published_date']);
    for (const [cat] of INVESTOR_CATEGORIES) {
      for (const [m] of INVESTOR_MEASURES) expect(c.fieldsByName.has(`${cat}_${m}`)).toBe(true);
      expect(c.rules).toContainEqual(expect.objectContaining({ kind: 'equals_difference', field: `${cat}_balance`, minuend: `${cat}_purchases`, subtrahend: `${cat}_sales` }));
      expect(c.rules).toContainEqual(expect.objectContaining({ kind: 'equals_sum', field: `${cat}_total`, of: [`${cat}_sales`, `${cat}_purchases`] }));
    }
  });

  it('the generator reproduces the committed investor_types contract', () => {
    const generated = parseContract(generateInvestorTypesYaml(), 'generated');
    expect(generated.doc).toEqual(loadContract('investor_types').doc);
  });

  it('exports a JSON Schema of one row', () => {
    const schema = contractJsonSchema(loadContract('price_data')) as { title: string; properties: Record<string, any>; required: string[] };
    expect(schema.title).toBe('price_data@1.0.0');
    expect(schema.properties.open).toMatchObject({ anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }] });
    expect(schema.properties.ticker).toMatchObject({ type: 'string', pattern: '^[0-9]{3}[0-9A-Z]$' });
    expect(schema.required).toEqual(['ticker', 'date', 'open', 'high', 'low', 'close', 'volume']);
    const features = contractJsonSchema(loadContract('features')) as { patternProperties: Record<string, unknown> };
    expect(Object.keys(features.patternProperties)).toEqual(['^[a-z][a-z0-9_]*$']);
  });
});

describe('contract document errors name the file, the key path and the allowed values', () => {
  const cases: Array<[string, (d: Record<string, any>) => void, string]> = [
    ['unknown top-level key', (d) => { d.owner = 'me'; }, '(root): unknown key "owner" (allowed: name, version,'],
    ['unknown field key', (d) => { d.fields[2].min = 1; }, 'fields[2] (field a): unknown key "min" (allowed: name, type, nullable,'],
    ['unknown constraint', (d) => { d.fields[2].constraints.greater = 1; }, 'fields[2].constraints (field a): unknown key "greater" (allowed: gt, gte, lt, lte, pattern, enum,'],
    ['unknown time key', (d) => { d.time.zone = 'JST'; }, 'time: unknown key "zone"'],
    ['bad field type', (d) => { d.fields[2].type = 'float'; }, 'fields[2].type (field a): invalid value "float"; allowed: string, integer, number, date, boolean'],
    ['bad rule kind', (d) => { d.rules[0].kind = 'gte'; }, 'rules[0].kind (rule a_ge_b): invalid value "gte"; allowed: gte_max_of, lte_min_of,'],
    ['bad duplicate policy', (d) => { d.duplicate_policy = 'keep_last'; }, 'duplicate_policy: invalid value "keep_last"; allowed: reject'],
    ['missing nullable', (d) => { delete d.fields[0].nullable; }, 'fields[0].nullable (field id): is required (boolean)'],
    ['version not semver', (d) => { d.version = 'v1'; }, 'version: must be a semantic version MAJOR.MINOR.PATCH'],
    ['watermark not a duration', (d) => { d.time.watermark = '18h'; }, 'time.watermark: must be an ISO 8601 duration'],
    ['max_ratio above 1', (d) => { d.quarantine.max_ratio = 2; }, 'quarantine.max_ratio: the value must be <= 1, got number 2'],
    ['empty primary key', (d) => { d.primary_key = []; }, 'primary_key: the number of items must be >= 1, got a list'],
    ['field name not snake_case', (d) => { d.fields[3].name = 'B'; }, 'fields[3].name (field B): must be snake_case'],
    ['rule prop of another kind', (d) => { d.rules[0].minuend = 'b'; }, 'rules[0].minuend (rule a_ge_b): not allowed for kind gte_max_of'],
    ['rule missing a prop', (d) => { delete d.rules[0].of; }, 'rules[0].of (rule a_ge_b): required for kind gte_max_of'],
    ['unknown primary key field', (d) => { d.primary_key = ['nope']; }, 'primary_key[0]: unknown field "nope"'],
    ['nullable primary key field', (d) => { d.primary_key = ['a']; }, 'primary_key[0]: field "a" is nullable or optional'],
    ['event_time not a date', (d) => { d.time.event_time = 'a'; }, 'time.event_time: field "a" is number, not date'],
    ['rule on an unknown field', (d) => { d.rules[0].of = ['c']; }, 'rules[0].of[0] (rule a_ge_b): unknown field "c"'],
    ['numeric rule on a date', (d) => { d.rules[0].of = ['day']; }, 'rules[0].of[0] (rule a_ge_b): field "day" is date; kind gte_max_of needs integer or number'],
    ['rule named like a built-in', (d) => { d.rules[0].name = 'pattern'; }, 'rules[0].name (rule pattern): "pattern" is a built-in rule name'],
    ['duplicate rule names', (d) => { d.rules.push({ ...d.rules[0] }); }, 'rules[1].name (rule a_ge_b): duplicate rule name "a_ge_b"'],
    ['bound on a string', (d) => { d.fields[0].constraints = { gt: 0 }; }, 'fields[0].constraints.gt (field id): not allowed for type string (only integer, number)'],
    ['pattern on a number', (d) => { d.fields[2].constraints = { pattern: 'x' }; }, 'fields[2].constraints.pattern (field a): not allowed for type number (only string)'],
    ['invalid regular expression', (d) => { d.fields[0].constraints = { pattern: '(' }; }, 'fields[0].constraints.pattern (field id): not a valid regular expression'],
    ['empty range', (d) => { d.fields[2].constraints = { gt: 5, lt: 5 }; }, 'fields[2].constraints (field a): the bounds leave no allowed value'],
    ['enum with pattern', (d) => { d.fields[0].constraints = { enum: ['x'], pattern: 'x' }; }, 'fields[0].constraints.pattern (field id): cannot be combined with enum'],
    ['normalize on a number', (d) => { d.fields[2].normalize = 'jquants_code'; }, 'fields[2].normalize (field a): jquants_code needs type string'],
    ['tse_session on a string', (d) => { d.fields[0].rule = 'tse_session'; }, 'fields[0].rule (field id): tse_session needs type date'],
    ['duplicate field', (d) => { d.fields.push({ ...d.fields[3] }); }, 'fields[4].name (field b): duplicate field "b"'],
    ['alias clashing with a field', (d) => { d.fields[2].aliases = ['b']; }, 'fields[2].aliases[0] (field a): "b" is already field "b"'],
  ];
  it.each(cases)('%s', (_name, mutate, expected) => {
    const found = problems(mutate);
    expect(found.some((p) => p.startsWith(expected))).toBe(true);
  });

  it('accepts the unbroken document', () => {
    expect(problems(() => undefined)).toEqual([]);
  });

  it('puts the source in the message', () => {
    expect(() => parseContract('name: [', 'bad.yaml')).toThrow(/^bad\.yaml: invalid contract:\n {2}- \(yaml\): /);
    expect(() => parseContract(stringify({ ...doc(), extra: 1 }), 'x/y.yaml')).toThrow(/^x\/y\.yaml: invalid contract:\n {2}- \(root\): unknown key "extra"/);
  });
});

describe('loading files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'contracts-'));
  writeFileSync(path.join(dir, 'demo.yaml'), stringify(doc()));
  writeFileSync(path.join(dir, 'other.yaml'), stringify(doc()));

  it('loads by name from a folder', () => {
    expect(loadContract('demo', dir).id).toBe('demo@1.0.0');
  });

  it('names the known contracts when the name is unknown', () => {
    expect(() => loadContract('nope', dir)).toThrow(`no contract "nope" in ${dir}; known: demo, other`);
  });

  it('rejects a file whose name differs from its contract name', () => {
    expect(() => loadContract('other', dir)).toThrow('name: is "demo" but the file is other.yaml');
  });

  it('reports an unreadable file as a one-line error', () => {
    expect(() => loadContractFile(path.join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read: ENOENT/);
  });
});
