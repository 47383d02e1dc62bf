/**
 * Conversions between the lake's plain Scalars and DuckDB values, shared by the lake (writing/reading
 * partitions) and the warehouse (query results), so both agree on what a DATE or a BIGINT looks like in JS.
 */
import {
  BIGINT, BOOLEAN, DATE, DOUBLE, DuckDBDateValue, DuckDBTimestampTZValue, DuckDBTypeId, TIMESTAMPTZ, VARCHAR,
  type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import type { ColumnType, Scalar } from './types';

const MS_PER_DAY = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Timestamps must carry their zone: a bare local time would be read differently on every host. */
const ZONED_TS_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export const SQL_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR', date: 'DATE', integer: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMPTZ',
};

export const DUCK_TYPE: Record<ColumnType, DuckDBType> = {
  string: VARCHAR, date: DATE, integer: BIGINT, double: DOUBLE, boolean: BOOLEAN, timestamp: TIMESTAMPTZ,
};

/** Days since 1970-01-01 for a real calendar date, else undefined (2024-02-30 is not a date). */
export function isoDateToDays(value: string): number | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) return undefined;
  return ms / MS_PER_DAY;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Builds a converter for one column; it returns the DuckDB value or a string describing why the value does not fit. */
export function toDuckConverter(type: ColumnType): (value: unknown) => DuckDBValue | { error: string } {
  switch (type) {
    case 'string':
      return (v) => {
        if (v === null || v === undefined || typeof v === 'string') return v ?? null;
        if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
        return { error: `expected a string, got ${describe(v)}` };
      };
    case 'integer':
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
        return { error: `expected a safe integer, got ${describe(v)}` };
      };
    case 'double':
      // NaN and ±Infinity have no JSON form and mean "no value" downstream: stored as NULL.
      return (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return Number.isFinite(v) ? v : null;
        return { error: `expected a number, got ${describe(v)}` };
      };
    case 'boolean':
      return (v) => {
        if (v === null || v === undefined || typeof v === 'boolean') return v ?? null;
        return { error: `expected a boolean, got ${describe(v)}` };
      };
    case 'date': {
      // A partition's rows mostly share one date: parse each distinct string once.
      let last: string | undefined;
      let lastValue: DuckDBDateValue | undefined;
      return (v) => {
        if (v === null || v === undefined) return null;
        if (v === last && lastValue) return lastValue;
        const days = typeof v === 'string' ? isoDateToDays(v) : undefined;
        if (days === undefined) return { error: `expected a YYYY-MM-DD date, got ${describe(v)}` };
        last = v as string;
        lastValue = new DuckDBDateValue(days);
        return lastValue;
      };
    }
    case 'timestamp':
      return (v) => {
        if (v === null || v === undefined) return null;
        const ms = typeof v === 'number' ? v : typeof v === 'string' && ZONED_TS_RE.test(v) ? Date.parse(v) : NaN;
        if (!Number.isFinite(ms)) return { error: `expected an ISO timestamp with a zone or epoch milliseconds, got ${describe(v)}` };
        return new DuckDBTimestampTZValue(BigInt(Math.round(ms)) * 1000n);
      };
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return v === null ? 'null' : typeof v;
}

/**
 * A value as DuckDB's JS converter returns it → a Scalar. DATE → 'YYYY-MM-DD', timestamps → ISO instant,
 * BIGINT-like → number when exactly representable (else its decimal string), NaN/±Infinity → null, nested
 * values → JSON text.
 */
export function fromDuck(typeId: DuckDBTypeId, value: unknown): Scalar {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint': {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value.toString();
    }
    default:
      break;
  }
  // Tag checks, not instanceof: values built by the native addon may come from another realm (e.g. under jest).
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Date]') {
    const date = value as Date;
    const t = date.getTime();
    if (!Number.isFinite(t)) return null;
    const iso = date.toISOString();
    return typeId === DuckDBTypeId.DATE ? iso.slice(0, 10) : iso;
  }
  if (tag === '[object Uint8Array]') {
    const bytes = value as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
