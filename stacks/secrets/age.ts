import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as age from 'age-encryption';

/**
 * The age side of sops: the data key is age-encrypted and armored once per recipient, and identities come
 * from the same places sops reads them (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, then the user's keys.txt).
 */

export async function ageEncryptDataKey(key: Uint8Array, recipient: string): Promise<string> {
  const e = new age.Encrypter();
  e.addRecipient(recipient);
  const armored = age.armor.encode(await e.encrypt(key));
  return armored.endsWith('\n') ? armored : `${armored}\n`;
}

/** The data key, or undefined when none of the identities is a recipient of this stanza set. */
export async function ageDecryptDataKey(armored: string, identities: readonly string[]): Promise<Uint8Array | undefined> {
  const d = new age.Decrypter();
  for (const id of identities) d.addIdentity(id);
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

/** `AGE-SECRET-KEY-1…` lines of a keys.txt-style text; comments and blank lines are skipped. */
export function parseAgeIdentities(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^AGE-SECRET-KEY-/i.test(l));
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
  if (env.SOPS_AGE_KEY) out.push(...parseAgeIdentities(env.SOPS_AGE_KEY));
  if (env.SOPS_AGE_KEY_FILE) {
    const text = read(env.SOPS_AGE_KEY_FILE);
    if (text === undefined) throw new Error(`SOPS_AGE_KEY_FILE: ${env.SOPS_AGE_KEY_FILE}: no such file`);
    out.push(...parseAgeIdentities(text));
  }
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  const fallback = read(path.join(configHome, 'sops', 'age', 'keys.txt'));
  if (fallback !== undefined) out.push(...parseAgeIdentities(fallback));
  return [...new Set(out)];
}
