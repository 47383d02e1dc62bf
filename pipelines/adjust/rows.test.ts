import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENDPOINTS, type Row } from '../sources/jquants/fields';
import { normalizeRecords } from '../sources/jquants/normalize';
import { buildWorld, type World } from '../sources/jquants/sim';
import { QUERIES } from '../sources/jquants/sim/queries';
import { dividendsPerRow, tickerOfCode, type DividendRow } from './dividends';
import { adjustRows, type PriceRow } from './rows';

const { abs } = Math;

type ApiRow = PriceRow & Record<string, unknown>;

/** J-Quants rounds Adjustment* to one decimal; ours is unrounded, so they may differ by half a unit of it. */
const withinRounding = (ours: number | null, api: unknown) =>
  api === null ? ours === null : typeof api === 'number' && ours !== null && abs(ours - api) <= 0.05 + 1e-9 * abs(api);

const COMPARED: Array<[ours: 'adj_open' | 'adj_high' | 'adj_low' | 'adj_close' | 'adj_volume', api: string]> = [
  ['adj_open', 'adjustment_open'], ['adj_high', 'adjustment_high'], ['adj_low', 'adjustment_low'],
  ['adj_close', 'adjustment_close'], ['adj_volume', 'adjustment_volume'],
];

const asPriceRow = (r: Row): ApiRow => ({ ...r, ticker: tickerOfCode(String(r.code)), date: String(r.date) }) as ApiRow;

function simBars(w: World): ApiRow[] {
  const out: ApiRow[] = [];
  for (const code of w.uni.codes) {
    const list = QUERIES.daily_bars(w, { code });
    for (let k = 0; k < list.length; k++) out.push(asPriceRow(list.row(k)));
  }
  return out;
}

/** Mismatches collected over every row and asserted once (an expect per row would dominate the run time). */
function mismatches(adjusted: ReturnType<typeof adjustRows<ApiRow>>): string[] {
  const bad: string[] = [];
  for (const r of adjusted) {
    for (const [ours, api] of COMPARED) {
      if (!withinRounding(r[ours], r[api]) && bad.length < 10) bad.push(`${r.ticker} ${r.date} ${ours}=${r[ours]} ${api}=${String(r[api])}`);
    }
  }
  return bad;
}

describe('adjustRows', () => {
  const row = (ticker: string, date: string, close: number | null, factor: number | null = 1, volume: number | null = 1000): PriceRow => ({
    ticker, date, open: close, high: close, low: close, close, volume, adjustment_factor: factor,
  });

  it('groups by ticker, sorts by date and adjusts each ticker as of its own last row', () => {
    const out = adjustRows([
      row('7203', '2023-01-06', 52, 1), row('130A', '2023-01-05', 10), row('7203', '2023-01-04', 100),
      row('7203', '2023-01-05', 51, 0.5, 2000),
    ]);
    expect(out.map((r) => [r.ticker, r.date, r.cum_factor, r.adj_close, r.adj_volume])).toEqual([
      ['130A', '2023-01-05', 1, 10, 1000],
      ['7203', '2023-01-04', 1, 50, 2000],
      ['7203', '2023-01-05', 0.5, 51, 2000],
      ['7203', '2023-01-06', 0.5, 52, 1000],
    ]);
    expect(out[0]).not.toHaveProperty('tr_close');
  });

  it('the 2020-10-01 all-null day stays null and a split on the next session still applies', () => {
    const out = adjustRows([
      row('8697', '2020-09-30', 1000, 1, 5000),
      { ticker: '8697', date: '2020-10-01', open: null, high: null, low: null, close: null, volume: null, adjustment_factor: 1 },
      row('8697', '2020-10-02', 510, 0.5, 9000),
    ]);
    expect(out.map((r) => [r.cum_factor, r.adj_open, r.adj_high, r.adj_low, r.adj_close, r.adj_volume])).toEqual([
      [1, 500, 500, 500, 500, 10000],
      [1, null, null, null, null, null],
      [0.5, 510, 510, 510, 510, 9000],
    ]);
  });

  it('adds tr_factor and tr_close when dividends are given, matching tickers by J-Quants code', () => {
    const dividends: DividendRow[] = [{ code: '72030', ex_date: '2023-01-05', gross_dividend_rate: 2, announcement_date: '2022-11-01' }];
    const out = adjustRows([row('7203', '2023-01-04', 100), row('7203', '2023-01-05', 98), row('1301', '2023-01-05', 50)], { dividends });
    expect(out.map((r) => [r.ticker, r.tr_factor, r.tr_close])).toEqual([
      ['1301', 1, 50], ['7203', 1 / 1.02, 100 / 1.02], ['7203', 1, 98],
    ]);
    const none = adjustRows([row('7203', '2023-01-04', 100), row('7203', '2023-01-05', null)], { dividends: [] });
    expect(none.map((r) => [r.tr_factor, r.tr_close])).toEqual([[1, 100], [1, null]]);
  });

  it('rejects two rows for one ticker and date', () => {
    expect(() => adjustRows([row('7203', '2023-01-04', 1), row('7203', '2023-01-04', 2)])).toThrow(/7203 on 2023-01-04/);
  });

  it('matches the adjusted columns of the shared J-Quants sample', () => {
    const sample = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/jquants/jquants_v1_daily_quotes_example.json'), 'utf8'));
    const { rows, rejected } = normalizeRecords(ENDPOINTS.daily_bars, 'v1', sample.daily_quotes);
    expect(rejected).toEqual([]);
    const out = adjustRows(rows.map(asPriceRow));
    expect(out).toHaveLength(1);
    expect(out[0].ticker).toBe('8697');
    expect(mismatches(out)).toEqual([]);
  });
});

