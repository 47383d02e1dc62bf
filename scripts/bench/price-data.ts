/**
 * Deterministic synthetic daily bars for feature benchmarks: `tickers` × `sessions` TSE sessions from
 * 2015-01-05, sorted by ticker then date, as CSV (streamed to disk: 10M rows never sit in one string).
 * A geometric random walk per ticker with a common market factor; volumes with a few zero days; price-limit
 * flags on large moves; a sector33 code per ticker.
 */
import fs from 'node:fs';
import { TseCalendar } from '../../pipelines/calendar';
import { mulberry32 as prng } from '../../pipelines/util/random';

const SECTORS = ['0050', '1050', '2050', '3050', '3100', '3150', '3200', '3250', '3300', '3350', '3400', '3450', '3500', '3550', '3600', '3650', '3700', '3750', '3800', '4050', '5050', '5100', '5150', '5200', '5250', '6050', '6100', '7050', '7100', '7150', '7200', '8050', '9050'];


export function benchSessions(count: number): string[] {
  const calendar = TseCalendar.fromRules();
  const out: string[] = [];
  for (let d = calendar.next('2015-01-04'); out.length < count; d = calendar.next(d)) out.push(d);
  return out;
}

export interface PriceDataOptions {
  tickers: number;
  sessions: number;
  /** Also write turnover_value, upper_limit, lower_limit, sector33 (the optional input columns). */
  extras: boolean;
  seed?: number;
}

export async function writePriceCsv(file: string, opts: PriceDataOptions): Promise<{ rows: number; bytes: number }> {
  const dates = benchSessions(opts.sessions);
  const random = prng(opts.seed ?? 42);
  const gauss = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const market = dates.map(() => 0.01 * gauss());
  const out = fs.createWriteStream(file);
  const write = (s: string) => new Promise<void>((resolve) => { if (out.write(s)) resolve(); else out.once('drain', resolve); });
  await write(`ticker,date,open,high,low,close,volume${opts.extras ? ',turnover_value,upper_limit,lower_limit,sector33' : ''}\n`);
  let rows = 0;
  for (let k = 0; k < opts.tickers; k++) {
    const ticker = String(1301 + k);
    const sector = SECTORS[k % SECTORS.length];
    const beta = 0.5 + random();
    let close = 200 + random() * 5000;
    let text = '';
    for (let s = 0; s < dates.length; s++) {
      const prev = close;
      const r = beta * market[s] + 0.015 * gauss();
      close = Math.max(1, Math.round(prev * Math.exp(r) * 10) / 10);
      const open = Math.max(1, Math.round(prev * Math.exp(0.005 * gauss()) * 10) / 10);
      const high = Math.max(open, close) * (1 + 0.01 * random());
      const low = Math.min(open, close) * (1 - 0.01 * random());
      const volume = random() < 0.01 ? 0 : Math.round(Math.exp(10 + gauss()));
      text += `${ticker},${dates[s]},${open},${high.toFixed(1)},${low.toFixed(1)},${close},${volume}`;
      if (opts.extras) text += `,${Math.round(volume * close)},${r > 0.06 ? 'true' : 'false'},${r < -0.06 ? 'true' : 'false'},${sector}`;
      text += '\n';
      rows++;
    }
    await write(text);
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { rows, bytes: fs.statSync(file).size };
}
