import { dividendsPerRow, investorTypesTimeline, tickerOfCode, totalReturnFactors, type DividendRow, type InvestorTypeRow } from '../adjust';
import { computeFeatureBatches, computeLabels, DEFAULT_HORIZONS, featureDef, loadManifest, selectFeatures, type FeatureBatch, type FlowAccessor, type LabelHorizon } from '../features';
import { FLOW_SERIES } from '../features/define';
import { defaultWorkers } from '../features/parallel';
import { frameFromColumns, type PriceColumns, type PriceFrame } from '../features/frame';
import { MAX_FLOW_OBSERVATIONS } from '../features/registry';
import type { Row } from '../storage/types';
import type { PipelineContext } from './context';
import { fingerprint } from './fingerprint';

/** What the features and labels steps compute, and the fingerprint of that choice. */
export interface FeaturePlan {
  version: string;
  names: string[];
  /** The manifest's lookback_sessions: how far before its block a feature's window starts. */
  lookbackSessions: number;
  fingerprint: string;
  horizons: readonly LabelHorizon[];
  labelNames: string[];
  /** Sessions after D the longest label needs. */
  labelHorizon: number;
  labelsFingerprint: string;
}

export function featurePlan(includeExperimental: boolean, dividendAdjustment: 'none' | 'total_return' = 'none'): FeaturePlan {
  const manifest = loadManifest();
  const names = selectFeatures(manifest, { experimental: includeExperimental });
  const horizons = DEFAULT_HORIZONS;
  return {
    version: manifest.version,
    names,
    lookbackSessions: manifest.lookbackSessions,
    fingerprint: fingerprint('manifest', manifest.version, names, manifest.lookbackSessions, dividendAdjustment),
    horizons,
    labelNames: horizons.map((h) => h.name),
    labelHorizon: Math.max(...horizons.map((h) => h.to)),
    labelsFingerprint: fingerprint('labels', horizons, dividendAdjustment),
  };
}

export interface HistoryResult {
  /** The rows of one date; `extra` fields (e.g. the manifest version) are set on each. */
  rowsFor(date: string, extra?: Row): Row[];
}

