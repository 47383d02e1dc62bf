import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { contractJsonSchema } from '../../contracts/compile';
import { diffContracts, type DiffResult } from '../../contracts/diff';
import { ContractError, DEFAULT_CONTRACTS_DIR, loadAllContracts, loadContract, loadContractFile, type CompiledContract } from '../../contracts/loader';
import { readTableFor, TabularError } from '../../contracts/tabular';
import { decideQuarantine, validateRows, type Issue, type ValidationResult } from '../../contracts/validate';
import { action, CliError, formatOption, subcommand, type CliContext, type OutputFormat } from './context';

/** Issues printed by the text format before it summarises; JSON always lists them all. */
const TEXT_ISSUE_LIMIT = 100;

const dirOption = () => new Option('--dir <dir>', 'folder holding the contract YAML files').default(DEFAULT_CONTRACTS_DIR, 'contracts/');

/** A name (price_data) or a path to a YAML file; contract problems are usage errors (exit 2). */
function resolveContract(ref: string, dir: string): CompiledContract {
  try {
    return /[/\\]|\.ya?ml$/.test(ref) ? loadContractFile(ref) : loadContract(ref, dir);
  } catch (error) {
    if (error instanceof ContractError) throw new CliError(error.message, 2);
    throw error;
  }
}

function parseRatio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new CliError(`--max-ratio: expected a number between 0 and 1, got ${JSON.stringify(value)}`, 2);
  }
  return n;
}

