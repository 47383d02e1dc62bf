/**
 * Our SOPS/age code (stacks/secrets) against the real `age` / `age-keygen` binaries: key files written by
 * age-keygen load through SOPS_AGE_KEY(_FILE), the armored data key we write opens with `age -d`, and data keys
 * armored by `age -a` open through our loader. The AES-GCM value format is checked by an independent
 * implementation of SOPS's documented layout below, not by calling sops.ts.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import * as age from 'age-encryption';
import { parse, parseDocument } from 'yaml';
import { AgeIdentityError, ageIdentitiesFromEnv, generateAgeKey, type AgeKeyPair } from '../../stacks/secrets/age';
import { loadSopsSecrets } from '../../stacks/secrets/load';
import { encryptSopsYaml, SopsKeyError, SopsMacError } from '../../stacks/secrets/sops';
import { ageCli, type AgeCli } from '../helpers/age-cli';

const cli = ageCli();
const suite = cli ? describe : describe.skip;
if (!cli) console.warn('age / age-keygen are missing from PATH: skipping the age interop tests');

const PLAIN = 'clickhousePassword: "ch: p@ss"\nnested:\n  inner:\n    redisPassword: r3d1s\nport_unencrypted: 8123\n';
const EXPECTED = { clickhousePassword: 'ch: p@ss', 'nested.inner.redisPassword': 'r3d1s', port_unencrypted: '8123' };

// --- SOPS's value format, written from its documentation (not from sops.ts) -----------------------------------
// ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>], AES-256-GCM; additional data = key path joined by ':'
// plus a trailing ':'; the MAC is SHA-512 (upper-case hex) over the values, encrypted with lastmodified as AAD.

function openValue(value: string, key: Buffer, aad: string): string {
  const body = /^ENC\[AES256_GCM,(.*)\]$/.exec(value)?.[1];
  if (!body) throw new Error(`not an ENC[AES256_GCM,...] value: ${value}`);
  const f = Object.fromEntries(body.split(',').map((kv) => [kv.slice(0, kv.indexOf(':')), kv.slice(kv.indexOf(':') + 1)]));
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(f.iv, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(f.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(f.data, 'base64')), d.final()]).toString();
}

function sealValue(plain: string, type: string, key: Buffer, aad: string): string {
  const iv = randomBytes(32);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(plain), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

const sha512Upper = (values: string[]) => createHash('sha512').update(values.join('')).digest('hex').toUpperCase();

/** A sops file built without our encryptor: values sealed here, the data key armored by the real `age`. */
function foreignSopsFile(a: AgeCli, dataKey: Buffer, recipient: string): string {
  const lastmodified = '2026-12-04T10:11:12Z';
  const enc = a.encrypt(dataKey, [recipient]);
  const indent = (s: string) => s.trimEnd().split('\n').map((l) => `        ${l}`).join('\n');
  return [
    `clickhousePassword: ${sealValue('ch: p@ss', 'str', dataKey, 'clickhousePassword:')}`,
    'nested:',
    '  inner:',
    `    redisPassword: ${sealValue('r3d1s', 'str', dataKey, 'nested:inner:redisPassword:')}`,
    'port_unencrypted: 8123',
    'sops:',
    '  age:',
    `    - recipient: ${recipient}`,
    '      enc: |',
    indent(enc),
    `  lastmodified: "${lastmodified}"`,
    `  mac: ${sealValue(sha512Upper(['ch: p@ss', 'r3d1s', '8123']), 'str', dataKey, lastmodified)}`,
    '  unencrypted_suffix: _unencrypted',
    '  version: 3.9.4',
    '',
  ].join('\n');
}

// --------------------------------------------------------------------------------------------------------------

async function plainValues(secrets: Record<string, pulumi.Output<string>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) {
    expect(await pulumi.isSecret(v)).toBe(true);
    out[k] = await new Promise<string>((resolve) => v.apply(resolve));
  }
  return out;
}

