import { DAILY_BAR_SESSION_PREFIXES, wireName, type ApiVersion, type EndpointSpec, type FieldSpec, type Row } from './fields';

/** Why one wire record could not be read; the record is kept whole so nothing is lost. */
export interface RecordIssue {
  field: string;
  rule: 'required' | 'type' | 'shape';
  value: unknown;
  message: string;
}

export interface RejectedRecord {
  endpoint: string;
  index: number;
  record: unknown;
  issues: RecordIssue[];
}

export interface NormalizedBatch {
  rows: Row[];
  rejected: RejectedRecord[];
  /** Wire fields the tables do not know, by name (reported, never silently kept). */
  unknownFields: Set<string>;
}

const ISO_DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

type Parsed = { ok: true; value: string | number | boolean | null } | { ok: false; expected: string };

/** Reads one wire value leniently where J-Quants itself varies (numbers as strings, flags as "0"/"1"/0/1/bool). */
export function readValue(kind: FieldSpec['kind'], raw: unknown): Parsed {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  switch (kind) {
    case 'date': {
      const m = typeof raw === 'string' ? ISO_DATE.exec(raw.trim()) : null;
      if (!m) return { ok: false, expected: 'a date YYYY-MM-DD' };
      const iso = `${m[1]}-${m[2]}-${m[3]}`;
      const d = new Date(`${iso}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso) ? { ok: true, value: iso } : { ok: false, expected: 'a real calendar date' };
    }
    case 'code': {
      const s = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
      return typeof s === 'string' && /^[0-9A-Z]{4,5}$/.test(s.trim()) ? { ok: true, value: s.trim() } : { ok: false, expected: 'a 4–5 character security code' };
    }
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: String(raw) };
      return { ok: false, expected: 'a string' };
    case 'number': {
      if (typeof raw === 'number') return Number.isFinite(raw) ? { ok: true, value: raw } : { ok: false, expected: 'a finite number' };
      if (typeof raw === 'string') {
        if (raw.trim() === '') return { ok: true, value: null };
        const n = Number(raw);
        return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, expected: 'a number' };
      }
      return { ok: false, expected: 'a number' };
    }
    case 'flag':
      if (raw === '1' || raw === 1 || raw === true) return { ok: true, value: true };
      if (raw === '0' || raw === 0 || raw === false) return { ok: true, value: false };
      if (raw === '') return { ok: true, value: null };
      return { ok: false, expected: 'a flag "0" or "1"' };
  }
}

function isKnownExtra(endpoint: EndpointSpec, version: ApiVersion, key: string, known: Map<string, FieldSpec>): boolean {
  if (endpoint.name !== 'daily_bars') return false;
  // Premium plans repeat bar fields per half-day session (MorningOpen / MO…): known, deliberately not kept.
  return DAILY_BAR_SESSION_PREFIXES[version].some((prefix) => key.startsWith(prefix) && known.has(key.slice(prefix.length)));
}

/** Maps wire records of one endpoint and version onto internal rows; bad records are rejected with reasons. */
export function normalizeRecords(endpoint: EndpointSpec, version: ApiVersion, records: unknown[], indexOffset = 0): NormalizedBatch {
  const known = new Map(endpoint.fields.map((spec) => [wireName(spec, version), spec]));
  const batch: NormalizedBatch = { rows: [], rejected: [], unknownFields: new Set() };
  records.forEach((record, i) => {
    const index = indexOffset + i;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      batch.rejected.push({ endpoint: endpoint.name, index, record, issues: [{ field: '(record)', rule: 'shape', value: record, message: `${endpoint.name}[${index}]: expected an object` }] });
      return;
    }
    const source = record as Record<string, unknown>;
    const row: Row = {};
    const issues: RecordIssue[] = [];
    for (const [wire, spec] of known) {
      const raw = source[wire];
      if (spec.required && (raw === undefined || raw === null || raw === '')) {
        issues.push({ field: wire, rule: 'required', value: raw ?? null, message: `${endpoint.name}[${index}].${wire} is required` });
        continue;
      }
      const parsed = readValue(spec.kind, raw);
      if (parsed.ok) row[spec.name] = parsed.value;
      else issues.push({ field: wire, rule: 'type', value: raw, message: `${endpoint.name}[${index}].${wire} must be ${parsed.expected}, got ${JSON.stringify(raw)}` });
    }
    for (const key of Object.keys(source)) {
      if (!known.has(key) && !isKnownExtra(endpoint, version, key, known)) batch.unknownFields.add(key);
    }
    if (issues.length > 0) batch.rejected.push({ endpoint: endpoint.name, index, record, issues });
    else batch.rows.push(row);
  });
  return batch;
}
