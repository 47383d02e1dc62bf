import { BROKERAGE_COMPONENTS, INVESTOR_CATEGORIES, SECTIONS_BEFORE_2022, SECTIONS_FROM_2022 } from '../fields';
import { barRow } from './bars';
import { dayOf } from './dates';
import { investorRow } from './investors';
import { FLAG_TRADED, laterFactors } from './prices';
import { SECTOR17, SECTOR33 } from './reference';
import { RECENT_MARKET, SMALL_MARKET } from './testing';
import { limitBand, roundTick, tickSize } from './tse';
import { aliveAt, buildWorld, type World } from './world';

const small = buildWorld({ ...SMALL_MARKET, codes: 300 });
const recent = buildWorld(RECENT_MARKET);

/**
 * Collects rule violations over many rows and asserts once: a jest expect per row would cost minutes here.
 * Reports the first few offenders with their context.
 */
function checker() {
  const bad: string[] = [];
  return {
    check(ok: boolean, what: string, context: unknown) {
      if (!ok && bad.length < 10) bad.push(`${what}: ${JSON.stringify(context)}`);
    },
    done() {
      expect(bad).toEqual([]);
    },
  };
}

/** Every served bar of a world (internal names), ticker by ticker. */
function* bars(w: World): Generator<{ i: number; t: number; row: ReturnType<typeof barRow> }> {
  for (let i = 0; i < w.uni.n; i++) {
    for (let t = w.listT[i]; t < w.endT[i]; t++) yield { i, t, row: barRow(w, i, t) };
  }
}

describe('generation is deterministic and prefix-stable', () => {
  it('the same options give the same market; another seed another one', () => {
    const again = buildWorld({ ...SMALL_MARKET, codes: 300 });
    expect(again.uni.codes).toEqual(small.uni.codes);
    expect(Buffer.from(again.prices.close.buffer).equals(Buffer.from(small.prices.close.buffer))).toBe(true);
    const other = buildWorld({ ...SMALL_MARKET, codes: 300, seed: 8 });
    expect(other.uni.codes).not.toEqual(small.uni.codes);
  });

  it('a later asOf only appends history (raw bars up to the earlier asOf are unchanged)', () => {
    const early = buildWorld({ ...SMALL_MARKET, codes: 300, asOf: '2022-06-30' });
    expect(early.uni.codes).toEqual(small.uni.codes);
    const c = checker();
    for (let t = 0; t < early.sessions.length; t++) {
      for (let i = 0; i < early.uni.n; i++) {
        if (!aliveAt(early, i, t)) continue;
        const a = barRow(early, i, t);
        const b = barRow(small, i, t);
        c.check([a.open, a.high, a.low, a.close, a.volume].join() === [b.open, b.high, b.low, b.close, b.volume].join(), 'raw bar changed', [a, b]);
      }
    }
    c.done();
  });
});