suite('SOPS/age interop with the real age binaries', () => {
  let a: AgeCli;
  let dir: string;
  let real: { file: string; recipient: string };
  let ours: AgeKeyPair & { file: string };
  // A config home with no sops/age/keys.txt, so the developer's own keys never take part.
  const env = (vars: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: path.join(dir, 'no-config'), ...vars });
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { mode: 0o600 });
    return file;
  };

  beforeAll(async () => {
    a = cli!;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-age-'));
    real = a.keygen(dir, 'real.txt');
    const k = await generateAgeKey();
    ours = { ...k, file: write('ours.txt', `# public key: ${k.recipient}\n${k.identity}\n`) };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an age-keygen key file is read from SOPS_AGE_KEY_FILE and SOPS_AGE_KEY; a file for its recipient loads', async () => {
    const text = fs.readFileSync(real.file, 'utf8');
    expect(text).toMatch(/^# created: .+\n# public key: age1[0-9a-z]+\nAGE-SECRET-KEY-1[0-9A-Z]+\n$/);
    expect(text).toContain(`# public key: ${real.recipient}\n`);
    const secretLine = text.split('\n')[2];
    for (const vars of [{ SOPS_AGE_KEY_FILE: real.file }, { SOPS_AGE_KEY: text }]) {
      const ids = ageIdentitiesFromEnv(env(vars));
      expect(ids).toEqual([secretLine]);
      expect(await age.identityToRecipient(ids[0])).toBe(real.recipient);
    }
    const file = write('real.enc.yaml', await encryptSopsYaml(PLAIN, { recipients: [real.recipient] }));
    expect(await plainValues(await loadSopsSecrets(file, env({ SOPS_AGE_KEY_FILE: real.file })))).toEqual(EXPECTED);
    expect(await plainValues(await loadSopsSecrets(file, env({ SOPS_AGE_KEY: text })))).toEqual(EXPECTED);
  });

  test('the data key we armor opens with `age -d`, and it opens our values and MAC as SOPS documents them', async () => {
    const enc = await encryptSopsYaml(PLAIN, { recipients: [real.recipient] });
    const doc = parse(enc);
    const dataKey = a.decrypt(doc.sops.age[0].enc, real.file);
    expect(dataKey).toHaveLength(32);
    expect(openValue(doc.clickhousePassword, dataKey, 'clickhousePassword:')).toBe('ch: p@ss');
    expect(openValue(doc.nested.inner.redisPassword, dataKey, 'nested:inner:redisPassword:')).toBe('r3d1s');
    // The additional data really binds the value to its path: the right key under another path fails.
    expect(() => openValue(doc.nested.inner.redisPassword, dataKey, 'clickhousePassword:')).toThrow(/authenticate/);
    expect(openValue(doc.sops.mac, dataKey, doc.sops.lastmodified)).toBe(sha512Upper(['ch: p@ss', 'r3d1s', '8123']));
  });

  test('a data key armored by `age -a` replaces ours in sops.age and still loads; a different key fails the values', async () => {
    const file = write('rewrapped.enc.yaml', await encryptSopsYaml(PLAIN, { recipients: [real.recipient] }));
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    const ourBlob = doc.getIn(['sops', 'age', 0, 'enc']) as string;
    const dataKey = a.decrypt(ourBlob, real.file);
    const theirBlob = a.encrypt(dataKey, [real.recipient]);
    expect(theirBlob).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    expect(theirBlob).not.toBe(ourBlob);
    doc.setIn(['sops', 'age', 0, 'enc'], theirBlob);
    fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
    expect(await plainValues(await loadSopsSecrets(file, env({ SOPS_AGE_KEY_FILE: real.file })))).toEqual(EXPECTED);

    doc.setIn(['sops', 'age', 0, 'enc'], a.encrypt(randomBytes(32), [real.recipient]));
    fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
    await expect(loadSopsSecrets(file, env({ SOPS_AGE_KEY_FILE: real.file }))).rejects.toThrow(SopsMacError);
  });

  test('a file written without our encryptor (values sealed here, data key armored by `age`) loads', async () => {
    const file = write('foreign.enc.yaml', foreignSopsFile(a, randomBytes(32), real.recipient));
    expect(await plainValues(await loadSopsSecrets(file, env({ SOPS_AGE_KEY_FILE: real.file })))).toEqual(EXPECTED);
  });

  test('two recipients (age-keygen and ours): either identity alone opens it, in our loader and in `age -d`', async () => {
    expect(a.recipientOf(ours.file)).toBe(ours.recipient);
    const file = write('two.enc.yaml', await encryptSopsYaml(PLAIN, { recipients: [real.recipient, ours.recipient] }));
    for (const vars of [{ SOPS_AGE_KEY_FILE: real.file }, { SOPS_AGE_KEY_FILE: ours.file }, { SOPS_AGE_KEY: ours.identity }]) {
      expect(await plainValues(await loadSopsSecrets(file, env(vars)))).toEqual(EXPECTED);
    }
    const doc = parse(fs.readFileSync(file, 'utf8'));
    expect(doc.sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([real.recipient, ours.recipient]);
    const viaReal = a.decrypt(doc.sops.age[0].enc, real.file);
    expect(a.decrypt(doc.sops.age[1].enc, ours.file).equals(viaReal)).toBe(true);
    expect(() => a.decrypt(doc.sops.age[1].enc, real.file)).toThrow(/no identity matched/);
  });

  test('a wrong key: SopsKeyError naming the file and that no identity matched', async () => {
    const file = write('wrong.enc.yaml', await encryptSopsYaml(PLAIN, { recipients: [real.recipient, ours.recipient] }));
    const stranger = a.keygen(dir, 'stranger.txt');
    const failure = loadSopsSecrets(file, env({ SOPS_AGE_KEY_FILE: stranger.file }));
    await expect(failure).rejects.toThrow(SopsKeyError);
    await expect(failure).rejects.toThrow(`${file}: no age identity matched`);
    await expect(failure).rejects.toThrow(real.recipient);
  });

  test('a corrupt age-keygen key is refused by `age` and by us, with a typed error that does not quote the key', () => {
    const text = fs.readFileSync(real.file, 'utf8');
    const key = text.split('\n')[2];
    const corrupt = key.slice(0, -1) + (key.endsWith('Q') ? 'P' : 'Q');
    const file = write('corrupt.txt', text.replace(key, corrupt));
    expect(() => a.decrypt(a.encrypt(Buffer.from('x'), [real.recipient]), file)).toThrow(/malformed secret key/);
    let error: unknown;
    try {
      ageIdentitiesFromEnv(env({ SOPS_AGE_KEY_FILE: file }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgeIdentityError);
    expect((error as Error).message).toContain(`${file} line 3`);
    expect(JSON.stringify(error) + String((error as Error).message) + String((error as Error).cause)).not.toContain(corrupt.slice(16, 40));
  });
});
