/**
 * Files → header + rows, for `contracts check` and loaders. Problems with the file as a whole (cannot be
 * read, unknown format, malformed CSV, a required column missing) are TabularErrors; problems with single
 * values are left to validation.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { CompiledContract } from './compile';
import { CsvSyntaxError, parseCsv, type Table } from './csv';
import { MissingDependencyError, readParquetFile } from './parquet';

export type { Table };
export { parseCsv, CsvSyntaxError };

export type TabularErrorCode = 'unreadable' | 'unsupported_extension' | 'malformed' | 'missing_column' | 'missing_dependency';

export class TabularError extends Error {
  constructor(readonly code: TabularErrorCode, readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'TabularError';
  }
}

export type TableFormat = 'csv' | 'parquet';

const FORMATS: Record<string, TableFormat> = { '.csv': 'csv', '.parquet': 'parquet', '.pq': 'parquet' };

export function tableFormat(file: string): TableFormat {
  const ext = path.extname(file).toLowerCase();
  const format = FORMATS[ext];
  if (!format) {
    throw new TabularError('unsupported_extension', file, `unsupported file type ${JSON.stringify(ext || '(none)')}; expected ${Object.keys(FORMATS).join(', ')}`);
  }
  return format;
}

function unreadable(file: string, error: unknown): TabularError {
  const e = error as NodeJS.ErrnoException;
  const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
  return new TabularError('unreadable', file, `cannot read the file: ${why}`);
}

export async function readTable(file: string): Promise<Table & { format: TableFormat }> {
  const format = tableFormat(file);
  if (format === 'csv') {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw unreadable(file, error);
    }
    try {
      return { ...parseCsv(text), format };
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new TabularError('malformed', file, `malformed CSV: ${error.message}`);
      throw error;
    }
  }
  try {
    // DuckDB reads the path itself; check it first so a missing file gets the same message as for CSV.
    await access(file, constants.R_OK);
    if ((await stat(file)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    return { ...(await readParquetFile(file)), format };
  } catch (error) {
    if (error instanceof MissingDependencyError) throw new TabularError('missing_dependency', file, error.message);
    throw new TabularError('malformed', file, `not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface ColumnCheck {
  /** Declared, non-optional fields the header lacks (under their name and every alias). */
  missing: string[];
  /** Columns the contract neither declares nor covers with extra_fields; system columns (`_…`) excluded. */
  extra: string[];
}

export function checkColumns(contract: CompiledContract, header: readonly string[]): ColumnCheck {
  const have = new Set(header);
  return {
    missing: contract.requiredColumns.filter((c) => !have.has(c) && !contract.fieldsByName.get(c)?.aliases.some((a) => have.has(a))),
    extra: header.filter((c) => !contract.knownColumns.has(c) && !c.startsWith('_') && !contract.extraFields?.pattern.test(c)),
  };
}

/** Reads a file for a contract: missing required columns are an error, extra columns one warning. */
export async function readTableFor(file: string, contract: CompiledContract): Promise<{ table: Table & { format: TableFormat }; warnings: string[] }> {
  const table = await readTable(file);
  const { missing, extra } = checkColumns(contract, table.header);
  if (missing.length > 0) {
    throw new TabularError('missing_column', file,
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} for contract ${contract.id} (header: ${table.header.join(',')})`);
  }
  const warnings = extra.length > 0
    ? [`${file}: ignoring ${extra.length} column${extra.length > 1 ? 's' : ''} not in contract ${contract.id}: ${extra.join(', ')}`]
    : [];
  return { table, warnings };
}
