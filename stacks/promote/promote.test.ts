import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { parseStackConfig, type Environment, type Versions } from '../config';
import { parseStackFile, stackFilePath } from '../stackfile';
import { buildGateRecord, formatGateRecord, gateFromReport, gateFromRolloutPhase, GateInputError, parseGateRecord, type GateRecord } from './gates';
import { applyChanges, decidePromotion, diffVersions, formatDiff, stringifyStackFile } from './promote';

const base: Versions = { image: '0.2.0', minio: 'RELEASE.2025-09-07T16-13-09Z', clickhouse: '25.8.2.29', redis: '7.4.5-alpine3.21', triton: '25.08-py3', kubePrometheusStack: '70.4.2', featureSet: 'fs-2026.12.01', models: { 'lgbm-daily': 4 } };
const older: Versions = { ...base, image: '0.1.0', featureSet: 'fs-2026.11.24', models: { 'lgbm-daily': 3, retired: 1 } };
const now = new Date('2026-12-04T12:00:00Z');
const pass = { pass: true, source: 'x', summary: 'PASS' };
const gate = (over: Partial<GateRecord> = {}, gates: Partial<GateRecord['gates']> = {}): GateRecord => ({
  env: 'dev', recordedAt: '2026-12-03T12:00:00.000Z', versions: base, gates: { parity: pass, regression: pass, rollout: pass, ...gates }, ...over,
});
const DAY = 86_400_000;

