/**
 * Loads contracts/*.yaml: YAML → zod-checked document → cross-reference checks → CompiledContract.
 * Every problem names the file and the key path, so a broken contract is fixed from the message alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { compileContract, type CompiledContract } from './compile';
import { allowedKeysAt, BUILTIN_RULES, ContractDocSchema, type ContractDoc, type FieldDoc } from './schema';
import { crossCheck } from './crosscheck';

/** The folder holding the committed contracts (this module sits beside them). */
export const DEFAULT_CONTRACTS_DIR = __dirname;

export interface ContractProblem {
  /** Key path such as `fields[3].constraints.gt`, or `(root)`. */
  path: string;
  message: string;
}

export class ContractError extends Error {
  constructor(readonly source: string, readonly problems: ContractProblem[]) {
    // Not-found and unreadable are about the file, not its content: one line, no "invalid contract".
    const whole = problems.length === 1 && (problems[0].path === '(name)' || problems[0].path === '(file)');
    super(whole
      ? `${source}: ${problems[0].message}`
      : `${source}: invalid contract:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ContractError';
  }
}

export function formatPath(keys: ReadonlyArray<PropertyKey>, raw?: unknown): string {
  if (keys.length === 0) return '(root)';
  let out = '';
  for (const k of keys) out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${String(k)}`;
  // Name the field or rule too: "fields[12]" alone is hard to find in a 50-field file.
  const [list, index] = keys;
  if ((list === 'fields' || list === 'rules') && typeof index === 'number' && raw && typeof raw === 'object') {
    const items = (raw as Record<string, unknown>)[list];
    const item = Array.isArray(items) ? items[index] : undefined;
    const name = item && typeof item === 'object' ? (item as Record<string, unknown>).name : undefined;
    if (typeof name === 'string') out += ` (${list === 'fields' ? 'field' : 'rule'} ${name})`;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function problemFromZod(issue: z.core.$ZodIssue, raw: unknown): ContractProblem {
  const where = formatPath(issue.path, raw);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(issue.path);
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return { path: where, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}` };
    }
    case 'invalid_value':
      if (input === undefined) return { path: where, message: `is required; allowed: ${issue.values.map(String).join(', ')}` };
      return { path: where, message: `invalid value ${JSON.stringify(input)}; allowed: ${issue.values.map(String).join(', ')}` };
    case 'invalid_type':
      return input === undefined
        ? { path: where, message: `is required (${issue.expected})` }
        : { path: where, message: `expected ${issue.expected}, got ${describeValue(input)}` };
    case 'too_big':
    case 'too_small': {
      const [limit, sign] = issue.code === 'too_big' ? [issue.maximum, issue.inclusive ? '<=' : '<'] : [issue.minimum, issue.inclusive ? '>=' : '>'];
      const what = issue.origin === 'array' ? 'the number of items' : issue.origin === 'string' ? 'the length' : 'the value';
      return { path: where, message: `${what} must be ${sign} ${String(limit)}, got ${describeValue(input)}` };
    }
    default:
      return { path: where, message: issue.message };
  }
}

/** Parses and checks one contract; `source` names it in errors (usually the file path). */
export function parseContract(yamlText: string, source: string): CompiledContract {
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ContractError(source, doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] })));
  }
  const raw: unknown = doc.toJS();
  const parsed = ContractDocSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ContractError(source, parsed.error.issues.map((i) => problemFromZod(i, raw)));
  const problems = crossCheck(parsed.data).map((p) => ({ path: formatPath(p.path, raw), message: p.message }));
  if (problems.length > 0) throw new ContractError(source, problems);
  return compileContract(parsed.data, source);
}

export function loadContractFile(file: string): CompiledContract {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ContractError(file, [{ path: '(file)', message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseContract(text, file);
}

/** Contract names in a folder: every *.yaml file. */
export function contractNames(dir: string = DEFAULT_CONTRACTS_DIR): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
}

export function loadContract(name: string, dir: string = DEFAULT_CONTRACTS_DIR): CompiledContract {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) {
    throw new ContractError(name, [{ path: '(name)', message: 'a contract name is snake_case, e.g. price_data' }]);
  }
  const file = path.join(dir, `${name}.yaml`);
  let known: string[] = [];
  try {
    known = contractNames(dir);
  } catch {
    // An unreadable folder is reported by loadContractFile below.
  }
  if (known.length > 0 && !known.includes(name)) {
    throw new ContractError(file, [{ path: '(name)', message: `no contract "${name}" in ${dir}; known: ${known.join(', ')}` }]);
  }
  const contract = loadContractFile(file);
  if (contract.name !== name) {
    throw new ContractError(file, [{ path: 'name', message: `is "${contract.name}" but the file is ${name}.yaml` }]);
  }
  return contract;
}

export function loadAllContracts(dir: string = DEFAULT_CONTRACTS_DIR): CompiledContract[] {
  return contractNames(dir).map((n) => loadContract(n, dir));
}

export type { CompiledContract, ContractDoc, FieldDoc };
export { BUILTIN_RULES };
