import { readFile } from 'node:fs/promises';
import * as pulumi from '@pulumi/pulumi';
import { ageIdentitiesFromEnv } from './age';
import { decryptSopsTree } from './sops';

/** Flattens a decrypted tree to dotted keys → string (secrets files are flat in practice; nesting still works). */
export function flattenSecrets(tree: Map<unknown, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of tree) {
    const key = `${prefix}${String(k)}`;
    if (v instanceof Map) Object.assign(out, flattenSecrets(v, `${key}.`));
    else if (Array.isArray(v)) throw new Error(`${key}: lists are not supported in a secrets file`);
    else out[key] = String(v);
  }
  return out;
}

/**
 * Decrypts a sops file at deploy time and wraps every value with pulumi.secret, so the values are encrypted in
 * the Pulumi state and masked in previews. The key comes from SOPS_AGE_KEY / SOPS_AGE_KEY_FILE, as for sops.
 */
export async function loadSopsSecrets(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, pulumi.Output<string>>> {
  const text = await readFile(file, 'utf8');
  const plain = flattenSecrets(await decryptSopsTree(text, ageIdentitiesFromEnv(env), { file }));
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, pulumi.secret(v)]));
}
