import path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { ENVIRONMENTS, type Environment, type RawConfig, StackConfigError } from './config';

/** The repository-relative directory holding Pulumi.<env>.yaml (Pulumi.yaml sets `stackConfigDir: stacks`). */
export const STACKS_DIR = path.resolve(__dirname);

export const stackFilePath = (env: string, dir = STACKS_DIR) => path.join(dir, `Pulumi.${env}.yaml`);

export function assertEnvironment(name: string, option = '--stack'): Environment {
  if (!(ENVIRONMENTS as readonly string[]).includes(name)) {
    throw new StackConfigError(`${option}: unknown stack ${JSON.stringify(name)} (allowed: ${ENVIRONMENTS.join(', ')})`);
  }
  return name as Environment;
}

export interface StackFile {
  /** Key → string exactly as the Pulumi engine hands config to a program (structured values as JSON). */
  raw: RawConfig;
  /** Keys whose value is `secure:` ciphertext in the file (their value is not in `raw`). */
  secureKeys: string[];
}

/** Reads a Pulumi.<stack>.yaml text the way the engine presents it to the program. */
export function parseStackFile(text: string, source: string): StackFile {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new StackConfigError(`${source}: not valid YAML: ${doc.errors[0].message}`);
  const config = doc.get('config', true);
  if (!isMap(config)) throw new StackConfigError(`${source}: no "config" mapping`);
  const raw: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const pair of config.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const value = (pair.value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? null;
    if (value && typeof value === 'object' && !Array.isArray(value) && 'secure' in value) {
      secureKeys.push(key);
      continue;
    }
    raw[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return { raw, secureKeys };
}
