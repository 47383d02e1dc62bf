/** Feature columns → CSV bytes (`features compute` output). */
import { csvCell } from '../io/csv';
import { rowCount, type PriceFrame } from './frame';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A growing byte buffer, so a large output is never one huge string (or a rope of a million lines). */
class ByteSink {
  private length = 0;

  constructor(private buf: Buffer) {}

  write(s: string): void {
    const need = this.length + s.length * 3;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, need));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * `ticker,date,<names…>` in frame order, as UTF-8 bytes; an empty cell where a value is missing (NaN, or not
 * finite). Numbers are written in JavaScript's shortest round-trip form, so a reader gets the exact double.
 */
export function featureCsv(frame: PriceFrame, names: readonly string[], columns: Record<string, Float64Array>): Buffer {
  const cols = names.map((n) => columns[n]);
  for (const [j, c] of cols.entries()) {
    if (!c || c.length !== rowCount(frame)) throw new RangeError(`column ${names[j]} does not match the frame`);
  }
  // Typical lines are ~25 bytes of key and ~20 per value; a good first guess saves copying on growth.
  const out = new ByteSink(Buffer.allocUnsafe(Math.min(2 ** 30, 4096 + rowCount(frame) * (25 + 20 * names.length))));
  out.write(`${['ticker', 'date', ...names].map(csvCell).join(',')}\n`);
  let batch = '';
  let rows = 0;
  for (let k = 0; k < frame.tickers.length; k++) {
    const ticker = `${csvCell(frame.tickers[k])},`;
    for (let i = frame.tickerStart[k]; i < frame.tickerStart[k + 1]; i++) {
      const d = frame.date[i];
      batch += ticker + (DATE.test(d) ? d : csvCell(d));
      for (let j = 0; j < cols.length; j++) {
        const v = cols[j][i];
        batch += v - v === 0 ? `,${v}` : ',';
      }
      batch += '\n';
      if (++rows === 1024) {
        out.write(batch);
        batch = '';
        rows = 0;
      }
    }
  }
  out.write(batch);
  return out.bytes();
}
