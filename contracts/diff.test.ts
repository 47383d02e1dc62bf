import { diffContracts, durationSeconds, type ChangeKind } from './diff';
import { loadContract } from './loader';
import type { ContractDoc } from './schema';

const base = loadContract('price_data').doc;
const features = loadContract('features').doc;

function changed(mutate: (d: any) => void, from: ContractDoc = base): ContractDoc {
  const d = structuredClone(from) as ContractDoc;
  mutate(d);
  return d;
}
const field = (d: ContractDoc, name: string): any => d.fields.find((f) => f.name === name);

/** [case, mutation (version bumped to 2.0.0 unless the case is about versions), expected kind, field, breaking] */
type DiffCase = [string, (d: any) => void, ChangeKind, string | undefined, boolean];

const cases: DiffCase[] = [
  ['field removed', (d) => { d.fields = d.fields.filter((f: any) => f.name !== 'volume'); }, 'field_removed', 'volume', true],
  ['nullable field added', (d) => { d.fields.push({ name: 'vwap', type: 'number', nullable: true, description: 'vwap' }); }, 'field_added', 'vwap', false],
  ['optional field added', (d) => { d.fields.push({ name: 'vwap', type: 'number', nullable: false, optional: true, description: 'vwap' }); }, 'field_added', 'vwap', false],
  ['required non-null field added', (d) => { d.fields.push({ name: 'vwap', type: 'number', nullable: false, description: 'vwap' }); }, 'field_added', 'vwap', true],
  ['number narrowed to integer', (d) => { field(d, 'open').type = 'integer'; }, 'type_changed', 'open', true],
  ['integer widened to number', (d) => { field(d, 'volume').type = 'number'; }, 'type_changed', 'volume', false],
  ['type replaced', (d) => { field(d, 'open').type = 'string'; delete field(d, 'open').constraints; }, 'type_changed', 'open', true],
  ['nullable true → false', (d) => { field(d, 'open').nullable = false; }, 'nullable_changed', 'open', true],
  ['nullable false → true', (d) => { field(d, 'ticker').nullable = true; d.primary_key = ['date']; }, 'nullable_changed', 'ticker', false],
  ['optional → required', (d) => { field(d, 'adjustment_factor').optional = false; }, 'optional_changed', 'adjustment_factor', true],
  ['required → optional', (d) => { field(d, 'volume').optional = true; }, 'optional_changed', 'volume', false],
  ['gt raised', (d) => { field(d, 'open').constraints = { gt: 1 }; }, 'constraint_changed', 'open', true],
  ['gte → gt at the same value', (d) => { field(d, 'volume').constraints = { gt: 0 }; }, 'constraint_changed', 'volume', true],
  ['gt → gte at the same value', (d) => { field(d, 'open').constraints = { gte: 0 }; }, 'constraint_changed', 'open', false],
  ['lower bound removed', (d) => { delete field(d, 'open').constraints; }, 'constraint_changed', 'open', false],
  ['upper bound added', (d) => { field(d, 'open').constraints = { gt: 0, lt: 1e6 }; }, 'constraint_changed', 'open', true],
  ['lte lowered', (d) => { field(d, 'open').constraints = { gt: 0, lte: 10 }; }, 'constraint_changed', 'open', true],
  ['pattern changed', (d) => { field(d, 'ticker').constraints = { pattern: '^[0-9]{4}$' }; }, 'constraint_changed', 'ticker', true],
  ['pattern removed', (d) => { delete field(d, 'ticker').constraints; }, 'constraint_changed', 'ticker', false],
  ['normalisation removed', (d) => { delete field(d, 'ticker').normalize; }, 'normalize_changed', 'ticker', true],
  ['nullable field added with tse_session', (d) => { d.fields.push({ name: 'trade_date', type: 'date', nullable: true, description: 'x', rule: 'tse_session' }); }, 'field_added', 'trade_date', false],
  ['tse_session removed', (d) => { delete field(d, 'date').rule; }, 'field_rule_changed', 'date', false],
  ['alias removed', (d) => { delete field(d, 'ticker').aliases; }, 'aliases_changed', 'ticker', true],
  ['description changed', (d) => { field(d, 'open').description = 'opening price'; }, 'field_doc_changed', 'open', false],
  ['contract description changed', (d) => { d.description = 'bars'; }, 'description_changed', undefined, false],
  ['new cross-field rule', (d) => { d.rules.push({ name: 'close_le_high', kind: 'lte_min_of', field: 'close', of: ['high'] }); }, 'rule_added', 'close', true],
  ['rule removed', (d) => { d.rules = d.rules.filter((r: any) => r.name !== 'high_ge_max'); }, 'rule_removed', 'high', false],
  ['rule redefined', (d) => { d.rules[0].of = ['open']; }, 'rule_changed', 'high', true],
  ['primary key changed', (d) => { d.primary_key = ['ticker']; }, 'primary_key_changed', undefined, true],
  ['primary key reordered', (d) => { d.primary_key = ['date', 'ticker']; }, 'primary_key_changed', undefined, false],
  ['max_gap lowered', (d) => { d.missing_policy.max_gap = 1; }, 'missing_policy_changed', undefined, true],
  ['max_gap raised', (d) => { d.missing_policy.max_gap = 5; }, 'missing_policy_changed', undefined, false],
  ['missing strategy changed', (d) => { d.missing_policy.strategy = 'none'; }, 'missing_policy_changed', undefined, true],
  ['event_time changed', (d) => { d.time.event_time = 'date'; d.time.available_time = 'date'; }, 'time_changed', undefined, true],
  ['watermark later', (d) => { d.time.watermark = 'P1D'; }, 'time_changed', undefined, true],
  ['watermark earlier', (d) => { d.time.watermark = 'PT17H'; }, 'time_changed', undefined, false],
  ['max_ratio lowered', (d) => { d.quarantine.max_ratio = 0.001; }, 'quarantine_changed', undefined, true],
  ['max_ratio raised', (d) => { d.quarantine.max_ratio = 0.05; }, 'quarantine_changed', undefined, false],
  ['contract renamed', (d) => { d.name = 'bars'; }, 'name_changed', undefined, true],
  ['extra_fields added', (d) => { d.extra_fields = { name_pattern: '^f_', type: 'number', nullable: true, description: 'x' }; }, 'extra_fields_changed', undefined, true],
];

