import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { DEFAULT_MANIFEST_PATH, FeatureSelectionError, loadManifest, ManifestError, parseManifest, selectFeatures } from './manifest';
import { FEATURES } from './registry';

const committed = readFileSync(DEFAULT_MANIFEST_PATH, 'utf8');

/** The committed manifest with one edit applied to its YAML tree. */
function edited(edit: (doc: Record<string, any>) => void): string {
  const doc = parseDocument(committed).toJS() as Record<string, any>;
  edit(doc);
  return JSON.stringify(doc);
}

/** Index of an entry in the committed manifest's active list (tests address entries by name, not position). */
const active = (parseDocument(committed).toJS() as { features: { active: Array<{ name: string }> } }).features.active.map((e) => e.name);
const at = (name: string) => active.indexOf(name);
const RSI = at('rsi_14');
const FLOW = at('flow_persist_10');

function problems(text: string): string[] {
  try {
    parseManifest(text, 'm.yaml');
  } catch (error) {
    if (error instanceof ManifestError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('the committed manifest', () => {
  const manifest = loadManifest();

  it('loads, with the required active features', () => {
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    const active = manifest.features.filter((f) => f.status === 'active').map((f) => f.name);
    expect(active).toEqual(expect.arrayContaining(['returns_1d', 'rsi_14', 'vol_ratio_20', 'foreign_z_5', 'flow_persist_10']));
  });

  it('lists every registered kernel, so none is computable but invisible', () => {
    const listed = new Set(manifest.features.map((f) => f.name));
    expect([...FEATURES.keys()].filter((n) => !listed.has(n))).toEqual([]);
  });

  it('has experimental and deprecated examples; deprecated entries carry reason and date', () => {
    expect(manifest.features.some((f) => f.status === 'experimental')).toBe(true);
    const deprecated = manifest.features.filter((f) => f.status === 'deprecated');
    expect(deprecated.length).toBeGreaterThan(0);
    for (const f of deprecated) expect(f).toEqual(expect.objectContaining({ reason: expect.any(String), deprecatedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }));
  });

  it('lookback_sessions covers every computed warmup', () => {
    expect(manifest.lookbackSessions).toBeGreaterThanOrEqual(Math.max(...manifest.features.filter((f) => f.status !== 'deprecated').map((f) => f.warmup)));
  });
});

describe('manifest validation', () => {
  it.each<[string, (d: Record<string, any>) => void, string[]]>([
    ['an unknown key in an entry names the entry and the allowed keys',
      (d) => { d.features.active[RSI].windw = 14; },
      [`features.active[${RSI}] (rsi_14): unknown key "windw" (allowed: name, description, dtype, importance, source, warmup, params)`]],
    ['an unknown top-level key', (d) => { d.owner = 'me'; }, ['(root): unknown key "owner" (allowed: version, lookback_sessions, features)']],
    ['an unknown section', (d) => { d.features.retired = []; }, ['features: unknown key "retired" (allowed: active, experimental, deprecated)']],
    ['a name in two sections', (d) => { d.features.experimental.push({ ...d.features.active[0] }); },
      ['features.experimental[1] (returns_1d).name: returns_1d is also listed at features.active[0] (returns_1d)']],
    ['a deprecated name still active', (d) => { d.features.deprecated[0].name = 'rsi_14'; },
      [`features.deprecated[0] (rsi_14).name: rsi_14 is also listed at features.active[${RSI}] (rsi_14)`]],
    ['an active feature without a kernel', (d) => { d.features.active[0].name = 'returns_2d'; },
      ['features.active[0] (returns_2d).name: no kernel is registered for returns_2d (did you mean returns_1d, returns_20d, returns_5d?)']],
    ['a warmup that disagrees with the kernel', (d) => { d.features.active[RSI].warmup = 13; },
      [`features.active[${RSI}] (rsi_14).warmup: is 13 but the rsi_14 kernel's is 14`]],
    ['params that disagree with the kernel', (d) => { d.features.active[RSI].params = { window: 20 }; },
      [`features.active[${RSI}] (rsi_14).params: are {"window":20} but the rsi_14 kernel's are {"window":14}`]],
    ['a dtype and a source that disagree', (d) => { d.features.active[FLOW].dtype = 'float64'; d.features.active[FLOW].source = 'prices'; },
      [`features.active[${FLOW}] (flow_persist_10).dtype: is "float64" but the flow_persist_10 kernel's is "int32"`,
        `features.active[${FLOW}] (flow_persist_10).source: is "prices" but the flow_persist_10 kernel's is "investor_types"`]],
    ['an unknown dtype', (d) => { d.features.active[0].dtype = 'float32'; },
      ['features.active[0] (returns_1d).dtype: invalid value "float32"; allowed: float64, int32, bool']],
    ['importance is required (null when unknown)', (d) => { delete d.features.active[0].importance; },
      ['features.active[0] (returns_1d).importance: is required (number)']],
    ['a negative warmup', (d) => { d.features.active[0].warmup = -1; }, ['features.active[0] (returns_1d).warmup: must be >= 0, got number -1']],
    ['a two-line description', (d) => { d.features.active[0].description = 'a\nb'; },
      ['features.active[0] (returns_1d).description: must be one line (the formula)']],
    ['a deprecated entry without a reason', (d) => { delete d.features.deprecated[0].reason; },
      ['features.deprecated[0] (log_return_1d).reason: is required (string)']],
    ['a deprecated entry with a bad date', (d) => { d.features.deprecated[0].deprecated_on = '2026-02-30'; },
      ['features.deprecated[0] (log_return_1d).deprecated_on: must be a date YYYY-MM-DD']],
    ['reason on an active entry', (d) => { d.features.active[0].reason = 'x'; },
      [expect.stringMatching(/^features\.active\[0\] \(returns_1d\): unknown key "reason"/) as unknown as string]],
    ['a version that is not semver', (d) => { d.version = '1.0'; }, ['version: must be a semantic version MAJOR.MINOR.PATCH']],
    ['a lookback shorter than a warmup', (d) => { d.lookback_sessions = 10; },
      ['lookback_sessions: is 10, less than the largest warmup of a computed feature (250)']],
  ])('%s', (_name, edit, expected) => {
    expect(problems(edited(edit))).toEqual(expected);
  });

  it('a deprecated feature may name a kernel that is already gone', () => {
    expect(() => parseManifest(committed, 'm.yaml')).not.toThrow();
    expect(FEATURES.has('log_return_1d')).toBe(false);
  });

  it('YAML errors and unreadable files are reported with the source', () => {
    expect(problems('version: 1.0.0\nversion: 1.0.1\n')[0]).toMatch(/^\(yaml\): Map keys must be unique/);
    expect(() => loadManifest('/nonexistent/manifest.yaml')).toThrow(new ManifestError('/nonexistent/manifest.yaml', [{ path: '(file)', message: 'cannot read: no such file' }]));
    expect(() => parseManifest(edited((d) => { d.version = 1; }), 'm.yaml')).toThrow(/^m\.yaml: invalid feature manifest:\n  - version: expected string, got number 1$/);
  });
});

describe('selectFeatures', () => {
  const manifest = loadManifest();
  const activeNames = manifest.features.filter((f) => f.status === 'active').map((f) => f.name);

  it('defaults to the active features in manifest order, plus experimental on request; never deprecated', () => {
    expect(selectFeatures(manifest)).toEqual(activeNames);
    expect(activeNames.length).toBeGreaterThanOrEqual(127);
    expect(selectFeatures(manifest, { experimental: true })).toEqual([...activeNames, 'cs_gauss_returns_5d']);
    expect(selectFeatures(manifest, { experimental: true })).not.toContain('log_return_1d');
  });

  it('keeps the order asked for', () => {
    expect(selectFeatures(manifest, { names: ['vol_ratio_20', 'returns_1d'] })).toEqual(['vol_ratio_20', 'returns_1d']);
    expect(selectFeatures(manifest, { names: ['cs_gauss_returns_5d'], experimental: true })).toEqual(['cs_gauss_returns_5d']);
  });

  it.each<[string, string[], boolean, RegExp]>([
    ['unknown, with the nearest names and a short list', ['rsi_15'], false,
      /^unknown feature "rsi_15"; did you mean rsi_14, rsi_24, rsi_6\?; allowed: returns_1d, returns_5d, .* and \d+ more \(gogooku3 features list\)$/],
    ['unknown, nothing near', ['zzz'], false, /^unknown feature "zzz"; allowed: returns_1d/],
    ['experimental without the flag', ['cs_gauss_returns_5d'], false, /^feature cs_gauss_returns_5d is experimental and experimental features are off \(--experimental\)/],
    ['deprecated', ['log_return_1d'], true, /^feature log_return_1d was deprecated on 2026-10-01 \(a monotone transform/],
    ['repeated', ['rsi_14', 'rsi_14'], false, /rsi_14 is listed twice/],
  ])('%s → error listing what is allowed', (_name, names, experimental, message) => {
    expect(() => selectFeatures(manifest, { names, experimental })).toThrow(FeatureSelectionError);
    expect(() => selectFeatures(manifest, { names, experimental })).toThrow(message);
  });
});

describe('the manifest as `features list --format json` shows it (snapshot: a change to a feature shows in review)', () => {
  it('matches the snapshot', () => {
    const manifest = loadManifest();
    expect({ version: manifest.version, lookbackSessions: manifest.lookbackSessions, features: manifest.features.map((f) => [f.status, f.name, f.dtype, f.source, f.warmup, JSON.stringify(f.params)].join(' ')) }).toMatchSnapshot();
  });
});