const esc = (s: string) => s.replace(/'/g, "''");

interface History {
  frame: PriceFrame;
  /** Per frame row: the cumulative split factor over the window's latest one (scale to as-of-row units). */
  unitScale: Float64Array;
  section: Array<string | null>;
}

/**
 * Features of session D are computed over the window that starts `lookback` sessions before the first
 * session of D's calendar quarter and ends at D. The window depends on D alone, so a backfill (one window
 * per quarter, emitting all its sessions) and a daily increment (the window up to D) see the same rows and
 * give the same values, bit for bit, also for indicators that never forget their start (Wilder and EMA
 * seeds, OBV, A/D). A daily run reads at most lookback + one quarter of sessions.
 */
export function featureWindowStart(calendar: PipelineContext['calendar'], date: string, lookback: number): string {
  const year = Number(date.slice(0, 4));
  const quarter = Math.floor((Number(date.slice(5, 7)) - 1) / 3);
  const dayBefore = quarter === 0 ? `${year - 1}-12-31` : `${year}-${['03-31', '06-30', '09-30'][quarter - 1]}`;
  return calendar.addSessions(calendar.next(dayBefore), -lookback);
}

/** The block key of a session: sessions of one quarter share a window start. */
export const featureBlock = (date: string): string => `${date.slice(0, 4)}Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;

/**
 * Every ticker's stored rows in [fromDate, maxDate], split-adjusted as of its latest row there; values
 * measured in price or volume units are brought back to each row's own share units after computing (point
 * in time: a later split never changes a feature of D).
 */
async function readHistory(ctx: PipelineContext, fromDate: string, maxDate: string): Promise<History> {
  await ctx.lakeSql.refresh(['adjusted_prices']);
  // NULLs as NaN and flags as 1/0/NaN in SQL, so every numeric column arrives as one typed array (queryColumns).
  const num = (c: string) => `coalesce(CAST(${c} AS DOUBLE), 'NaN'::DOUBLE) AS ${c}`;
  const flag = (c: string) => `CASE WHEN ${c} THEN 1.0 WHEN NOT ${c} THEN 0.0 ELSE 'NaN'::DOUBLE END AS ${c}`;
  const result = await ctx.lakeSql.queryColumns(
    `SELECT ticker, CAST(date AS VARCHAR) AS date, ${['open', 'high', 'low', 'close', 'volume', 'turnover_value', 'cum_factor'].map(num).join(', ')}, `
    + `${flag('upper_limit')}, ${flag('lower_limit')}, section, sector33 FROM adjusted_prices `
    + `WHERE date >= DATE '${esc(fromDate)}' AND date <= DATE '${esc(maxDate)}' ORDER BY ticker, date`,
  );
  const column = (name: string) => result.columns[result.names.indexOf(name)];
  const numbers = (name: string) => {
    const c = column(name);
    return c instanceof Float64Array ? c : Float64Array.from(c, (v) => (typeof v === 'number' ? v : NaN));
  };
  const strings = (name: string) => (column(name) as unknown[]).map((v) => (v === null || v === undefined ? null : String(v)));
  const n = result.rowCount;
  const ticker = strings('ticker') as string[];
  const raw = { open: numbers('open'), high: numbers('high'), low: numbers('low'), close: numbers('close'), volume: numbers('volume'), cum: numbers('cum_factor') };
  const cols: PriceColumns = {
    ticker, date: strings('date') as string[],
    open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
    aux: { turnover: numbers('turnover_value'), upper_limit: numbers('upper_limit'), lower_limit: numbers('lower_limit') },
    sector33: strings('sector33'),
  };
  const unitScale = new Float64Array(n);
  const section = strings('section');
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n && ticker[end] === ticker[start]) end += 1;
    const last = raw.cum[end - 1];
    for (let i = start; i < end; i += 1) {
      const ratio = last / raw.cum[i];
      cols.open[i] = raw.open[i] * ratio;
      cols.high[i] = raw.high[i] * ratio;
      cols.low[i] = raw.low[i] * ratio;
      cols.close[i] = raw.close[i] * ratio;
      cols.volume[i] = raw.volume[i] / ratio;
      unitScale[i] = 1 / ratio;
    }
    start = end;
  }
  if (ctx.dividendAdjustment === 'total_return') await applyTotalReturn(ctx, maxDate, raw.close, raw.cum, cols);
  const { frame, order } = frameFromColumns(cols);
  return { frame, unitScale: unitScale.map((_, i) => unitScale[order[i]]), section: Array.from(order, (o) => section[o]) };
}

/**
 * Folds cash dividends into the split-adjusted prices: each row is scaled by G[t]/G[last], G the product of
 * (1 + dividend / previous close) over ex-dates up to t. Point in time: a dividend counts in the version
 * announced by its ex-date; a revision announced later never rewrites history (so backfill = daily).
 * rawClose and cumFactor are the stored (unadjusted) closes and cumulative split factors, rows as in cols.
 */
async function applyTotalReturn(ctx: PipelineContext, maxDate: string, rawClose: Float64Array, cumFactor: Float64Array, cols: PriceColumns): Promise<void> {
  await ctx.lakeSql.refresh(['raw_dividends']);
  const dividends = (await ctx.lakeSql.query(
    `SELECT code, CAST(announcement_date AS VARCHAR) AS announcement_date, reference_number, status_code, interim_final_code, gross_dividend_rate, CAST(ex_date AS VARCHAR) AS ex_date FROM raw_dividends WHERE announcement_date <= DATE '${esc(maxDate)}'`,
  ).catch(() => [])) as unknown as Array<DividendRow & { code: string }>;
  const byTicker = new Map<string, DividendRow[]>();
  for (const d of dividends) {
    if (!d.ex_date || (d.announcement_date && d.announcement_date > d.ex_date)) continue;
    const t = tickerOfCode(String(d.code));
    const list = byTicker.get(t);
    if (list) list.push(d);
    else byTicker.set(t, [d]);
  }
  const n = cols.ticker.length;
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n && cols.ticker[end] === cols.ticker[start]) end += 1;
    const divs = byTicker.get(cols.ticker[start]);
    if (divs) {
      const g = totalReturnFactors({ close: rawClose.subarray(start, end), cumFactor: cumFactor.subarray(start, end) }, dividendsPerRow(cols.date.slice(start, end), divs));
      const last = g[g.length - 1];
      for (let i = start; i < end; i += 1) {
        const f = g[i - start] / last;
        cols.open[i] *= f;
        cols.high[i] *= f;
        cols.low[i] *= f;
        cols.close[i] *= f;
      }
    }
    start = end;
  }
}

/** Investor flows visible on each session (published before it), per the ticker's market section on that row. */
async function flowAccessor(ctx: PipelineContext, history: History, maxDate: string): Promise<FlowAccessor> {
  await ctx.lakeSql.refresh(['validated_investor_types']);
  const rows = (await ctx.lakeSql.query(
    `SELECT CAST(published_date AS VARCHAR) AS published_date, CAST(start_date AS VARCHAR) AS start_date, CAST(end_date AS VARCHAR) AS end_date, section, ${FLOW_SERIES.join(', ')} FROM validated_investor_types WHERE published_date < DATE '${esc(maxDate)}'`,
  ).catch(() => [])) as unknown as InvestorTypeRow[];
  const sessions = [...new Set(history.frame.date)].sort();
  const sessionIndex = new Map(sessions.map((d, i) => [d, i]));
  const timeline = investorTypesTimeline(rows, sessions, ctx.calendar);
  const perSection = new Map<string, Float64Array>();
  const cache = new Map<string, Float64Array>();
  const n = MAX_FLOW_OBSERVATIONS;
  return (series, _k, i) => {
    const sec = history.section[i];
    if (!sec) return null;
    const s = sessionIndex.get(history.frame.date[i])!;
    const key = `${series}|${sec}|${s}`;
    let view = cache.get(key);
    if (!view) {
      let all = perSection.get(`${series}|${sec}`);
      if (!all) perSection.set(`${series}|${sec}`, (all = timeline.lastN(sec, series, n)));
      view = all.subarray(s * n, s * n + n);
      cache.set(key, view);
    }
    return view;
  };
}

interface Kept {
  /** Per frame row: its index among the kept rows, or −1. */
  slot: Int32Array;
  rowsOf: Map<string, number[]>;
  tickerOf: string[];
  count: number;
}

/** The rows of the dates kept, numbered: only they are stored, so a long window costs no result memory. */
function keptRows(frame: PriceFrame, keep: ReadonlySet<string>): Kept {
  const slot = new Int32Array(frame.date.length).fill(-1);
  const rowsOf = new Map<string, number[]>();
  const tickerOf: string[] = [];
  let count = 0;
  for (let k = 0; k < frame.tickers.length; k += 1) {
    for (let i = frame.tickerStart[k]; i < frame.tickerStart[k + 1]; i += 1) {
      const d = frame.date[i];
      if (!keep.has(d)) continue;
      slot[i] = count;
      tickerOf.push(frame.tickers[k]);
      const list = rowsOf.get(d);
      if (list) list.push(count);
      else rowsOf.set(d, [count]);
      count += 1;
    }
  }
  return { slot, rowsOf, tickerOf, count };
}

function resultOf(kept: Kept, columns: Record<string, Float64Array>, names: readonly string[]): HistoryResult {
  return {
    rowsFor(date, extra) {
      return (kept.rowsOf.get(date) ?? []).map((j) => {
        const row: Row = { ticker: kept.tickerOf[j], date };
        for (const name of names) {
          const v = columns[name][j];
          row[name] = v - v === 0 ? v : null;
        }
        if (extra) Object.assign(row, extra);
        return row;
      });
    },
  };
}

/**
 * Features of `dates` (sessions of one block, see featureWindowStart) over their window. Computed in ticker
 * batches; only the rows of `dates` are kept, and cross-sectional features are ranked only on those dates.
 */
export async function computeHistoryFeatures(ctx: PipelineContext, plan: FeaturePlan, dates: readonly string[]): Promise<HistoryResult> {
  const sorted = [...dates].sort();
  const maxDate = sorted[sorted.length - 1];
  const history = await readHistory(ctx, featureWindowStart(ctx.calendar, sorted[0], plan.lookbackSessions), maxDate);
  const keep = new Set(sorted);
  const kept = keptRows(history.frame, keep);
  const columns: Record<string, Float64Array> = Object.fromEntries(plan.names.map((n) => [n, new Float64Array(kept.count)]));
  const units = plan.names.map((n) => featureDef(n)?.unit);
  const needsFlows = plan.names.some((n) => featureDef(n)?.kind === 'flows');
  const flowCtx = needsFlows ? { investorFlows: await flowAccessor(ctx, history, maxDate) } : {};
  await computeFeatureBatches(history.frame, plan.names, flowCtx, {
    crossSectionDates: keep,
    workers: defaultWorkers(history.frame.date.length),
    onBatch({ rowFrom, rowTo, columns: batch }: FeatureBatch) {
      plan.names.forEach((name, f) => {
        const from = batch[name];
        const to = columns[name];
        const unit = units[f];
        for (let i = rowFrom; i < rowTo; i += 1) {
          const j = kept.slot[i];
          if (j < 0) continue;
          const v = from[i - rowFrom];
          to[j] = unit === 'price' ? v * history.unitScale[i] : unit === 'volume' ? v / history.unitScale[i] : v;
        }
      });
    },
  });
  return resultOf(kept, columns, plan.names);
}

/** Labels of the sessions from fromDate on; they read closes up to maxDate only. */
export async function computeHistoryLabels(ctx: PipelineContext, plan: FeaturePlan, fromDate: string, maxDate: string): Promise<HistoryResult> {
  const history = await readHistory(ctx, fromDate, maxDate);
  const { columns } = computeLabels(history.frame, { horizons: plan.horizons, sessions: ctx.calendar.sessions(fromDate, maxDate) });
  const kept = keptRows(history.frame, new Set(history.frame.date));
  const compact = Object.fromEntries(plan.labelNames.map((name) => {
    const out = new Float64Array(kept.count);
    const col = columns[name];
    for (let i = 0; i < col.length; i += 1) if (kept.slot[i] >= 0) out[kept.slot[i]] = col[i];
    return [name, out];
  }));
  return resultOf(kept, compact, plan.labelNames);
}
