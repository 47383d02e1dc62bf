import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Document, isMap, parse, parseDocument, Scalar } from 'yaml';
import { ageDecryptDataKey, ageEncryptDataKey } from './age';

/**
 * SOPS-format encryption of YAML files for age recipients, interoperable with the `sops` CLI (v3):
 * - each leaf becomes `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:str|int|float|bool]`, AES-256-GCM with a
 *   32-byte IV under one random 32-byte data key, with the leaf's mapping-key path joined by ':' plus a trailing
 *   ':' as additional data (list indices are NOT part of the path, as in sops' walkSlice);
 * - empty strings stay empty (sops does not encrypt them);
 * - `sops.mac` = upper-case hex SHA-512 over every leaf's plaintext bytes in document order (booleans as
 *   True/False, as sops does), encrypted like a leaf with `lastmodified` (RFC 3339, seconds) as additional data;
 * - the data key is age-encrypted (armored) once per recipient in `sops.age[].enc`.
 * Comments are dropped on encryption: sops would encrypt them, and a dropped comment cannot leak.
 */

export const SOPS_VERSION = '3.9.4';
const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_RE = /^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]$/;

export class SopsFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SopsFormatError';
  }
}
/** None of the available age identities can open the file's data key. */
export class SopsKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SopsKeyError';
  }
}
/** A value or the MAC does not authenticate: the file was changed after encryption. */
export class SopsMacError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SopsMacError';
  }
}

type Leaf = string | number | boolean;
type Tree = Map<unknown, unknown> | unknown[] | Leaf | null;

export interface SopsRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
}

export interface EncryptOptions extends SopsRules {
  recipients: readonly string[];
  /** Defaults to now; fixed in tests. */
  now?: Date;
}

function shouldEncrypt(path: readonly string[], rules: SopsRules): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix && path.some((k) => k.endsWith(rules.unencryptedSuffix!))) encrypted = false;
  if (rules.encryptedSuffix) encrypted = path.some((k) => k.endsWith(rules.encryptedSuffix!));
  if (rules.unencryptedRegex && path.some((k) => new RegExp(rules.unencryptedRegex!).test(k))) encrypted = false;
  if (rules.encryptedRegex) encrypted = path.some((k) => new RegExp(rules.encryptedRegex!).test(k));
  return encrypted;
}

/** sops' ToBytes: the bytes a leaf contributes to the MAC and the plaintext it encrypts. */
function leafBytes(value: Leaf): { text: string; type: 'str' | 'int' | 'float' | 'bool' } {
  if (typeof value === 'string') return { text: value, type: 'str' };
  if (typeof value === 'boolean') return { text: value ? 'True' : 'False', type: 'bool' };
  if (Number.isInteger(value)) return { text: String(value), type: 'int' };
  if (!Number.isFinite(value)) throw new SopsFormatError(`cannot encrypt non-finite number ${value}`);
  // Go's FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never exponent notation.
  const s = String(value);
  return { text: /e/i.test(s) ? value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : s, type: 'float' };
}

