import { parseAllDocuments } from 'yaml';
import { operatorCrds } from '../../operator/crds/generate';
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
