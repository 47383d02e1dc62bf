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

/** CSV lines of rows [rowFrom, rowTo): an empty cell where a value is missing; numbers in shortest round-trip form. */
export function csvLines(frame: PriceFrame, rowFrom: number, rowTo: number, names: readonly string[], columns: Record<string, Float64Array>): string[] {
  const cols = names.map((n) => columns[n]);
  const parts: string[] = [];
  let batch = '';
  let rows = 0;
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
    batch += ticker + (DATE.test(d) ? d : csvCell(d));
    const r = i - rowFrom;
    for (let j = 0; j < cols.length; j++) {
      const v = cols[j][r];
      batch += v - v === 0 ? `,${v}` : ',';
    }
    batch += '\n';
    // Joining ~1,000 lines at a time keeps strings flat and short-lived.
    if (++rows === 1024) {
      parts.push(batch);
      batch = '';
      rows = 0;
    }
  }
  if (batch) parts.push(batch);
  return parts;
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
  let bytes = 0;
  const write = async (s: string) => {
    const b = Buffer.from(s, 'utf8');
    bytes += b.length;
    await out.write(b);
  };
  await write(`${['ticker', 'date', ...names].map(csvCell).join(',')}\n`);
  return {
    async write(frame, rowFrom, rowTo, columns) {
      const parts = csvLines(frame, rowFrom, rowTo, names, columns);
      // About 4 MB per write: few syscalls, bounded memory.
      for (let p = 0; p < parts.length; p += 64) await write(parts.slice(p, p + 64).join(''));
    },
    async commit() {
      await out.commit();
      return { bytes };
    },
    abort: () => out.abort(),
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
  return {
    async write(frame, rowFrom, rowTo, values) {
      const n = rowTo - rowFrom;
      const ticker = new Array<string>(n);
      let k = tickerOfRow(frame, rowFrom);
      for (let i = rowFrom; i < rowTo; i++) {
        while (frame.tickerStart[k + 1] <= i) k++;
        ticker[i - rowFrom] = frame.tickers[k];
      }
      await writer.writeRowGroup({ ticker, date: frame.date.slice(rowFrom, rowTo), ...values }, n);
    },
    async commit() {
      const { bytes } = await writer.close();
      return { bytes };
    },
    abort: () => writer.abort(),
  };
}
