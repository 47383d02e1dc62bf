import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as age from 'age-encryption';

/**
 * The age side of sops: the data key is age-encrypted and armored once per recipient, and identities come
 * from the same places sops reads them (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, then the user's keys.txt).
 */

/**
 * An age identity that cannot be used: malformed, or its key file is missing. The message names where the
 * identity came from, never its text (age-encryption's own errors quote the whole key).
 */
export class AgeIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgeIdentityError';
  }
}

/**
 * Adds `identity` to `d` (by default a throwaway decrypter: only validates), or throws AgeIdentityError.
 * Deliberately no `cause`: the library's error ("Invalid checksum in AGE-SECRET-KEY-1…") quotes the key, and
 * causes end up in logs and on the CLI's stderr.
 */
function addIdentity(identity: string, where: string, d = new age.Decrypter()): void {
  try {
    d.addIdentity(identity);
  } catch {
    throw new AgeIdentityError(`${where}: not a valid age identity (expected AGE-SECRET-KEY-1… as written by age-keygen, upper case)`);
  }
}

export async function ageEncryptDataKey(key: Uint8Array, recipient: string): Promise<string> {
  const e = new age.Encrypter();
  e.addRecipient(recipient);
  const armored = age.armor.encode(await e.encrypt(key));
  return armored.endsWith('\n') ? armored : `${armored}\n`;
}

/** The data key, or undefined when none of the identities is a recipient of this stanza set. */
export async function ageDecryptDataKey(armored: string, identities: readonly string[]): Promise<Uint8Array | undefined> {
  const d = new age.Decrypter();
  identities.forEach((id, i) => addIdentity(id, `age identity #${i + 1}`, d));
  let file: Uint8Array;
  try {
    file = age.armor.decode(armored.trim() + '\n');
  } catch {
    return undefined;
  }
  try {
    return await d.decrypt(file);
  } catch {
    // age reports "no identity matched" and corrupt stanzas alike; either way this recipient is not ours.
    return undefined;
  }
}

export interface AgeKeyPair {
  identity: string;
  recipient: string;
}

/** A fresh X25519 key pair (the recipient type every sops release understands). */
export async function generateAgeKey(): Promise<AgeKeyPair> {
  const identity = await age.generateX25519Identity();
  return { identity, recipient: await age.identityToRecipient(identity) };
}

/**
 * `AGE-SECRET-KEY-…` lines of a keys.txt-style text; comments, blank and other lines (e.g. plugin identities,
 * which need an age plugin binary) are skipped. A malformed key line is an AgeIdentityError naming `source` and
 * the line, as age itself rejects the whole file then, rather than a later misleading "no identity matched".
 */
export function parseAgeIdentities(text: string, source = 'age key'): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!/^AGE-SECRET-KEY-/i.test(line)) return;
    addIdentity(line, `${source} line ${i + 1}`);
    out.push(line);
  });
  return out;
}

export type ReadText = (file: string) => string | undefined;

const readIfExists: ReadText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`reading age key file ${file}`, { cause: error });
  }
};

/** Identities the way sops finds them: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, then $XDG_CONFIG_HOME/sops/age/keys.txt. */
export function ageIdentitiesFromEnv(env: NodeJS.ProcessEnv = process.env, read: ReadText = readIfExists): string[] {
  const out: string[] = [];
  if (env.SOPS_AGE_KEY) out.push(...parseAgeIdentities(env.SOPS_AGE_KEY, 'SOPS_AGE_KEY'));
  if (env.SOPS_AGE_KEY_FILE) {
    const text = read(env.SOPS_AGE_KEY_FILE);
    if (text === undefined) throw new AgeIdentityError(`SOPS_AGE_KEY_FILE: ${env.SOPS_AGE_KEY_FILE}: no such file`);
    out.push(...parseAgeIdentities(text, `SOPS_AGE_KEY_FILE ${env.SOPS_AGE_KEY_FILE}`));
  }
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  const keysTxt = path.join(configHome, 'sops', 'age', 'keys.txt');
  const fallback = read(keysTxt);
  if (fallback !== undefined) out.push(...parseAgeIdentities(fallback, keysTxt));
  return [...new Set(out)];
}
