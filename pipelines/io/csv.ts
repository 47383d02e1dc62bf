/** CSV output (RFC 4180): quote cells holding a comma, quote or line break; null/undefined/NaN → empty cell. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) return '';
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  let out = csvLine(header);
  for (const row of rows) out += csvLine(header.map((h) => row[h]));
  return out;
}
