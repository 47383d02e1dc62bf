import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { operatorCrds } from '../../operator/crds/generate';
import { desiredChildren } from '../../operator/featureset/children';
import { parseFeatureSetSpec } from '../../operator/featureset/spec';
import { runCli } from '../../test/helpers/run-cli';

describe('operator crds', () => {
  it('prints both CRDs as multi-document YAML, equal to the generated objects', async () => {
    const r = await runCli(['operator', 'crds']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const docs = parseAllDocuments(r.out);
    expect(Array.isArray(docs)).toBe(true);
    const parsed = (docs as Array<{ errors: unknown[]; toJS(): unknown }>).map((d) => { expect(d.errors).toEqual([]); return d.toJS(); });
    expect(parsed).toEqual(operatorCrds());
    expect(parsed.map((d) => (d as { metadata: { name: string } }).metadata.name)).toEqual(['featuresets.gogooku3.io', 'modelrollouts.gogooku3.io']);
  });

  it('keeps each JSONPath and pattern on one line (no folding)', async () => {
    const { out } = await runCli(['operator', 'crds']);
    expect(out).toContain('jsonPath: .status.conditions[?(@.type=="Ready")].status\n');
    expect(out.split('\n').filter((l) => l === '---')).toHaveLength(2);
  });

  it('an unknown subcommand is a usage error', async () => {
    const r = await runCli(['operator', 'crd']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'crd'/);
  });
});

describe('operator render', () => {
  const EXAMPLE = path.join(__dirname, '../../operator/examples/featureset.yaml');
  const NOW = '2024-11-05T09:00:00+09:00';
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'gogooku3-render-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const docsOf = (out: string) => parseAllDocuments(out).map((d) => { expect(d.errors).toEqual([]); return d.toJS() as any; });

  it('prints the example FeatureSet\'s children as multi-document YAML, equal to desiredChildren', async () => {
    const r = await runCli(['operator', 'render', '--featureset', EXAMPLE, '--now', NOW]);
    expect(r).toMatchObject({ code: 0, err: '' });
    const raw = parse(readFileSync(EXAMPLE, 'utf8'));
    const expected = desiredChildren({ metadata: raw.metadata, spec: parseFeatureSetSpec(raw) }, { now: new Date(NOW) });
    expect(docsOf(r.out)).toEqual(expected);
    expect(docsOf(r.out).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['ServiceAccount/prime-daily-pipeline', 'CronJob/prime-daily-daily', 'Job/prime-daily-backfill-2020-01-06', 'CronJob/prime-daily-train']);
    expect(r.out).toContain('schedule: 0 16 * * 1-5\n');
    // kubectl reads YAML 1.1, where a bare date is a timestamp: the backfill dates must be quoted.
    expect(r.out).toContain('- "2020-01-06"\n');
    expect(r.out).toContain('- "2024-11-04"\n');
  });

  it('--now decides the close in force; --namespace overrides the file\'s', async () => {
    const r = await runCli(['operator', 'render', '--featureset', EXAMPLE, '--now', '2024-11-01T12:00:00+09:00', '--namespace', 'staging']);
    expect(r.code).toBe(0);
    const docs = docsOf(r.out);
    expect(docs.map((d) => d.metadata.namespace)).toEqual(['staging', 'staging', 'staging', 'staging']);
    expect(docs[1].spec.schedule).toBe('30 15 * * 1-5');
  });

  it('exits 65 naming the field when the FeatureSet is invalid', async () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace('afterCloseMinutes: 30', 'afterCloseMinutes: 9000');
    const file = write('invalid.yaml', text);
    const r = await runCli(['operator', 'render', '--featureset', file, '--now', NOW]);
    expect(r).toMatchObject({ code: 65, out: '' });
    expect(r.err).toContain(`${file}: invalid FeatureSet: spec.schedule.afterCloseMinutes: expected an integer 0..720, got 9000`);
  });

  it('exits 65 naming the field when the spec cannot be rendered at --now', async () => {
    const file = write('late.yaml', readFileSync(EXAMPLE, 'utf8').replace('afterCloseMinutes: 30', 'afterCloseMinutes: 600'));
    const r = await runCli(['operator', 'render', '--featureset', file, '--now', NOW]);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/spec\.schedule\.afterCloseMinutes: expected at most 509 .*got 600/);
  });

  it('exits 65 for a bare spec (no owner name) and for YAML that does not parse', async () => {
    const spec = parse(readFileSync(EXAMPLE, 'utf8')).spec;
    const bare = await runCli(['operator', 'render', '--featureset', write('bare.json', JSON.stringify(spec)), '--now', NOW]);
    expect(bare.code).toBe(65);
    expect(bare.err).toMatch(/metadata\.name: expected the FeatureSet name/);
    const broken = await runCli(['operator', 'render', '--featureset', write('broken.yaml', 'spec: [unclosed'), '--now', NOW]);
    expect(broken.code).toBe(65);
    expect(broken.err).toMatch(/not valid YAML/);
  });

  it.each([
    [['--featureset', '/nonexistent/fs.yaml'], /--featureset: \/nonexistent\/fs\.yaml: no such file/],
    [['--featureset', 'x.yaml', '--now', '2024-11-05'], /--now: expected an ISO date-time with a zone/],
    [['--featureset', 'x.yaml', '--now', 'tomorrow'], /--now: expected an ISO date-time with a zone/],
    [['--featureset', path.join(__dirname, '../../operator/examples/featureset.yaml'), '--now', '1989-06-01T00:00:00Z'], /--now: .*outside the TSE calendar range/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const r = await runCli(['operator', 'render', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('operator rbac', () => {
  it('prints the ServiceAccount, roles and bindings for the given namespace, without Secrets', async () => {
    const r = await runCli(['operator', 'rbac', '--namespace', 'ops']);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.out).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
    expect(docs[0].metadata).toMatchObject({ name: 'gogooku3-operator', namespace: 'ops' });
    expect(r.out).not.toMatch(/secrets/);
  });
});
