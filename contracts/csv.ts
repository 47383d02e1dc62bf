/**
 * RFC 4180 CSV: comma-separated, fields optionally double-quoted, "" inside quotes is a quote, quoted
 * fields may span lines. Also accepted: LF or lone CR line ends, a UTF-8 BOM, no final line end.
 * Blank lines are skipped (editors add them at the end of files).
 */

export interface Table {
  header: string[];
  rows: Array<Record<string, string | number | boolean | null>>;
}

export class CsvSyntaxError extends Error {
  constructor(readonly line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'CsvSyntaxError';
  }
}

interface CsvRecord {
  fields: string[];
  /** Physical line the record starts on (1-based), for messages. */
  line: number;
}

function* records(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let blank = true;
    for (;;) {
      if (i >= n) { fields.push(field); break; }
      const c = text[i];
      if (c === '"' && field === '') {
        blank = false;
        i++;
        const openedOn = line;
        for (;;) {
          if (i >= n) throw new CsvSyntaxError(openedOn, 'quoted field is not closed');
          const q = text[i];
          if (q === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
          field += q;
          i++;
        }
        const after = text[i];
        if (i < n && after !== ',' && after !== '\n' && after !== '\r') {
          throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(after)} after a closing quote (quotes inside a field are written "")`);
        }
        continue;
      }
      if (c === ',') { fields.push(field); field = ''; blank = false; i++; continue; }
      if (c === '\r' || c === '\n') {
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        fields.push(field);
        break;
      }
      blank = false;
      field += c;
      i++;
    }
    if (!(blank && fields.length === 1 && fields[0] === '')) yield { fields, line: start };
  }
}

/** Parses CSV text; cells stay strings ('' for empty). Throws CsvSyntaxError naming the line. */
export function parseCsv(text: string): Table {
  const it = records(text);
  const first = it.next();
  if (first.done) throw new CsvSyntaxError(1, 'no header line (the file is empty)');
  const header = first.value.fields;
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw new CsvSyntaxError(1, `column ${i + 1} of the header has no name`);
    if (seen.has(name)) throw new CsvSyntaxError(1, `column ${JSON.stringify(name)} appears twice in the header`);
    seen.add(name);
  });
  const rows: Table['rows'] = [];
  for (const rec of it) {
    if (rec.fields.length !== header.length) {
      throw new CsvSyntaxError(rec.line, `${rec.fields.length} fields, but the header has ${header.length}`);
    }
    // fromEntries defines own properties, so a column called __proto__ stays a column.
    rows.push(Object.fromEntries(header.map((name, j) => [name, rec.fields[j]])));
  }
  return { header, rows };
}