function cell(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 30 ? `${text.slice(0, 27)}...` : text;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

function checkText(file: string, contract: CompiledContract, result: ValidationResult, maxRatio: number): string {
  const lines: string[] = [];
  if (result.issues.length > 0) {
    const shown = result.issues.slice(0, TEXT_ISSUE_LIMIT);
    lines.push(table([['ROW', 'FIELD', 'RULE', 'VALUE', 'MESSAGE'], ...shown.map((i) => [String(i.row), i.field, i.rule, cell(i.value), i.message])]));
    if (result.issues.length > shown.length) lines.push(`… ${result.issues.length - shown.length} more issues (--format json lists all)`);
    lines.push('');
  }
  const { counts } = result;
  const { status, ratio } = decideQuarantine(result, maxRatio);
  lines.push(`${file}: contract ${contract.id}: ${counts.input} rows, ${counts.valid} valid, ${counts.quarantined} quarantined`
    + ` (${(ratio * 100).toFixed(2)}%, max ${(maxRatio * 100).toFixed(2)}%): ${status}`);
  const byRule = Object.entries(counts.byRule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (byRule.length > 0) {
    lines.push('issues by rule:');
    lines.push(table(byRule.map(([rule, n]) => [`  ${rule}`, String(n)])));
  }
  return `${lines.join('\n')}\n`;
}

function checkCommand(ctx: CliContext): Command {
  return subcommand('check', 'validate a CSV or Parquet file against a contract (exit 0 clean, 1 issues, 2 file errors)')
    .argument('<file>', 'data file (.csv, .parquet)')
    .requiredOption('--contract <name>', 'contract name (e.g. price_data) or path to a contract YAML file')
    .addOption(formatOption())
    .addOption(new Option('--max-ratio <ratio>', 'quarantined share above which the status is fail (default: the contract\'s quarantine.max_ratio)'))
    .addOption(dirOption())
    .action(action(ctx, async (file: string, opts: { contract: string; format: OutputFormat; maxRatio?: string; dir: string }) => {
      const maxRatioArg = opts.maxRatio === undefined ? undefined : parseRatio(opts.maxRatio);
      const contract = resolveContract(opts.contract, opts.dir);
      let loaded: Awaited<ReturnType<typeof readTableFor>>;
      try {
        loaded = await readTableFor(file, contract);
      } catch (error) {
        if (error instanceof TabularError) throw new CliError(error.message, 2);
        throw error;
      }
      for (const w of loaded.warnings) ctx.err(`gogooku3: warning: ${w}\n`);
      const result = validateRows(contract, loaded.table.rows, { source: loaded.table.format === 'csv' ? 'csv' : 'typed' });
      if (opts.format === 'json') {
        const issues = result.issues.map(({ row, field, rule, value, message }: Issue) => ({ row, field, rule, value, message }));
        ctx.out(`${JSON.stringify(issues)}\n`);
      } else {
        ctx.out(checkText(file, contract, result, maxRatioArg ?? contract.maxRatio));
      }
      return result.issues.length > 0 ? 1 : 0;
    }));
}

function diffText(oldFile: string, newFile: string, oldId: string, newId: string, diff: DiffResult): string {
  const lines = [`${diff.breaking ? 'BREAKING' : 'compatible'}: ${oldId} (${oldFile}) → ${newId} (${newFile})`];
  if (diff.changes.length === 0) lines.push('no changes');
  for (const c of diff.changes) lines.push(`  ${c.breaking ? '!' : '-'} ${c.kind}${c.field ? ` [${c.field}]` : ''}: ${c.detail}`);
  return `${lines.join('\n')}\n`;
}

function diffCommand(ctx: CliContext): Command {
  return subcommand('diff', 'compare two versions of a contract (exit 1 when the change is breaking)')
    .argument('<old>', 'old contract YAML file')
    .argument('<new>', 'new contract YAML file')
    .addOption(formatOption())
    .action(action(ctx, (oldFile: string, newFile: string, opts: { format: OutputFormat }) => {
      const [a, b] = [oldFile, newFile].map((f) => {
        try {
          return loadContractFile(f);
        } catch (error) {
          if (error instanceof ContractError) throw new CliError(error.message, 2);
          throw error;
        }
      });
      const diff = diffContracts(a.doc, b.doc);
      if (opts.format === 'json') ctx.out(`${JSON.stringify({ old: a.id, new: b.id, ...diff }, null, 2)}\n`);
      else ctx.out(diffText(oldFile, newFile, a.id, b.id, diff));
      return diff.breaking ? 1 : 0;
    }));
}

function loadAll(dir: string): CompiledContract[] {
  try {
    return loadAllContracts(dir);
  } catch (error) {
    if (error instanceof ContractError) throw new CliError(error.message, 2);
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new CliError(`${dir}: no such contracts folder`, 2);
    throw error;
  }
}

function listCommand(ctx: CliContext): Command {
  return subcommand('list', 'list the contracts with their versions and field counts')
    .addOption(formatOption())
    .addOption(dirOption())
    .action(action(ctx, (opts: { format: OutputFormat; dir: string }) => {
      const contracts = loadAll(opts.dir);
      const rows = contracts.map((c) => ({ name: c.name, version: c.version, id: c.id, fields: c.fields.length, rules: c.rules.length, primary_key: c.primaryKey }));
      if (opts.format === 'json') {
        ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        ctx.out(`${table([['NAME', 'VERSION', 'FIELDS', 'RULES', 'PRIMARY KEY'], ...rows.map((r) => [r.name, r.version, String(r.fields), String(r.rules), r.primary_key.join(', ')])])}\n`);
      }
    }));
}

function showCommand(ctx: CliContext): Command {
  return subcommand('show', 'print a contract (its YAML, or the JSON Schema of one row with --format json)')
    .argument('<name>', 'contract name (e.g. price_data) or path to a contract YAML file')
    .addOption(formatOption())
    .addOption(dirOption())
    .action(action(ctx, (name: string, opts: { format: OutputFormat; dir: string }) => {
      const contract = resolveContract(name, opts.dir);
      if (opts.format === 'json') ctx.out(`${JSON.stringify(contractJsonSchema(contract), null, 2)}\n`);
      else ctx.out(readFileSync(path.resolve(contract.source), 'utf8'));
    }));
}

/** `gogooku3 contracts …`: data contracts (contracts/*.yaml). */
export function contractsCommand(ctx: CliContext): Command {
  return subcommand('contracts', 'data contracts: check files against them, diff versions, list and show them')
    .addCommand(checkCommand(ctx))
    .addCommand(diffCommand(ctx))
    .addCommand(listCommand(ctx))
    .addCommand(showCommand(ctx));
}
