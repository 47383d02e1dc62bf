import { createHash } from 'node:crypto';
import type { Row } from '../storage/types';

/** Columns that record when or by which run a row was processed; they never count as content. */
export const PROCESSING_COLUMNS = new Set(['_ingested_at', 'run_id', '_run_id']);

/** A stable sha256 of any JSON-like value (object keys sorted), for input fingerprints. */
export function fingerprint(...parts: unknown[]): string {
  const hash = createHash('sha256');
  const feed = (value: unknown): void => {
    if (value === null || value === undefined) hash.update('n;');
    else if (typeof value === 'number') hash.update(Number.isNaN(value) ? 'NaN;' : `${value};`);
    else if (typeof value === 'string') hash.update(`s${value.length}:${value};`);
    else if (typeof value === 'boolean') hash.update(value ? 't;' : 'f;');
    else if (Array.isArray(value)) {
      hash.update('[');
      value.forEach(feed);
      hash.update(']');
    } else if (typeof value === 'object') {
      hash.update('{');
      for (const key of Object.keys(value as object).sort()) {
        hash.update(`${key}=`);
        feed((value as Record<string, unknown>)[key]);
      }
      hash.update('}');
    } else hash.update(String(value));
  };
  parts.forEach(feed);
  return hash.digest('hex');
}

/**
 * The content checksum of a partition: rows in a canonical order, processing-time columns left out, so a
 * re-fetch of the same data gives the same checksum and downstream steps can skip. NaN and null hash alike,
 * as the lake stores both as NULL.
 */
export function contentChecksum(rows: readonly Row[], key: readonly string[]): string {
  const seen = new Set<string>();
  for (const row of rows) for (const k in row) seen.add(k);
  const columns = [...seen].filter((k) => !PROCESSING_COLUMNS.has(k)).sort();
  const sortKey = (row: Row) => key.map((k) => String(row[k] ?? '')).join('\u0000');
  const keyed = rows.map((row) => [sortKey(row), row] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hash = createHash('sha256');
  hash.update(JSON.stringify(columns));
  for (const [, row] of keyed) hash.update(`${JSON.stringify(columns.map((c) => row[c] ?? null))}\n`);
  return hash.digest('hex');
}
