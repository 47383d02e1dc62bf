/** Pure conversions between the lake's shapes and ClickHouse's: column types back to specs, ledger rows. */
import type { ColumnSpec, ColumnType, LedgerEntry, Row, StepStatus } from './types';

/** `Nullable(Float64)`, `LowCardinality(String)`, `DateTime64(3, 'UTC')` … → the lake's column type. */
export function columnTypeFromClickHouse(type: string): ColumnType {
  let inner = type.trim();
  for (let m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(inner); m; m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(inner)) inner = m[1].trim();
  if (inner === 'String' || inner.startsWith('FixedString')) return 'string';
  if (inner === 'Date' || inner === 'Date32') return 'date';
  if (inner === 'Float64' || inner === 'Float32') return 'double';
  if (inner === 'UInt8' || inner === 'Bool') return 'boolean';
  if (/^U?Int(8|16|32|64)$/.test(inner)) return 'integer';
  if (inner.startsWith('DateTime')) return 'timestamp';
  throw new Error(`ClickHouse type ${type} has no lake column type`);
}

export function columnsFromClickHouse(columns: ReadonlyArray<{ name: string; type: string }>): ColumnSpec[] {
  return columns.map((c) => ({ name: c.name, type: columnTypeFromClickHouse(c.type) }));
}

/**
 * The next table's columns: the live table's, in order (older rows keep columns a newer run no longer
 * writes), then columns new in this run. A column whose type changed is an error: the rows could not be copied.
 */
export function mergeColumns(live: readonly ColumnSpec[], incoming: readonly ColumnSpec[]): ColumnSpec[] {
  const out = live.map((c) => ({ ...c }));
  const byName = new Map(out.map((c) => [c.name, c]));
  for (const c of incoming) {
    const existing = byName.get(c.name);
    if (!existing) {
      out.push({ name: c.name, type: c.type });
      byName.set(c.name, c);
    } else if (existing.type !== c.type) {
      throw new Error(`column ${c.name} is ${existing.type} in the live table but ${c.type} in the new partitions; migrate the table first`);
    }
  }
  return out;
}

export function ledgerToRow(entry: LedgerEntry, version: number): Record<string, string | number | null> {
  return {
    run_id: entry.runId, step: entry.step, partition: entry.partition, status: entry.status, attempts: entry.attempts,
    input_fingerprint: entry.inputFingerprint, output_checksum: entry.outputChecksum, rows_in: entry.rowsIn, rows_out: entry.rowsOut,
    rows_quarantined: entry.rowsQuarantined, started_at: entry.startedAt, finished_at: entry.finishedAt, error: entry.error, version,
  };
}

export function ledgerFromRow(row: Row): LedgerEntry {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    runId: String(row.run_id), step: String(row.step), partition: String(row.partition), status: row.status as StepStatus,
    attempts: Number(row.attempts), inputFingerprint: String(row.input_fingerprint), outputChecksum: str(row.output_checksum),
    rowsIn: Number(row.rows_in), rowsOut: Number(row.rows_out), rowsQuarantined: Number(row.rows_quarantined),
    startedAt: String(row.started_at), finishedAt: str(row.finished_at), error: str(row.error),
  };
}

/** The latest version of each (run, step, partition), ordered like the embedded ledger (start, run, step, partition). */
export function latestPerKey(entries: ReadonlyArray<{ entry: LedgerEntry; version: number }>): LedgerEntry[] {
  const latest = new Map<string, { entry: LedgerEntry; version: number }>();
  for (const item of entries) {
    const key = `${item.entry.runId}\u0000${item.entry.step}\u0000${item.entry.partition}`;
    const seen = latest.get(key);
    if (!seen || item.version >= seen.version) latest.set(key, item);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...latest.values()].map((v) => v.entry).sort((a, b) =>
    cmp(a.startedAt, b.startedAt) || cmp(a.runId, b.runId) || cmp(a.step, b.step) || cmp(a.partition, b.partition));
}
