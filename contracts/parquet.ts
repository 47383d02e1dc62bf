/**
 * Parquet → rows of plain values, through DuckDB (already the project's warehouse engine, so no second
 * Parquet implementation to keep in step). Loaded lazily: CSV-only runs never start DuckDB.
 */
import type { Table } from './csv';

export class MissingDependencyError extends Error {
  constructor(readonly packageName: string, cause: unknown) {
    super(`reading Parquet needs the npm package ${packageName} (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`);
    this.name = 'MissingDependencyError';
  }
}

async function duckdb(): Promise<typeof import('@duckdb/node-api')> {
  try {
    return await import('@duckdb/node-api');
  } catch (error) {
    throw new MissingDependencyError('@duckdb/node-api', error);
  }
}

/** Parquet values → the plain values contracts understand, without silent precision loss. */
export function plainValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date || Object.prototype.toString.call(value) === '[object Date]') {
    const t = (value as Date).getTime();
    if (!Number.isFinite(t)) return String(value);
    const iso = new Date(t).toISOString();
    // DATE columns arrive as midnight UTC; anything else is a timestamp and keeps its time.
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Reads a whole Parquet file; nested columns become JSON text. Throws DuckDB's error for a bad file. */
export async function readParquetFile(file: string): Promise<Table> {
  const { DuckDBInstance } = await duckdb();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('SELECT * FROM read_parquet($1)', [file]);
    const header = reader.columnNames();
    const rows = reader.getRowObjectsJS().map((o) => Object.fromEntries(header.map((name) => [name, plainValue(o[name])])));
    return { header, rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