function encryptLeaf(text: string, type: string, key: Buffer, aad: string): string {
  if (text === '' && type === 'str') return '';
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${cipher.getAuthTag().toString('base64')},type:${type}]`;
}

function decryptLeaf(value: string, key: Buffer, aad: string, where: string): Leaf {
  if (value === '') return '';
  const m = ENC_RE.exec(value);
  if (!m) throw new SopsFormatError(`${where}: not a sops ENC[AES256_GCM,...] value`);
  const [, data, iv, tag, type] = m;
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SopsMacError(`${where}: value does not authenticate (changed after encryption, or moved to another key)`);
  }
  switch (type) {
    case 'str': return plain;
    case 'int': case 'float': {
      const n = Number(plain);
      if (!Number.isFinite(n)) throw new SopsFormatError(`${where}: ${type} value is not a number`);
      return n;
    }
    case 'bool': return /^(true|t|1)$/i.test(plain);
    default: throw new SopsFormatError(`${where}: unsupported sops type ${JSON.stringify(type)} (str, int, float, bool)`);
  }
}

/** Walks a tree like sops: map keys extend the path, list elements keep their parent's path. */
function walk(tree: Tree, path: string[], onLeaf: (leaf: Leaf, path: string[]) => Leaf): Tree {
  if (tree instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of tree) out.set(k, walk(v as Tree, [...path, String(k)], onLeaf));
    return out;
  }
  if (Array.isArray(tree)) return tree.map((v) => walk(v as Tree, path, onLeaf));
  if (tree === null || tree === undefined) throw new SopsFormatError(`${path.join('.') || '(root)'}: null values cannot be encrypted (sops rejects them too)`);
  if (typeof tree === 'object') throw new SopsFormatError(`${path.join('.')}: unsupported YAML value`);
  return onLeaf(tree, path);
}

const sha512Hex = (parts: string[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p, 'utf8');
  return h.digest('hex').toUpperCase();
};

/** sops formats lastmodified with Go's time.RFC3339 in UTC: seconds precision, `Z`. */
export const rfc3339 = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

function rulesToMetadata(rules: SopsRules): Record<string, string> {
  const out: Record<string, string> = {};
  if (rules.encryptedRegex) out.encrypted_regex = rules.encryptedRegex;
  else if (rules.unencryptedRegex) out.unencrypted_regex = rules.unencryptedRegex;
  else if (rules.encryptedSuffix) out.encrypted_suffix = rules.encryptedSuffix;
  else out.unencrypted_suffix = rules.unencryptedSuffix ?? '_unencrypted';
  return out;
}

/** Encrypts a plaintext YAML mapping for the given age recipients; returns the sops-format YAML text. */
export async function encryptSopsYaml(plainYaml: string, options: EncryptOptions): Promise<string> {
  if (options.recipients.length === 0) throw new SopsFormatError('at least one age recipient is required');
  const doc = parseDocument(plainYaml);
  if (doc.errors.length > 0) throw new SopsFormatError(`not valid YAML: ${doc.errors[0].message}`);
  if (!isMap(doc.contents)) throw new SopsFormatError('the document must be a mapping');
  const tree = doc.toJS({ mapAsMap: true }) as Map<unknown, unknown>;
  if (tree.has('sops')) throw new SopsFormatError('the file is already sops-encrypted (it has a top-level "sops" key)');
  const meta = rulesToMetadata(options);
  const rules = metadataToRules(meta);
  const key = randomBytes(32);
  const macParts: string[] = [];
  const encrypted = walk(tree, [], (leaf, path) => {
    const { text, type } = leafBytes(leaf);
    macParts.push(text);
    return shouldEncrypt(path, rules) ? encryptLeaf(text, type, key, `${path.join(':')}:`) : leaf;
  }) as Map<unknown, unknown>;
  const lastmodified = rfc3339(options.now ?? new Date());
  const age = [];
  for (const recipient of options.recipients) age.push(new Map([['recipient', recipient], ['enc', await ageEncryptDataKey(key, recipient)]]));
  const sops = new Map<string, unknown>([
    ['age', age],
    // Quoted like sops writes it, so YAML 1.1 readers do not turn it into a timestamp.
    ['lastmodified', Object.assign(new Scalar(lastmodified), { type: Scalar.QUOTE_DOUBLE })],
    ['mac', encryptLeaf(sha512Hex(macParts), 'str', key, lastmodified)],
    ...Object.entries(meta),
    ['version', SOPS_VERSION],
  ]);
  encrypted.set('sops', sops);
  return new Document(encrypted).toString({ lineWidth: 0 });
}

function metadataToRules(meta: Record<string, unknown>): SopsRules {
  const str = (k: string) => (typeof meta[k] === 'string' && meta[k] !== '' ? (meta[k] as string) : undefined);
  return { unencryptedSuffix: str('unencrypted_suffix'), encryptedSuffix: str('encrypted_suffix'), unencryptedRegex: str('unencrypted_regex'), encryptedRegex: str('encrypted_regex') };
}

interface ParsedSops {
  tree: Map<unknown, unknown>;
  recipients: Array<{ recipient: string; enc: string }>;
  lastmodified: string;
  mac: string;
  rules: SopsRules;
}

function parseSopsYaml(text: string): ParsedSops {
  let tree: unknown;
  try {
    tree = parse(text, { mapAsMap: true });
  } catch (error) {
    throw new SopsFormatError('not valid YAML', { cause: error });
  }
  if (!(tree instanceof Map)) throw new SopsFormatError('the document must be a mapping');
  const sops = tree.get('sops');
  if (!(sops instanceof Map)) throw new SopsFormatError('no "sops" metadata: the file is not sops-encrypted');
  const meta = Object.fromEntries(sops) as Record<string, unknown>;
  const age = Array.isArray(meta.age) ? meta.age : [];
  const recipients = age.map((entry, i) => {
    const e = entry instanceof Map ? Object.fromEntries(entry) as Record<string, unknown> : {};
    if (typeof e.enc !== 'string' || typeof e.recipient !== 'string') throw new SopsFormatError(`sops.age[${i}]: needs recipient and enc`);
    return { recipient: e.recipient, enc: e.enc };
  });
  if (recipients.length === 0) throw new SopsFormatError('sops.age: no age recipients (other key types are not supported here)');
  if (typeof meta.lastmodified !== 'string' || typeof meta.mac !== 'string') throw new SopsFormatError('sops metadata needs lastmodified and mac');
  const body = new Map(tree);
  body.delete('sops');
  return { tree: body, recipients, lastmodified: meta.lastmodified, mac: meta.mac, rules: metadataToRules(meta) };
}

/** The age recipients a sops file is encrypted for (no key needed). */
export function sopsRecipients(text: string): string[] {
  return parseSopsYaml(text).recipients.map((r) => r.recipient);
}

export interface DecryptOptions {
  /** Where the text came from; typed errors then start with it, so the operator knows which file to fix. */
  file?: string;
}

/** Decrypts a sops-format YAML file with age identities (`AGE-SECRET-KEY-1…`); returns the plaintext tree. */
export async function decryptSopsTree(text: string, identities: readonly string[], options: DecryptOptions = {}): Promise<Map<unknown, unknown>> {
  try {
    return await decryptTree(text, identities);
  } catch (error) {
    if (!options.file) throw error;
    for (const E of [SopsFormatError, SopsKeyError, SopsMacError]) {
      if (error instanceof E) throw new E(`${options.file}: ${error.message}`, { cause: error.cause });
    }
    throw error;
  }
}

async function decryptTree(text: string, identities: readonly string[]): Promise<Map<unknown, unknown>> {
  const parsed = parseSopsYaml(text);
  if (identities.length === 0) throw new SopsKeyError('no age identity: set SOPS_AGE_KEY or SOPS_AGE_KEY_FILE');
  let key: Uint8Array | undefined;
  for (const { enc } of parsed.recipients) {
    key = await ageDecryptDataKey(enc, identities);
    if (key) break;
  }
  if (!key) throw new SopsKeyError(`no age identity matched: none of the ${identities.length} identities opens the data key for the file's recipients (${parsed.recipients.map((r) => r.recipient).join(', ')})`);
  if (key.length !== 32) throw new SopsFormatError(`data key has ${key.length} bytes, expected 32`);
  const dataKey = Buffer.from(key);
  const macParts: string[] = [];
  const plain = walk(parsed.tree, [], (leaf, path) => {
    const where = path.join('.') || '(root)';
    const value = shouldEncrypt(path, parsed.rules) && typeof leaf === 'string' ? decryptLeaf(leaf, dataKey, `${path.join(':')}:`, where) : leaf;
    macParts.push(leafBytes(value).text);
    return value;
  }) as Map<unknown, unknown>;
  const stored = decryptLeaf(parsed.mac, dataKey, parsed.lastmodified, 'sops.mac');
  const computed = Buffer.from(sha512Hex(macParts));
  if (typeof stored !== 'string' || stored.length !== computed.length || !timingSafeEqual(Buffer.from(stored), computed)) {
    throw new SopsMacError('MAC mismatch: the file was changed after encryption (a value was added, removed or edited)');
  }
  return plain;
}

/** Decrypts to plain YAML text (keys in the file's order). */
export async function decryptSopsYaml(text: string, identities: readonly string[], options: DecryptOptions = {}): Promise<string> {
  return new Document(await decryptSopsTree(text, identities, options)).toString({ lineWidth: 0 });
}
