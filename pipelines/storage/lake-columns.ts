/**
 * Lake rows → columns for the streaming Parquet writer (parquet-writer.ts), for datasets whose columns are all
 * strings, dates, doubles and booleans (adjusted prices, features, labels: the wide ones). A value that does
 * not fit its column is reported like the DuckDB path reports it (duck-values.ts): column, row, what it got.
 */
import { isoDateToDays } from './duck-values';
import type { ParquetColumnData, ParquetColumnSpec } from './parquet-writer';
import type { ColumnSpec, Row } from './types';

const SUPPORTED = new Set(['string', 'date', 'double', 'boolean']);

export function writerColumns(columns: readonly ColumnSpec[]): ParquetColumnSpec[] | undefined {
  if (!columns.every((c) => SUPPORTED.has(c.type))) return undefined;
  return columns.map((c) => ({ name: c.name, type: c.type as ParquetColumnSpec['type'] }));
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return v === null ? 'null' : typeof v;
}

/** Column data, or the first misfit as `row N, column "c" (type): …`. */
export function columnsFromRows(columns: readonly ColumnSpec[], rows: readonly Row[]): { data: Record<string, ParquetColumnData> } | { error: string } {
  const n = rows.length;
  const data: Record<string, ParquetColumnData> = {};
  for (const col of columns) {
    const name = col.name;
    const bad = (r: number, why: string) => ({ error: `row ${r}, column "${name}" (${col.type}): ${why}` });
    if (col.type === 'double' || col.type === 'boolean') {
      const out = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const v = rows[r][name];
        if (v === null || v === undefined) out[r] = NaN;
        else if (col.type === 'double' && typeof v === 'number') out[r] = v;
        else if (col.type === 'boolean' && typeof v === 'boolean') out[r] = v ? 1 : 0;
        else return bad(r, `expected a ${col.type === 'double' ? 'number' : 'boolean'}, got ${describe(v)}`);
      }
      data[name] = out;
    } else if (col.type === 'date') {
      const out = new Float64Array(n);
      let last: unknown;
      let lastDays = NaN;
      for (let r = 0; r < n; r++) {
        const v = rows[r][name];
        if (v === null || v === undefined) { out[r] = NaN; continue; }
        if (v !== last) {
          const days = typeof v === 'string' ? isoDateToDays(v) : undefined;
          if (days === undefined) return bad(r, `expected a YYYY-MM-DD date, got ${describe(v)}`);
          last = v;
          lastDays = days;
        }
        out[r] = lastDays;
      }
      data[name] = out;
    } else {
      const out = new Array<string | null>(n);
      for (let r = 0; r < n; r++) {
        const v = rows[r][name];
        if (v === null || v === undefined || typeof v === 'string') out[r] = v ?? null;
        else if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[r] = String(v);
        else return bad(r, `expected a string, got ${describe(v)}`);
      }
      data[name] = out;
    }
  }
  return { data };
}
