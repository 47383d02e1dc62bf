import { parse } from 'yaml';
import { AgeIdentityError, ageIdentitiesFromEnv, generateAgeKey, parseAgeIdentities, type AgeKeyPair } from './age';
import { decryptSopsTree, decryptSopsYaml, encryptSopsYaml, rfc3339, SopsFormatError, SopsKeyError, SopsMacError, sopsRecipients } from './sops';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { flattenSecrets, loadSopsSecrets } from './load';

const PLAIN = `# a comment that must not survive
warehousePassword: s3cr3t-warehouse
onlineStorePassword: "p@ss: with colon"
nested:
  list:
    - one
    - 2
  ratio: 0.25
  enabled: true
empty: ""
port_unencrypted: 8123
`;

let a: AgeKeyPair;
let b: AgeKeyPair;
let c: AgeKeyPair;
beforeAll(async () => {
  [a, b, c] = await Promise.all([generateAgeKey(), generateAgeKey(), generateAgeKey()]);
});

const now = new Date('2026-12-04T10:11:12.345Z');

describe('sops encrypt/decrypt', () => {
  test('round trip keeps values, types and key order; ciphertext has the sops layout', async () => {
    const enc = await encryptSopsYaml(PLAIN, { recipients: [a.recipient], now });
    expect(enc).not.toContain('s3cr3t');
    expect(enc).not.toContain('a comment');
    const doc = parse(enc);
    expect(doc.warehousePassword).toMatch(/^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{44},tag:[A-Za-z0-9+/=]{24},type:str\]$/);
    expect(doc.nested.list[1]).toMatch(/type:int\]$/);
    expect(doc.nested.ratio).toMatch(/type:float\]$/);
    expect(doc.nested.enabled).toMatch(/type:bool\]$/);
    expect(doc.empty).toBe('');
    expect(doc.port_unencrypted).toBe(8123);
    expect(enc).toContain('lastmodified: "2026-12-04T10:11:12Z"');
    expect(doc.sops.mac).toMatch(/^ENC\[AES256_GCM,.*type:str\]$/);
    expect(doc.sops.unencrypted_suffix).toBe('_unencrypted');
    expect(doc.sops.age).toEqual([{ recipient: a.recipient, enc: expect.stringMatching(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/) }]);
    const back = parse(await decryptSopsYaml(enc, [a.identity]));
    expect(back).toEqual(parse(PLAIN));
    expect(Object.keys(back)).toEqual(Object.keys(parse(PLAIN)));
  });

  test('each encryption uses a fresh data key and IVs', async () => {
    const [x, y] = await Promise.all([encryptSopsYaml(PLAIN, { recipients: [a.recipient], now }), encryptSopsYaml(PLAIN, { recipients: [a.recipient], now })]);
    expect(parse(x).warehousePassword).not.toBe(parse(y).warehousePassword);
  });

  test('wrong key → SopsKeyError naming the recipients, no key → SopsKeyError', async () => {
    const enc = await encryptSopsYaml(PLAIN, { recipients: [a.recipient], now });
    await expect(decryptSopsTree(enc, [c.identity])).rejects.toThrow(SopsKeyError);
    await expect(decryptSopsTree(enc, [c.identity])).rejects.toThrow(a.recipient);
    await expect(decryptSopsTree(enc, [])).rejects.toThrow(/SOPS_AGE_KEY/);
  });

  test('a file for two recipients decrypts with either identity', async () => {
    const enc = await encryptSopsYaml(PLAIN, { recipients: [a.recipient, b.recipient], now });
    expect(sopsRecipients(enc)).toEqual([a.recipient, b.recipient]);
    for (const id of [a.identity, b.identity]) expect((await decryptSopsTree(enc, [id])).get('warehousePassword')).toBe('s3cr3t-warehouse');
    await expect(decryptSopsTree(enc, [c.identity, b.identity])).resolves.toBeInstanceOf(Map);
  });

  test.each([
    ['flipped ciphertext byte', (t: string) => t.replace(/(warehousePassword: ENC\[AES256_GCM,data:)(.)/, (_m, p, ch) => `${p}${ch === 'A' ? 'B' : 'A'}`)],
    ['value moved to another key', (t: string) => {
      const d = parse(t);
      return t.replace(d.warehousePassword, d.onlineStorePassword).replace(/onlineStorePassword: .*/, `onlineStorePassword: ${d.warehousePassword}`);
    }],
    ['unencrypted value edited (caught by the MAC)', (t: string) => t.replace('port_unencrypted: 8123', 'port_unencrypted: 9000')],
    ['value removed (caught by the MAC)', (t: string) => t.replace(/^empty: .*\n/m, '').replace(/^warehousePassword: .*\n/m, '')],
  ])('tampering: %s → SopsMacError', async (_name, tamper) => {
    const enc = await encryptSopsYaml(PLAIN, { recipients: [a.recipient], now });
    const bad = tamper(enc);
    expect(bad).not.toBe(enc);
    await expect(decryptSopsTree(bad, [a.identity])).rejects.toThrow(SopsMacError);
  });

  test('encrypted_regex encrypts only matching subtrees (Kubernetes Secret style)', async () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: dwh\nstringData:\n  password: hunter2\n';
    const enc = await encryptSopsYaml(secret, { recipients: [a.recipient], encryptedRegex: '^(data|stringData)$', now });
    const doc = parse(enc);
    expect(doc.metadata.name).toBe('dwh');
    expect(doc.stringData.password).toMatch(/^ENC\[/);
    expect(doc.sops.encrypted_regex).toBe('^(data|stringData)$');
    expect(parse(await decryptSopsYaml(enc, [a.identity]))).toEqual(parse(secret));
  });

  test.each([
    ['not a mapping', '- a\n- b\n', { recipients: ['x'] }],
    ['null value', 'a: null\n', undefined],
    ['already encrypted', 'sops: {}\n', undefined],
  ])('encrypt rejects %s', async (_n, text, opts) => {
    await expect(encryptSopsYaml(text, opts ?? { recipients: [a.recipient] })).rejects.toThrow(SopsFormatError);
  });

  test('decrypt rejects a plain file', async () => {
    await expect(decryptSopsTree('a: 1\n', [a.identity])).rejects.toThrow(/not sops-encrypted/);
  });

  test('rfc3339 drops milliseconds like Go', () => expect(rfc3339(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z'));
});

test('flattenSecrets: dotted keys, strings; lists rejected', () => {
  expect(flattenSecrets(new Map<unknown, unknown>([['a', 1], ['b', new Map([['c', true]])]]))).toEqual({ a: '1', 'b.c': 'true' });
  expect(() => flattenSecrets(new Map([['l', [1]]]))).toThrow(/l: lists/);
});

test('loadSopsSecrets: decrypts with SOPS_AGE_KEY and wraps every value as a Pulumi secret', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sops-load-')), 'dev.enc.yaml');
  writeFileSync(file, await encryptSopsYaml('redisPassword: r3d1s\nnested:\n  key: v\n', { recipients: [b.recipient] }));
  const secrets = await loadSopsSecrets(file, { SOPS_AGE_KEY: b.identity, XDG_CONFIG_HOME: '/nonexistent' });
  expect(Object.keys(secrets)).toEqual(['redisPassword', 'nested.key']);
  expect(await pulumi.isSecret(secrets.redisPassword)).toBe(true);
  expect(await new Promise((r) => secrets.redisPassword.apply(r))).toBe('r3d1s');
  await expect(loadSopsSecrets(file, { SOPS_AGE_KEY: a.identity, XDG_CONFIG_HOME: '/nonexistent' })).rejects.toThrow(SopsKeyError);
  await expect(loadSopsSecrets(file, { SOPS_AGE_KEY: a.identity, XDG_CONFIG_HOME: '/nonexistent' })).rejects.toThrow(`${file}: no age identity matched`);
});

test.each([
  ['SopsKeyError', async () => decryptSopsTree(await encryptSopsYaml('a: b\n', { recipients: [a.recipient] }), [c.identity], { file: 'f.yaml' }), SopsKeyError, /^f\.yaml: no age identity matched/],
  ['SopsMacError', async () => decryptSopsTree((await encryptSopsYaml('a: b\nc_unencrypted: d\n', { recipients: [a.recipient] })).replace('c_unencrypted: d', 'c_unencrypted: e'), [a.identity], { file: 'f.yaml' }), SopsMacError, /^f\.yaml: MAC mismatch/],
  ['SopsFormatError', async () => decryptSopsTree('a: 1\n', [a.identity], { file: 'f.yaml' }), SopsFormatError, /^f\.yaml: no "sops" metadata/],
])('decryptSopsTree({ file }) keeps the %s type and names the file', async (_n, run, type, message) => {
  const error = await run().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
});

describe('age identities from env', () => {
  test('SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and keys.txt, comments skipped, deduplicated', () => {
    const files: Record<string, string> = { '/k/file.txt': `# created: now\n# public key: age1x\n${b.identity}\n`, '/cfg/sops/age/keys.txt': `${a.identity}\n` };
    const ids = ageIdentitiesFromEnv({ SOPS_AGE_KEY: `${a.identity}\n`, SOPS_AGE_KEY_FILE: '/k/file.txt', XDG_CONFIG_HOME: '/cfg' }, (f) => files[f]);
    expect(ids).toEqual([a.identity, b.identity]);
  });
  test('a missing SOPS_AGE_KEY_FILE is an error naming the variable', () => {
    expect(() => ageIdentitiesFromEnv({ SOPS_AGE_KEY_FILE: '/nope', XDG_CONFIG_HOME: '/cfg' }, () => undefined)).toThrow(new AgeIdentityError('SOPS_AGE_KEY_FILE: /nope: no such file'));
  });
  test('parseAgeIdentities keeps only secret keys', () => expect(parseAgeIdentities(`# x\n\nAGE-PLUGIN-YUBIKEY-1ABC\r\n${a.identity}\r\n`)).toEqual([a.identity]));
  // age-encryption's own errors quote the key ("Invalid checksum in AGE-SECRET-KEY-1…"), which would reach stderr.
  test.each([
    ['a flipped character', (id: string) => id.slice(0, -1) + (id.endsWith('Q') ? 'P' : 'Q')],
    ['a truncated key', (id: string) => id.slice(0, 40)],
    ['lower case (age rejects it too)', (id: string) => id.toLowerCase()],
  ])('a malformed key (%s) → AgeIdentityError naming source and line, not the key', (_n, corrupt) => {
    const bad = corrupt(a.identity);
    let error: unknown;
    try {
      parseAgeIdentities(`# public key: ${a.recipient}\n${bad}\n`, 'SOPS_AGE_KEY');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgeIdentityError);
    expect((error as Error).message).toMatch(/^SOPS_AGE_KEY line 2: not a valid age identity/);
    expect(`${(error as Error).message} ${String((error as Error).cause)}`.toUpperCase()).not.toContain(bad.slice(16, 36).toUpperCase());
  });
  test('decryptSopsTree refuses a malformed identity with AgeIdentityError, not the library error', async () => {
    const enc = await encryptSopsYaml('a: b\n', { recipients: [a.recipient] });
    await expect(decryptSopsTree(enc, [b.identity, 'AGE-SECRET-KEY-1XYZ'])).rejects.toThrow(new AgeIdentityError('age identity #2: not a valid age identity (expected AGE-SECRET-KEY-1… as written by age-keygen, upper case)'));
  });
});