describe('diffContracts', () => {
  it.each(cases)('%s', (_name, mutate, kind, fieldName, breaking) => {
    const next = changed((d) => { mutate(d); d.version = '2.0.0'; });
    const diff = diffContracts(base, next);
    const change = diff.changes.find((c) => c.kind === kind && c.field === fieldName);
    expect(change).toBeDefined();
    expect(change!.breaking).toBe(breaking);
    expect(diff.breaking).toBe(diff.changes.some((c) => c.breaking));
    expect(diff.changes.some((c) => c.kind === 'version_not_bumped')).toBe(false);
  });

  it('reports no change for identical contracts', () => {
    expect(diffContracts(base, structuredClone(base))).toEqual({ breaking: false, changes: [] });
  });

  it('lists enum values removed (breaking) and added (not)', () => {
    const ca = loadContract('corporate_actions').doc;
    const removed = diffContracts(ca, changed((d) => { field(d, 'kind').constraints.enum = ['split', 'dividend']; d.version = '2.0.0'; }, ca));
    expect(removed.changes).toContainEqual({ kind: 'constraint_changed', field: 'kind', breaking: true, detail: 'enum values removed: reverse_split' });
    const added = diffContracts(ca, changed((d) => { field(d, 'kind').constraints.enum.push('merger'); d.version = '1.1.0'; }, ca));
    expect(added).toEqual({ breaking: false, changes: [{ kind: 'constraint_changed', field: 'kind', breaking: false, detail: 'enum values added: merger' }] });
  });

  it('treats adding tse_session to an existing date as breaking', () => {
    const ca = loadContract('corporate_actions').doc;
    const diff = diffContracts(ca, changed((d) => { field(d, 'record_date').rule = 'tse_session'; d.version = '2.0.0'; }, ca));
    expect(diff.changes).toEqual([{ kind: 'field_rule_changed', field: 'record_date', breaking: true, detail: 'rule none → tse_session' }]);
  });

  it('treats a rule tolerance added as loosening and removed as tightening', () => {
    const it0 = loadContract('investor_types').doc;
    const loose = changed((d) => { d.rules[2].tolerance = 1e-6; d.version = '1.1.0'; }, it0);
    expect(diffContracts(it0, loose).changes.map((c) => [c.kind, c.breaking])).toEqual([['rule_changed', false]]);
    expect(diffContracts(loose, changed((d) => { d.version = '2.0.0'; }, it0)).changes.map((c) => [c.kind, c.breaking])).toEqual([['rule_changed', true]]);
  });

  it('describes a tightened bound with both values', () => {
    const diff = diffContracts(base, changed((d) => { field(d, 'open').constraints = { gt: 1 }; d.version = '2.0.0'; }));
    expect(diff.changes).toEqual([{ kind: 'constraint_changed', field: 'open', breaking: true, detail: 'lower bound tightened: > 0 → > 1' }]);
  });

  it('flags a breaking change without a major version bump', () => {
    const diff = diffContracts(base, changed((d) => { field(d, 'open').nullable = false; d.version = '1.1.0'; }));
    expect(diff.breaking).toBe(true);
    expect(diff.changes).toContainEqual({
      kind: 'version_not_bumped', breaking: true,
      detail: 'breaking change but version 1.0.0 → 1.1.0; bump the major version (2.0.0)',
    });
  });

  it('accepts a minor bump for a breaking change of a 0.x contract', () => {
    const v0 = changed((d) => { d.version = '0.3.0'; });
    const diff = diffContracts(v0, changed((d) => { field(d, 'open').nullable = false; d.version = '0.4.0'; }, v0));
    expect(diff.changes.map((c) => c.kind)).toEqual(['nullable_changed']);
  });

  it('notes a compatible change whose version did not increase', () => {
    const diff = diffContracts(base, changed((d) => { d.description = 'new words'; }));
    expect(diff.breaking).toBe(false);
    expect(diff.changes.map((c) => [c.kind, c.breaking])).toEqual([['description_changed', false], ['version_not_increased', false]]);
  });

  it('compares extra_fields like a field', () => {
    const diff = diffContracts(features, changed((d) => { d.extra_fields.nullable = false; d.version = '2.0.0'; }, features));
    expect(diff.changes).toEqual([{ kind: 'nullable_changed', field: '(extra_fields)', breaking: true, detail: 'no longer nullable (nulls now fail)' }]);
  });

  it.each([['PT18H', 64800], ['P1D', 86400], ['P1W', 604800], ['PT1M30S', 90], ['P1DT1H', 90000]])('durationSeconds(%s) = %d', (iso, seconds) => {
    expect(durationSeconds(iso)).toBe(seconds);
  });
});
