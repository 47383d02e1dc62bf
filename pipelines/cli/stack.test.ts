import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../test/helpers/run-cli';
import { generateAgeKey } from '../../stacks/secrets/age';

const STACKS = path.join(__dirname, '..', '..', 'stacks');
let dir: string;
let stacks: string;
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stack-cli-'));
  stacks = path.join(dir, 'stacks');
  require('node:fs').mkdirSync(stacks);
  for (const env of ['dev', 'staging', 'prod']) copyFileSync(path.join(STACKS, `Pulumi.${env}.yaml`), path.join(stacks, `Pulumi.${env}.yaml`));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const passing = () => file('parity.json', JSON.stringify({ pass: true, maxPsi: 0.01, exactMatchRate: 1 }));
const record = (env: string, rollout = 'Promoted', regression = true) =>
  runCli(['stack', 'gate', 'record', '--env', env, '--parity', passing(), '--regression', file('reg.json', JSON.stringify({ pass: regression })), '--rollout', rollout, '--stacks-dir', stacks]);
const promote = (...args: string[]) => runCli(['stack', 'promote', ...args, '--stacks-dir', stacks]);

describe('stack gate record / promote', () => {
  it('dry run prints the diff and writes nothing; --apply writes only the versions; evidence is written', async () => {
    const r = await record('dev');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/^parity {5}PASS \(max PSI 0\.0100, exact-match 100\.00 %\)\nregression PASS\nrollout {4}PASS \(Promoted\)\nrecorded .*gates\/dev\.json for image 0\.1\.0/);
    const before = readFileSync(path.join(stacks, 'Pulumi.staging.yaml'), 'utf8');
    const dry = await promote('--from', 'dev', '--to', 'staging');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('@@ gogooku3:versions @@\n-  featureSet: fs-2026.11.24\n+  featureSet: fs-2026.12.01\n-  models.lgbm-daily: 3\n+  models.lgbm-daily: 4\n');
    expect(dry.out).toMatch(/dry run: re-run with --apply/);
    expect(readFileSync(path.join(stacks, 'Pulumi.staging.yaml'), 'utf8')).toBe(before);
    const evidence = path.join(dir, 'evidence.json');
    const applied = await promote('--from', 'dev', '--to', 'staging', '--apply', '--evidence', evidence);
    expect(applied.code).toBe(0);
    const after = readFileSync(path.join(stacks, 'Pulumi.staging.yaml'), 'utf8');
    expect(after).toBe(before.replace('featureSet: fs-2026.11.24', 'featureSet: fs-2026.12.01').replace('lgbm-daily: 3', 'lgbm-daily: 4'));
    expect(JSON.parse(readFileSync(evidence, 'utf8'))).toMatchObject({ from: 'dev', to: 'staging', applied: true, decision: { kind: 'promote' } });
    // Staging now has dev's versions but no gate record of its own: prod promotion is refused.
    const prod = await promote('--from', 'staging', '--to', 'prod');
    expect(prod.code).toBe(1);
    expect(prod.err).toMatch(/no gate record for staging/);
  });

  it('a failed gate is exit 1 naming the gate; record exits 1 too', async () => {
    expect((await record('dev', 'RolledBack')).code).toBe(1);
    const r = await promote('--from', 'dev', '--to', 'staging');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused: gates failed\n {2}rollout: FAIL \(phase RolledBack, expected Promoted\)/);
  });

  it('gates recorded on other versions do not count', async () => {
    await record('dev');
    const p = path.join(stacks, 'Pulumi.dev.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('image: 0.1.0', 'image: 0.1.1'));
    const r = await promote('--from', 'dev', '--to', 'staging');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/versions: the gates were recorded on other versions than dev has now \(image: gated on 0\.1\.0, stack has 0\.1\.1\)/);
  });

  it.each([
    [['--from', 'dev', '--to', 'prod'], /prod is promoted to only from staging, not from dev/],
    [['--from', 'qa', '--to', 'staging'], /--from: unknown stack "qa" \(allowed: dev, staging, prod\)/],
    [['--from', 'dev'], /required option '--to <env>'/],
  ])('usage errors exit 2: %j', async (args, message) => {
    await record('dev');
    const r = await promote(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('stack render', () => {
  it('writes the manifests and a kustomization; an unknown stack is a usage error', async () => {
    const out = path.join(dir, 'deploy');
    const r = await runCli(['stack', 'render', '--stack', 'dev', '--out', out, '--stacks-dir', stacks]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^rendered dev: \d+ files in .*deploy\n$/);
    const kustomization = readFileSync(path.join(out, 'kustomization.yaml'), 'utf8');
    expect(kustomization).toMatch(/^apiVersion: kustomize\.config\.k8s\.io\/v1beta1\nkind: Kustomization\nresources:\n {2}- platform\.yaml\n/);
    const bad = await runCli(['stack', 'render', '--stack', 'qa', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--stack: unknown stack "qa"/);
  });
});

describe('stack secrets', () => {
  it('encrypt → decrypt round trip through the CLI; wrong key exits 2', async () => {
    const k = await generateAgeKey();
    const other = await generateAgeKey();
    const plain = file('plain.yaml', 'clickhousePassword: hunter2\nredisPassword: r3d1s\n');
    const out = path.join(dir, 'dev.enc.yaml');
    const enc = await runCli(['stack', 'secrets', 'encrypt', '--in', plain, '--out', out, '--recipient', k.recipient]);
    expect(enc).toMatchObject({ code: 0 });
    expect(readFileSync(out, 'utf8')).not.toContain('hunter2');
    const dec = await runCli(['stack', 'secrets', 'decrypt', out], { SOPS_AGE_KEY: k.identity, XDG_CONFIG_HOME: dir });
    expect(dec).toMatchObject({ code: 0, out: 'clickhousePassword: hunter2\nredisPassword: r3d1s\n' });
    const bad = await runCli(['stack', 'secrets', 'decrypt', out], { SOPS_AGE_KEY: other.identity, XDG_CONFIG_HOME: dir });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${out}: no age identity matched: none of the 1 identities opens the data key`);
    // a malformed key is a usage error that never echoes the key
    const broken = `${k.identity.slice(0, -4)}QQQQ`;
    const malformed = await runCli(['stack', 'secrets', 'decrypt', out], { SOPS_AGE_KEY: broken, XDG_CONFIG_HOME: dir });
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/SOPS_AGE_KEY line 1/);
    expect(malformed.err + malformed.out).not.toContain(broken.slice(20));
  });

  it('the committed .sops.yaml holds placeholders: encrypting with it says so', async () => {
    copyFileSync(path.join(STACKS, '.sops.yaml'), path.join(stacks, '.sops.yaml'));
    const r = await runCli(['stack', 'secrets', 'encrypt', '--in', file('p.yaml', 'a: b\n'), '--out', path.join(stacks, 'secrets', 'dev.enc.yaml'), '--stacks-dir', stacks]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/age1placeholder-dev-ci-key is a placeholder/);
  });
});