describe('adjustRows against the simulator (every row of a small market)', () => {
  // Seed 17 over these three years has 1:2, 1:4, 1:5 and 1:10 splits, reverse splits, a ticker with both a split
  // and a reverse split, the 2020-10-01 outage and the 2022 restructuring.
  const options = { seed: 17, codes: 200, from: '2020-06-01', asOf: '2023-06-30' };
  const world = buildWorld(options);
  const bars = simBars(world);

  it('the market has the cases worth comparing', () => {
    const factors = bars.map((r) => r.adjustment_factor ?? 1);
    expect(factors.filter((f) => f < 1).length).toBeGreaterThanOrEqual(5);
    expect(factors.filter((f) => f > 1).length).toBeGreaterThanOrEqual(2);
    const perTicker = new Map<string, number>();
    for (const r of bars) if (r.adjustment_factor !== 1) perTicker.set(r.ticker, (perTicker.get(r.ticker) ?? 0) + 1);
    expect(Math.max(...perTicker.values())).toBeGreaterThanOrEqual(2);
    expect(bars.some((r) => r.date === '2020-10-01' && r.close === null)).toBe(true);
    expect(bars.some((r) => r.date !== '2020-10-01' && r.close === null)).toBe(true);
  });

  it('equals the API\'s Adjustment* within their one-decimal rounding, as of the simulator\'s asOf', () => {
    const out = adjustRows(bars);
    expect(out).toHaveLength(bars.length);
    expect(mismatches(out)).toEqual([]);
    // Not vacuous: many rows really are rescaled.
    expect(out.filter((r) => r.close !== null && abs(r.adj_close! - r.close!) > 1).length).toBeGreaterThan(1000);
  });

  it('and as of an earlier date: our rows cut there equal an earlier simulator\'s Adjustment*', () => {
    const earlyAsOf = '2022-03-31';
    const early = simBars(buildWorld({ ...options, asOf: earlyAsOf }));
    const cut = bars.filter((r) => r.date <= earlyAsOf);
    expect(cut.length).toBe(early.length);
    // Our adjusted columns from the later world's raw rows, their Adjustment* from the earlier world.
    const apiByKey = new Map(early.map((r) => [`${r.ticker}|${r.date}`, r]));
    const ours = adjustRows(cut).map((r) => {
      const api = apiByKey.get(`${r.ticker}|${r.date}`)!;
      return { ...r, ...Object.fromEntries(COMPARED.map(([, k]) => [k, api[k]])) };
    });
    expect(mismatches(ours)).toEqual([]);
    // Splits after the early asOf make the two simulators' Adjustment* differ on earlier rows.
    const later = new Map(bars.map((r) => [`${r.ticker}|${r.date}`, r.adjustment_close]));
    expect(early.filter((r) => r.adjustment_close !== later.get(`${r.ticker}|${r.date}`)).length).toBeGreaterThan(100);
  });

  it('total return over the simulator\'s dividends: steps only on ex-dates, by 1 + D / previous close', () => {
    const dividends = QUERIES.dividends(world, { from: options.from, to: options.asOf });
    const divRows: DividendRow[] = Array.from({ length: dividends.length }, (_, k) => dividends.row(k) as DividendRow);
    expect(divRows.length).toBeGreaterThan(50);
    const out = adjustRows(bars, { dividends: divRows });
    const bad: string[] = [];
    let steps = 0;
    let start = 0;
    while (start < out.length) {
      let end = start;
      while (end < out.length && out[end].ticker === out[start].ticker) end++;
      const series = out.slice(start, end);
      const mine = divRows.filter((d) => tickerOfCode(String(d.code)) === series[0].ticker);
      const perRow = dividendsPerRow(series.map((r) => r.date), mine);
      if (series[series.length - 1].tr_factor !== 1) bad.push(`${series[0].ticker}: last tr_factor ${series[series.length - 1].tr_factor}`);
      for (let t = 1; t < series.length; t++) {
        const step = series[t].tr_factor / series[t - 1].tr_factor;
        const prev = series[t - 1].close;
        // Only checkable by hand where the previous row traded and no split sits on it.
        if (perRow[t] > 0 && typeof prev === 'number' && series[t - 1].adjustment_factor === 1) {
          steps++;
          if (abs(step - (1 + perRow[t] / prev)) > 1e-12) bad.push(`${series[t].ticker} ${series[t].date}: step ${step}`);
        } else if (perRow[t] === 0 && step !== 1) {
          bad.push(`${series[t].ticker} ${series[t].date}: step ${step} without a dividend`);
        }
      }
      start = end;
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect(steps).toBeGreaterThan(50);
  });
});