describe('daily bars', () => {
  it('OHLC are consistent, on the tick grid, and volume/turnover agree', () => {
    let traded = 0;
    const ck = checker();
    for (const { row } of bars(small)) {
      if (row.close === null) continue;
      traded++;
      const [o, h, l, c, v, va] = [row.open, row.high, row.low, row.close, row.volume, row.turnover_value] as number[];
      ck.check(h >= Math.max(o, c, l) && l <= Math.min(o, c, h), 'high/low do not bound the day', row);
      ck.check([o, h, l, c].every((p) => p % tickSize(p) === 0), 'price off the tick grid', row);
      ck.check(v > 0 && v % 100 === 0, 'volume not in 100-share lots', row);
      ck.check(va >= Math.floor(l * v) && va <= Math.ceil(h * v), 'turnover is not vwap × volume', row);
    }
    ck.done();
    expect(traded).toBeGreaterThan(100_000);
  });

  it('price limits: a close at the limit sets the flag; otherwise the day stays inside the band', () => {
    let upper = 0;
    let lower = 0;
    const ck = checker();
    for (const { i, t, row } of bars(small)) {
      if (row.close === null || t === small.listT[i]) continue;
      // The base is yesterday's close (carried over no-trade days), split-adjusted on an ex-date.
      const prevClose = small.prices.close[(t - 1) * small.uni.n + i];
      const f = row.adjustment_factor as number;
      const band = limitBand(f === 1 ? prevClose : roundTick(prevClose * f));
      ck.check((row.high as number) <= band.upper && (row.low as number) >= band.lower, 'outside the limit band', { row, band });
      ck.check(row.upper_limit === (row.close === band.upper) && row.lower_limit === (row.close === band.lower), 'limit flag wrong', { row, band });
      ck.check(!row.upper_limit || row.high === row.close, 'stop-high day with a higher high', row);
      ck.check(!row.lower_limit || row.low === row.close, 'stop-low day with a lower low', row);
      if (row.upper_limit) upper++;
      if (row.lower_limit) lower++;
    }
    ck.done();
    expect(upper).toBeGreaterThan(5);
    expect(lower).toBeGreaterThan(2);
  });

  it('illiquid tickers have no-trade days: OHLC, volume and turnover null, flags 0, factor kept', () => {
    const nullRows = [...bars(small)].filter(({ row }) => row.close === null).map(({ row }) => row);
    expect(nullRows.length).toBeGreaterThan(50);
    const nulls = ['open', 'high', 'low', 'close', 'volume', 'turnover_value', 'adjustment_open', 'adjustment_high', 'adjustment_low', 'adjustment_close', 'adjustment_volume'];
    const ck = checker();
    for (const row of nullRows) {
      ck.check(nulls.every((k) => row[k] === null), 'a no-trade field is not null', row);
      ck.check(row.upper_limit === false && row.lower_limit === false && typeof row.adjustment_factor === 'number', 'no-trade flags/factor', row);
    }
    ck.done();
  });

  it('splits and reverse splits: factor on the ex-date, raw × later factors = adjusted, adjusted path continuous', () => {
    const p = small.prices;
    const factors = new Set(Array.from(p.splitFactor));
    expect(p.splitFactor.length).toBeGreaterThan(5);
    expect([...factors].some((f) => f < 1)).toBe(true);
    expect([...factors].some((f) => f > 1)).toBe(true);
    for (let i = 0; i < small.uni.n; i++) {
      for (let e = p.splitStart[i]; e < p.splitStart[i + 1]; e++) {
        const t = p.splitT[e];
        const f = p.splitFactor[e];
        const row = barRow(small, i, t);
        expect(row.adjustment_factor).toBe(f);
        // The raw close jumps by about the factor (beyond what a day's limits allow); the adjusted close does not.
        const before = p.close[(t - 1) * small.uni.n + i];
        const rawMove = Math.log(p.close[t * small.uni.n + i] / before);
        expect(Math.abs(rawMove - Math.log(f))).toBeLessThan(0.45);
        const adjMove = Math.log((p.close[t * small.uni.n + i] * laterFactors(p, i, t)) / (before * laterFactors(p, i, t - 1)));
        expect(Math.abs(adjMove)).toBeLessThan(0.45);
        if (Math.abs(Math.log(f)) > 0.6) expect(Math.abs(rawMove)).toBeGreaterThan(Math.abs(adjMove));
      }
    }
    const ck = checker();
    for (const { i, t, row } of bars(small)) {
      const later = laterFactors(p, i, t);
      if (row.close === null) continue;
      for (const [raw, adj] of [['open', 'adjustment_open'], ['high', 'adjustment_high'], ['low', 'adjustment_low'], ['close', 'adjustment_close']]) {
        ck.check(Math.abs((row[raw] as number) * later - (row[adj] as number)) <= 0.05 + 1e-9, `${adj} is not ${raw} × later factors`, { row, later });
      }
      ck.check(Math.abs((row.volume as number) / later - (row.adjustment_volume as number)) <= 0.05 + 1e-9, 'adjusted volume', { row, later });
      ck.check(later !== 1 || row.adjustment_close === row.close, 'no later split but adjusted differs', row);
    }
    ck.done();
  });
});

describe('universe', () => {
  it('codes are 5 characters ending in check digit 0; alphanumeric codes only for listings since 2024', () => {
    for (const w of [small, recent]) {
      for (let i = 0; i < w.uni.n; i++) {
        const code = w.uni.codes[i];
        expect(code).toMatch(/^(\d{4}|\d{3}[A-Z])0$/);
        if (/[A-Z]/.test(code)) expect(w.uni.listDay[i]).toBeGreaterThanOrEqual(dayOf('2024-01-01'));
      }
      expect([...w.uni.codes].sort()).toEqual(w.uni.codes);
    }
    expect(recent.uni.codes.filter((c) => /[A-Z]/.test(c)).length).toBeGreaterThan(0);
  });

  it('has listings and delistings inside the history', () => {
    const T = small.sessions.length;
    const listedLater = [...small.listT].filter((t) => t > 0 && t < T).length;
    const delisted = [...small.endT].filter((t) => t > 0 && t < T).length;
    expect(listedLater).toBeGreaterThan(3);
    expect(delisted).toBeGreaterThan(3);
  });

  it('sectors come from the real tables and 17-sector codes match the 33-sector mapping', () => {
    for (let i = 0; i < small.uni.n; i++) {
      const sector = SECTOR33[small.uni.sector33[i]];
      expect(sector.code).toMatch(/^\d{4}$/);
      expect(SECTOR17[sector.s17]).toBeDefined();
    }
    expect(new Set(small.uni.sector33).size).toBeGreaterThan(20);
  });
});

