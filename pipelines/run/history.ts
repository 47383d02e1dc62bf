import { dividendsPerRow, investorTypesTimeline, tickerOfCode, totalReturnFactors, type DividendRow, type InvestorTypeRow } from '../adjust';
import { computeFeatures, computeLabels, DEFAULT_HORIZONS, featureDef, loadManifest, selectFeatures, type FlowAccessor, type LabelHorizon } from '../features';
import { frameFromColumns, type PriceColumns, type PriceFrame } from '../features/frame';
import { MAX_FLOW_OBSERVATIONS } from '../features/registry';
import type { Row } from '../storage/types';
import type { PipelineContext } from './context';
import { fingerprint } from './fingerprint';

/** What the features and labels steps compute, and the fingerprint of that choice. */
export interface FeaturePlan {
  version: string;
  names: string[];
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
    fingerprint: fingerprint('manifest', manifest.version, names, dividendAdjustment),
    horizons,
    labelNames: horizons.map((h) => h.name),
    labelHorizon: Math.max(...horizons.map((h) => h.to)),
    labelsFingerprint: fingerprint('labels', horizons, dividendAdjustment),
  };
}

export interface HistoryResult {
  rowsFor(date: string): Row[];
}

const esc = (s: string) => s.replace(/'/g, "''");

interface History {
  frame: PriceFrame;
  /** Per frame row: the cumulative split factor and that factor over the ticker's latest one (scale to as-of-row units). */
  unitScale: Float64Array;
  section: Array<string | null>;
}

/**
 * Every ticker's whole stored history up to `maxDate`, split-adjusted as of its latest row. A feature of
 * session D is then computed over all sessions up to D, the same way in a backfill and in a daily run, so
 * both give the same value; values measured in price or volume units are brought back to D's own share
 * units (point in time: a later split never changes a feature of D).
 */
const loaded = new WeakMap<PipelineContext, Map<string, Promise<History>>>();

/** Features and labels of one run read the same history: load it once per (run, last date). */
function loadHistory(ctx: PipelineContext, maxDate: string): Promise<History> {
  let byDate = loaded.get(ctx);
  if (!byDate) loaded.set(ctx, (byDate = new Map()));
  let history = byDate.get(maxDate);
  if (!history) byDate.set(maxDate, (history = readHistory(ctx, maxDate)));
  return history;
}

async function readHistory(ctx: PipelineContext, maxDate: string): Promise<History> {
  await ctx.warehouse.refresh(['adjusted_prices']);
  const rows = await ctx.warehouse.query(
    `SELECT ticker, CAST(date AS VARCHAR) AS date, open, high, low, close, volume, cum_factor, section FROM adjusted_prices WHERE date <= DATE '${esc(maxDate)}' ORDER BY ticker, date`,
  );
  const n = rows.length;
  const cols: PriceColumns = { ticker: new Array<string>(n), date: new Array<string>(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  const unitScale = new Float64Array(n);
  const section = new Array<string | null>(n);
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n && rows[end].ticker === rows[start].ticker) end += 1;
    const last = num(rows[end - 1].cum_factor);
    for (let i = start; i < end; i += 1) {
      const r = rows[i];
      const ratio = last / num(r.cum_factor);
      cols.ticker[i] = String(r.ticker);
      cols.date[i] = String(r.date);
      cols.open[i] = num(r.open) * ratio;
      cols.high[i] = num(r.high) * ratio;
      cols.low[i] = num(r.low) * ratio;
      cols.close[i] = num(r.close) * ratio;
      cols.volume[i] = num(r.volume) / ratio;
      unitScale[i] = 1 / ratio;
      section[i] = r.section === null ? null : String(r.section);
    }
    start = end;
  }
  if (ctx.dividendAdjustment === 'total_return') await applyTotalReturn(ctx, maxDate, rows, cols);
  const { frame, order } = frameFromColumns(cols);
  return { frame, unitScale: unitScale.map((_, i) => unitScale[order[i]]), section: Array.from(order, (o) => section[o]) };
}

/**
 * Folds cash dividends into the split-adjusted prices: each row is scaled by G[t]/G[last], G the product of
 * (1 + dividend / previous close) over ex-dates up to t. Point in time: a dividend counts in the version
 * announced by its ex-date; a revision announced later never rewrites history (so backfill = daily).
 */
async function applyTotalReturn(ctx: PipelineContext, maxDate: string, rows: Row[], cols: PriceColumns): Promise<void> {
  await ctx.warehouse.refresh(['raw_dividends']);
  const dividends = (await ctx.warehouse.query(
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
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
  let start = 0;
  while (start < rows.length) {
    let end = start;
    while (end < rows.length && rows[end].ticker === rows[start].ticker) end += 1;
    const divs = byTicker.get(String(rows[start].ticker));
    if (divs) {
      const dates = cols.date.slice(start, end);
      const close = Float64Array.from(rows.slice(start, end), (r) => num(r.close));
      const cumFactor = Float64Array.from(rows.slice(start, end), (r) => num(r.cum_factor));
      const g = totalReturnFactors({ close, cumFactor }, dividendsPerRow(dates, divs));
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
  await ctx.warehouse.refresh(['validated_investor_types']);
  const rows = (await ctx.warehouse.query(
    `SELECT CAST(published_date AS VARCHAR) AS published_date, CAST(start_date AS VARCHAR) AS start_date, CAST(end_date AS VARCHAR) AS end_date, section, foreigners_balance FROM validated_investor_types WHERE published_date < DATE '${esc(maxDate)}'`,
  ).catch(() => [])) as unknown as InvestorTypeRow[];
  const sessions = [...new Set(history.frame.date)].sort();
  const sessionIndex = new Map(sessions.map((d, i) => [d, i]));
  const timeline = investorTypesTimeline(rows, sessions, ctx.calendar);
  const perSection = new Map<string, Float64Array>();
  const cache = new Map<string, Float64Array>();
  const n = MAX_FLOW_OBSERVATIONS;
  return (_k, i) => {
    const sec = history.section[i];
    if (!sec) return null;
    const s = sessionIndex.get(history.frame.date[i])!;
    const key = `${sec}|${s}`;
    let view = cache.get(key);
    if (!view) {
      let all = perSection.get(sec);
      if (!all) perSection.set(sec, (all = timeline.lastN(sec, 'foreigners_balance', n)));
      view = all.subarray(s * n, s * n + n);
      cache.set(key, view);
    }
    return view;
  };
}

function byDate(frame: PriceFrame, columns: Record<string, Float64Array>, names: readonly string[]): HistoryResult {
  const rowsOf = new Map<string, number[]>();
  frame.date.forEach((d, i) => {
    const list = rowsOf.get(d);
    if (list) list.push(i);
    else rowsOf.set(d, [i]);
  });
  const tickerOf = new Array<string>(frame.date.length);
  for (let k = 0; k < frame.tickers.length; k += 1) for (let i = frame.tickerStart[k]; i < frame.tickerStart[k + 1]; i += 1) tickerOf[i] = frame.tickers[k];
  return {
    rowsFor(date) {
      return (rowsOf.get(date) ?? []).map((i) => {
        const row: Row = { ticker: tickerOf[i], date };
        for (const name of names) {
          const v = columns[name][i];
          row[name] = Number.isFinite(v) ? v : null;
        }
        return row;
      });
    },
  };
}

export async function computeHistoryFeatures(ctx: PipelineContext, plan: FeaturePlan, maxDate: string): Promise<HistoryResult> {
  const history = await loadHistory(ctx, maxDate);
  const needsFlows = plan.names.some((n) => featureDef(n)?.kind === 'flows');
  const { columns } = computeFeatures(history.frame, plan.names, needsFlows ? { investorFlows: await flowAccessor(ctx, history, maxDate) } : {});
  for (const name of plan.names) {
    const scale = (featureDef(name) as { scale?: 'price' | 'volume' } | undefined)?.scale;
    if (!scale) continue;
    const col = columns[name];
    for (let i = 0; i < col.length; i += 1) col[i] = scale === 'price' ? col[i] * history.unitScale[i] : col[i] / history.unitScale[i];
  }
  return byDate(history.frame, columns, plan.names);
}

export async function computeHistoryLabels(ctx: PipelineContext, plan: FeaturePlan, maxDate: string): Promise<HistoryResult> {
  const history = await loadHistory(ctx, maxDate);
  const dates = history.frame.date;
  const first = dates.reduce((a, b) => (b < a ? b : a), maxDate);
  const { columns } = computeLabels(history.frame, { horizons: plan.horizons, sessions: ctx.calendar.sessions(first, maxDate) });
  return byDate(history.frame, columns, plan.labelNames);
}
