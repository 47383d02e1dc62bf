/**
 * Where `features compute` writes: ticker,date,<features> as CSV or Parquet, fed batch by batch (rows in
 * frame order: ticker, then date) and published atomically when complete.
 */
import path from 'node:path';
import { AtomicFileWriter } from '../storage/atomic';
import { ParquetFileWriter, type ParquetColumnSpec } from '../storage/parquet-writer';
import { csvCell } from '../io/csv';
import { FEATURES } from './registry';
import type { PriceFrame } from './frame';

export const OUTPUT_FORMATS = ['csv', 'parquet'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FeatureSink {
  /** Rows [rowFrom, rowTo) of the frame; columns[name] holds rowTo − rowFrom values. */
  write(frame: PriceFrame, rowFrom: number, rowTo: number, columns: Record<string, Float64Array>): Promise<void>;
  commit(): Promise<{ bytes: number }>;
  abort(): Promise<void>;
}

/** By extension: .parquet → Parquet, anything else CSV. */
export function outputFormatOf(file: string): OutputFormat {
  return path.extname(file).toLowerCase() === '.parquet' ? 'parquet' : 'csv';
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A byte buffer being filled; flush() hands the filled part on and leaves an empty buffer (possibly another one). */
export interface ByteTarget {
  buf: Buffer;
  pos: number;
  flush(): Promise<void>;
}

/**
 * Encodes rows [rowFrom, rowTo) as CSV lines into the target: an empty cell where a value is missing,
 * numbers in shortest round-trip form. Each line goes straight into the buffer (no joined strings: at a
 * million rows those cost more in garbage collection than the formatting).
 */
export async function writeCsvRows(
  frame: PriceFrame, rowFrom: number, rowTo: number, names: readonly string[], columns: Record<string, Float64Array>, target: ByteTarget,
): Promise<void> {
  const cols = names.map((n) => columns[n]);
  let k = tickerOfRow(frame, rowFrom);
  let ticker = '';
  let next = -1;
  for (let i = rowFrom; i < rowTo; i++) {
    if (i >= next) {
      while (frame.tickerStart[k + 1] <= i) k++;
      ticker = `${csvCell(frame.tickers[k])},`;
      next = frame.tickerStart[k + 1];
    }
    const d = frame.date[i];
    let line = ticker + (DATE.test(d) ? d : csvCell(d));
    const r = i - rowFrom;
    for (let j = 0; j < cols.length; j++) {
      const v = cols[j][r];
      line += v - v === 0 ? `,${v}` : ',';
    }
    line += '\n';
    if (target.pos + 3 * line.length > target.buf.length) {
      await target.flush();
      if (3 * line.length > target.buf.length) throw new RangeError('a CSV line longer than the output buffer');
    }
    target.pos += target.buf.write(line, target.pos);
  }
}

/** CSV text of rows [rowFrom, rowTo) (tests and small outputs). */
export async function csvText(frame: PriceFrame, rowFrom: number, rowTo: number, names: readonly string[], columns: Record<string, Float64Array>): Promise<string> {
  const parts: Buffer[] = [];
  const target: ByteTarget = {
    buf: Buffer.allocUnsafe(1 << 16), pos: 0,
    async flush() { parts.push(Buffer.from(target.buf.subarray(0, target.pos))); target.pos = 0; },
  };
  await writeCsvRows(frame, rowFrom, rowTo, names, columns, target);
  await target.flush();
  return Buffer.concat(parts).toString('utf8');
}

/** The ticker index of frame row `row` (binary search over tickerStart). */
export function tickerOfRow(frame: PriceFrame, row: number): number {
  let lo = 0;
  let hi = frame.tickers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frame.tickerStart[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export async function csvSink(file: string, names: readonly string[]): Promise<FeatureSink> {
  const out = await AtomicFileWriter.open(file);
  // Two buffers: one is written to disk while the other fills.
  const buffers = [Buffer.allocUnsafe(4 << 20), Buffer.allocUnsafe(4 << 20)];
  let bytes = 0;
  let pending: Promise<void> = Promise.resolve();
  const target: ByteTarget = {
    buf: buffers[0],
    pos: 0,
    async flush() {
      await pending;
      const chunk = target.buf.subarray(0, target.pos);
      bytes += chunk.length;
      pending = out.write(chunk);
      target.buf = target.buf === buffers[0] ? buffers[1] : buffers[0];
      target.pos = 0;
    },
  };
  target.pos = target.buf.write(`${['ticker', 'date', ...names].map(csvCell).join(',')}\n`, 0, 'utf8');
  return {
    write: (frame, rowFrom, rowTo, columns) => writeCsvRows(frame, rowFrom, rowTo, names, columns, target),
    async commit() {
      await target.flush();
      await pending;
      await out.commit();
      return { bytes };
    },
    async abort() {
      await pending.catch(() => undefined);
      await out.abort();
    },
  };
}

/** Parquet: one row group per batch; int32/bool features keep their logical type. */
export async function parquetSink(file: string, names: readonly string[], metadata: Record<string, string>): Promise<FeatureSink> {
  const columns: ParquetColumnSpec[] = [
    { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' },
    ...names.map((name): ParquetColumnSpec => {
      const dtype = FEATURES.get(name)?.dtype;
      return { name, type: dtype === 'int32' ? 'int32' : dtype === 'bool' ? 'boolean' : 'double' };
    }),
  ];
  const writer = await ParquetFileWriter.open(file, columns, { createdBy: 'gogooku3 features compute', keyValueMetadata: metadata });
  // Days since 1970-01-01 per distinct date string: a frame has a few thousand dates and millions of rows.
  const days = new Map<string, number>();
  return {
    async write(frame, rowFrom, rowTo, values) {
      const n = rowTo - rowFrom;
      const ticker = new Array<string>(n);
      let k = tickerOfRow(frame, rowFrom);
      for (let i = rowFrom; i < rowTo; i++) {
        while (frame.tickerStart[k + 1] <= i) k++;
        ticker[i - rowFrom] = frame.tickers[k];
      }
      const date = new Int32Array(n);
      for (let i = rowFrom; i < rowTo; i++) {
        const d = frame.date[i];
        let v = days.get(d);
        if (v === undefined) days.set(d, (v = isoDays(d)));
        date[i - rowFrom] = v;
      }
      await writer.writeRowGroup({ ticker, date, ...values }, n);
    },
    async commit() {
      const { bytes } = await writer.close();
      return { bytes };
    },
    abort: () => writer.abort(),
  };
}

/** Days since 1970-01-01 of an ISO date (the frame's dates are checked YYYY-MM-DD by the readers). */
function isoDays(date: string): number {
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  if (!Number.isFinite(ms)) throw new RangeError(`not a date: ${JSON.stringify(date)}`);
  return ms / 86_400_000;
}