describe('decidePromotion', () => {
  test.each<[string, Environment, Environment, GateRecord | undefined, string, RegExp]>([
    ['dev → staging, all gates pass', 'dev', 'staging', gate(), 'promote', /.*/],
    ['staging → prod', 'staging', 'prod', gate({ env: 'staging' }), 'promote', /.*/],
    ['dev → prod refused', 'dev', 'prod', gate(), 'usage', /prod is promoted to only from staging/],
    ['staging → dev refused', 'staging', 'dev', gate({ env: 'staging' }), 'usage', /staging promotes to prod, not dev/],
    ['same env', 'dev', 'dev', gate(), 'usage', /both dev/],
    ['prod → anything', 'prod', 'staging', gate({ env: 'prod' }), 'usage', /last environment/],
    ['no record', 'dev', 'staging', undefined, 'gates-failed', /no gate record for dev/],
    ['parity failed', 'dev', 'staging', gate({}, { parity: { pass: false, source: 'p.json', summary: 'FAIL (max PSI 0.3)' } }), 'gates-failed', /^parity: FAIL \(max PSI 0\.3\) \[p\.json\]/],
    ['regression failed', 'dev', 'staging', gate({}, { regression: { pass: false, source: 'r.json', summary: 'FAIL' } }), 'gates-failed', /^regression: FAIL/],
    ['rollout not promoted', 'dev', 'staging', gate({}, { rollout: gateFromRolloutPhase('RolledBack') }), 'gates-failed', /^rollout: FAIL \(phase RolledBack/],
    ['gated on other versions', 'dev', 'staging', gate({ versions: { ...base, featureSet: 'fs-old' } }), 'gates-failed', /featureSet: gated on fs-old, stack has fs-2026\.12\.01/],
    ['gated on another model version', 'dev', 'staging', gate({ versions: { ...base, models: { 'lgbm-daily': 3 } } }), 'gates-failed', /models\.lgbm-daily: gated on 3, stack has 4/],
    ['record of another env', 'dev', 'staging', gate({ env: 'staging' }), 'gates-failed', /gate record is for staging/],
    ['stale record', 'dev', 'staging', gate({ recordedAt: '2026-11-01T00:00:00.000Z' }), 'gates-failed', /older than 14 days/],
  ])('%s', (_name, from, to, g, kind, message) => {
    const d = decidePromotion({ from, to, source: base, target: older, gate: g, now, maxAgeMs: 14 * DAY });
    expect(d.kind).toBe(kind);
    if (d.kind === 'usage') expect(d.message).toMatch(message);
    if (d.kind === 'gates-failed') expect(d.failures.some((f) => message.test(f))).toBe(true);
  });
});

describe('diffVersions / formatDiff', () => {
  test('changed, added and removed keys', () => {
    expect(diffVersions(base, older)).toEqual([
      { path: ['image'], from: '0.1.0', to: '0.2.0' },
      { path: ['featureSet'], from: 'fs-2026.11.24', to: 'fs-2026.12.01' },
      { path: ['models', 'lgbm-daily'], from: 3, to: 4 },
      { path: ['models', 'retired'], from: 1, to: undefined },
    ]);
    expect(formatDiff('stacks/Pulumi.staging.yaml', 'dev', diffVersions(base, older))).toBe([
      '--- stacks/Pulumi.staging.yaml', '+++ stacks/Pulumi.staging.yaml (versions from dev)', '@@ gogooku3:versions @@',
      '-  image: 0.1.0', '+  image: 0.2.0', '-  featureSet: fs-2026.11.24', '+  featureSet: fs-2026.12.01',
      '-  models.lgbm-daily: 3', '+  models.lgbm-daily: 4', '-  models.retired: 1', '',
    ].join('\n'));
    expect(formatDiff('f', 'dev', [])).toMatch(/nothing to promote/);
  });
  test('property: applying the diff makes the versions equal', () => {
    const ver = fc.record({ image: fc.constantFrom('0.1.0', '0.2.0'), featureSet: fc.constantFrom('a', 'b'), models: fc.dictionary(fc.constantFrom('m1', 'm2', 'm3'), fc.integer({ min: 1, max: 9 })) });
    fc.assert(fc.property(ver, ver, (s, t) => {
      const source = { ...base, ...s } as Versions;
      const target = { ...base, ...t } as Versions;
      const doc = parseDocument(`config:\n  gogooku3:versions:\n${Object.entries(target).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n')}\n`);
      applyChanges(doc, diffVersions(source, target));
      const after = (doc.toJS() as { config: Record<string, Versions> }).config['gogooku3:versions'];
      expect(diffVersions(source, after)).toEqual([]);
    }), { numRuns: 60 });
  });
});

describe('applyChanges on the real staging file', () => {
  test('keeps comments, key order and unrelated keys; only the versions change', () => {
    const file = stackFilePath('staging');
    const text = readFileSync(file, 'utf8');
    const target = parseStackConfig(parseStackFile(text, file).raw).versions;
    const source = { ...target, image: '9.9.9', models: { ...target.models, 'lgbm-daily': 99 } };
    const doc = parseDocument(text);
    applyChanges(doc, diffVersions(source, target));
    const out = stringifyStackFile(doc);
    const changed = out.split('\n').filter((l, i) => l !== text.split('\n')[i]);
    expect(changed.map((l) => l.trim())).toEqual(['image: 9.9.9', 'lgbm-daily: 99']);
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(parseStackConfig(parseStackFile(out, file).raw).versions).toEqual(source);
  });
});

describe('gate records', () => {
  test('from reports and a rollout phase; JSON round trip with sorted keys', () => {
    const parity = gateFromReport('parity', 'p.json', JSON.stringify({ pass: true, date: '2026-12-03', maxPsi: 0.0123, exactMatchRate: 0.999, failures: [] }));
    expect(parity.summary).toBe('PASS (date 2026-12-03, max PSI 0.0123, exact-match 99.90 %)');
    const regression = gateFromReport('regression', 'r.json', JSON.stringify({ pass: false, failures: ['ic dropped 0.02'] }));
    expect(regression).toEqual({ pass: false, source: 'r.json', summary: 'FAIL (failures: ic dropped 0.02)' });
    const rec = buildGateRecord('dev', base, { parity, regression, rollout: gateFromRolloutPhase('Promoted') }, now);
    const text = formatGateRecord(rec);
    expect(parseGateRecord(text, 'g.json')).toEqual(rec);
    expect(text.indexOf('"env"')).toBeLessThan(text.indexOf('"gates"'));
  });
  test.each([
    [() => gateFromReport('parity', 'p.json', 'nope'), /--parity: p\.json: not JSON/],
    [() => gateFromReport('regression', 'r.json', '{"ok":true}'), /--regression: r\.json: expected a JSON object with a boolean "pass"/],
    [() => gateFromRolloutPhase('Done'), /--rollout: unknown phase "Done" \(allowed: Pending, Progressing, Promoted/],
    [() => parseGateRecord('{"env":"qa"}', 'g.json'), /g\.json: env: /],
  ])('bad input %#', (fn, message) => {
    expect(fn).toThrow(GateInputError);
    expect(fn).toThrow(message);
  });
});
