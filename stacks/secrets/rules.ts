import path from 'node:path';
import { parse } from 'yaml';
import type { EncryptOptions } from './sops';

/** `.sops.yaml` creation rules, read the way sops reads them (first rule whose path_regex matches wins). */

export class SopsRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SopsRulesError';
  }
}

interface CreationRule {
  path_regex?: string;
  age?: string | string[];
  encrypted_regex?: string;
  unencrypted_suffix?: string;
}

/**
 * The recipients and encryption rule for `file`. sops matches path_regex against the file's path with the
 * config file's directory trimmed when the file sits below it, and against the absolute path otherwise.
 */
export function rulesFor(sopsYaml: string, file: string, configDir: string): EncryptOptions {
  const config = parse(sopsYaml) as { creation_rules?: CreationRule[] } | null;
  const rules = config?.creation_rules;
  if (!Array.isArray(rules) || rules.length === 0) throw new SopsRulesError('.sops.yaml: no creation_rules');
  const abs = path.resolve(file);
  const rel = abs.startsWith(configDir + path.sep) ? abs.slice(configDir.length + 1) : abs;
  const rule = rules.find((r) => !r.path_regex || new RegExp(r.path_regex).test(rel));
  if (!rule) throw new SopsRulesError(`.sops.yaml: no creation rule matches ${rel}`);
  const recipients = (Array.isArray(rule.age) ? rule.age : String(rule.age ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  if (recipients.length === 0) throw new SopsRulesError(`.sops.yaml: the rule for ${rel} has no age recipients`);
  const placeholder = recipients.find((r) => /placeholder/i.test(r));
  if (placeholder) throw new SopsRulesError(`.sops.yaml: ${placeholder} is a placeholder; replace it with your team's age public key (gogooku3 stack secrets keygen)`);
  return { recipients, ...(rule.encrypted_regex ? { encryptedRegex: rule.encrypted_regex } : {}), ...(rule.unencrypted_suffix ? { unencryptedSuffix: rule.unencrypted_suffix } : {}) };
}