describe('investor types', () => {
  const inv = small.investors;
  const rows = Array.from(inv.rowWeek, (_, r) => investorRow(small.options.seed, inv, small.sessions, small.prices.market, r));

  it('satisfy Balance = Purchases − Sales, Total = Sales + Purchases, Brokerage = Σ agency, Total = Proprietary + Brokerage', () => {
    const ck = checker();
    const n = (row: (typeof rows)[number], k: string) => row[k] as number;
    for (const row of rows) {
      for (const [cat] of INVESTOR_CATEGORIES) {
        ck.check(n(row, `${cat}_balance`) === n(row, `${cat}_purchases`) - n(row, `${cat}_sales`), `${cat} balance`, row);
        ck.check(n(row, `${cat}_total`) === n(row, `${cat}_purchases`) + n(row, `${cat}_sales`), `${cat} total`, row);
        ck.check(n(row, `${cat}_sales`) > 0 && n(row, `${cat}_purchases`) > 0, `${cat} positive`, row);
      }
      for (const m of ['sales', 'purchases', 'total', 'balance']) {
        ck.check(n(row, `brokerage_${m}`) === BROKERAGE_COMPONENTS.reduce((a, c) => a + n(row, `${c}_${m}`), 0), `brokerage ${m}`, row);
        ck.check(n(row, `total_${m}`) === n(row, `proprietary_${m}`) + n(row, `brokerage_${m}`), `total ${m}`, row);
      }
    }
    ck.done();
  });

  it('sections follow the 2022-04-04 restructuring; published the 4th session after EndDate; none after asOf', () => {
    const ck = checker();
    rows.forEach((row, r) => {
      const sections: readonly string[] = (row.start_date as string) < '2022-04-04' ? SECTIONS_BEFORE_2022 : SECTIONS_FROM_2022;
      ck.check(sections.includes(row.section as string), 'section of the wrong era', row);
      ck.check((row.published_date as string) <= small.options.asOf, 'published after asOf', row);
      ck.check(inv.rowVersion[r] === 1 || row.published_date === small.calendar.addSessions(row.end_date as string, 4), 'publication rule', row);
      ck.check(dayOf(row.end_date as string) - dayOf(row.start_date as string) < 7, 'week longer than a week', row);
    });
    ck.done();
    expect(new Set(rows.map((r) => r.section)).size).toBe(8);
  });

  it('corrections from 2023-04-03: same Section/StartDate/EndDate, newer PublishedDate, different values', () => {
    const byKey = new Map<string, typeof rows>();
    for (const row of rows) {
      const key = `${row.section}|${row.start_date}|${row.end_date}`;
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    const corrected = [...byKey.values()].filter((group) => group.length > 1);
    expect(corrected.length).toBeGreaterThan(2);
    for (const [original, fix] of corrected) {
      expect(corrected.every((g) => g.length === 2)).toBe(true);
      expect(fix.published_date as string > (original.published_date as string)).toBe(true);
      expect(fix.published_date as string >= '2023-04-03').toBe(true);
      expect(fix.total_total).not.toBe(original.total_total);
    }
  });

  it("foreigners' net buying follows the week's market move", () => {
    const xs: number[] = [];
    const ys: number[] = [];
    rows.forEach((row, r) => {
      if (row.section !== 'TokyoNagoya' || inv.rowVersion[r] !== 0) return;
      const w = inv.rowWeek[r];
      let m = 0;
      for (let t = inv.weekStartT[w]; t <= inv.weekEndT[w]; t++) m += small.prices.market[t];
      xs.push(m);
      ys.push((row.foreigners_balance as number) / (row.foreigners_total as number));
    });
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const [mx, my] = [mean(xs), mean(ys)];
    const cov = xs.reduce((s, x, k) => s + (x - mx) * (ys[k] - my), 0);
    const corr = cov / Math.sqrt(xs.reduce((s, x) => s + (x - mx) ** 2, 0) * ys.reduce((s, y) => s + (y - my) ** 2, 0));
    expect(corr).toBeGreaterThan(0.5);
  });
});

describe('dividends', () => {
  it('record, ex and payable dates are ordered; ex-date is the last session before the record date', () => {
    const d = small.dividends;
    expect(d.ticker.length).toBeGreaterThan(100);
    for (let r = 0; r < d.ticker.length; r++) {
      expect(d.ex[r]).toBeLessThan(d.record[r]);
      expect(d.payable[r]).toBeGreaterThan(d.record[r]);
      expect(d.rate[r]).toBeGreaterThan(0);
      expect(d.announced[r]).toBeLessThanOrEqual(dayOf(small.options.asOf as string));
      if (r > 0) expect(d.announced[r]).toBeGreaterThanOrEqual(d.announced[r - 1]);
    }
  });
});

describe('scale', () => {
  it('builds the default 4,000-code universe over ten years', () => {
    const w = buildWorld({ asOf: '2026-06-30' });
    expect(w.uni.n).toBe(4000);
    expect(w.sessions.length).toBeGreaterThan(2500);
    expect(w.prices.close.length).toBe(w.uni.n * w.sessions.length);
    let traded = 0;
    for (let k = 0; k < w.prices.flags.length; k++) traded += w.prices.flags[k] & FLAG_TRADED;
    expect(traded).toBeGreaterThan(8_000_000);
  }, 120_000);
});
