/**
 * The engine over every registered feature: warm-ups, batches equal full columns, inputs a frame lacks,
 * cross-sectional features per date, and the market index input.
 */
import { computeFeatureBatches, computeFeatures, FeatureError, unavailableInputs } from './compute';
import { frameFromColumns, type PriceColumns, type PriceFrame } from './frame';
import { marketReturns } from './market-index';
import { dateIndexOf } from './cross-section';
import { FEATURES } from './registry';
import { mulberry32 as prng } from '../util/random';

const SESSIONS = 300;


const day = (i: number) => new Date(Date.UTC(2023, 0, 2 + i)).toISOString().slice(0, 10);

/** `tickers` clean random walks on the same sessions, with every optional column. */
function market(tickers: number, sessions = SESSIONS, seed = 7): PriceFrame {
  const random = prng(seed);
  const n = tickers * sessions;
  const cols: PriceColumns = {
    ticker: [], date: [], open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
    aux: { turnover: new Float64Array(n), upper_limit: new Float64Array(n), lower_limit: new Float64Array(n) }, sector33: [],
  };
  let i = 0;
  for (let k = 0; k < tickers; k++) {
    let close = 100 + 50 * random();
    for (let s = 0; s < sessions; s++, i++) {
      const open = close * (1 + 0.01 * (random() - 0.5));
      close *= 1 + 0.04 * (random() - 0.5);
      cols.ticker.push(`T${String(k).padStart(3, '0')}`);
      cols.date.push(day(s));
      cols.open[i] = open;
      cols.close[i] = close;
      cols.high[i] = Math.max(open, close) * (1 + 0.01 * random());
      cols.low[i] = Math.min(open, close) * (1 - 0.01 * random());
      cols.volume[i] = 1000 + Math.floor(5000 * random());
      cols.aux!.turnover![i] = cols.volume[i] * close;
      cols.aux!.upper_limit![i] = random() < 0.05 ? 1 : 0;
      cols.aux!.lower_limit![i] = random() < 0.05 ? 1 : 0;
      cols.sector33!.push(k % 2 === 0 ? '3050' : '5250');
    }
  }
  return frameFromColumns(cols).frame;
}

const nonFlow = [...FEATURES.values()].filter((d) => d.kind !== 'flows').map((d) => d.name);

describe('every registered price feature', () => {
  const frame = market(6);
  const { columns } = computeFeatures(frame, nonFlow);

  it.each(nonFlow.map((n) => [n]))('%s: first value at its registered warmup, on every ticker', (name) => {
    const warmup = FEATURES.get(name)!.warmup;
    for (let k = 0; k < frame.tickers.length; k++) {
      const slice = columns[name].subarray(frame.tickerStart[k], frame.tickerStart[k + 1]);
      const first = slice.findIndex((v) => !Number.isNaN(v));
      // A flag count or rank may be defined from its warmup on; the value itself is a number from there.
      expect({ name, ticker: k, first }).toEqual({ name, ticker: k, first: warmup });
    }
  });

  it('dtypes hold: int32 features are integers, bool features 0/1', () => {
    for (const name of nonFlow) {
      const dtype = FEATURES.get(name)!.dtype;
      if (dtype === 'float64') continue;
      const values = Array.from(columns[name]).filter((v) => !Number.isNaN(v));
      if (dtype === 'int32') expect(values.every((v) => Number.isInteger(v))).toBe(true);
      else expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    }
  });
});

describe('computeFeatureBatches', () => {
  const frame = market(7, 120);
  const names = ['returns_1d', 'rsi_14', 'bb_upper_20', 'bb_lower_20', 'beta_60', 'cs_rank_returns_5d', 'sector_rank_returns_5d', 'limit_up_count_20', 'obv'];
  const full = computeFeatures(frame, names).columns;

  it.each([[1], [120], [250], [10_000]])('batches of %d rows hold exactly the full columns, whole tickers each, in order', async (batchRows) => {
    const seen: number[] = [];
    await computeFeatureBatches(frame, names, {}, {
      batchRows,
      onBatch(b) {
        expect(b.rowFrom).toBe(frame.tickerStart[b.tickerFrom]);
        expect(b.rowTo).toBe(frame.tickerStart[b.tickerTo]);
        seen.push(b.tickerFrom);
        for (const n of names) expect(Array.from(b.columns[n])).toEqual(Array.from(full[n].subarray(b.rowFrom, b.rowTo)));
      },
    });
    expect(seen[0]).toBe(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('inputs a frame lacks', () => {
  const base = market(2, 30);
  const bare: PriceFrame = { ...base, aux: undefined, sector33: undefined };

  it.each<[string, string[], RegExp]>([
    ['turnover', ['amihud_20'], /^amihud_20 needs the input column turnover, which the prices do not have$/],
    ['limit flags', ['limit_up'], /^limit_up needs the input column upper_limit/],
    ['sector33 for per-sector ranks', ['sector_rank_returns_5d'], /^sector_rank_returns_5d needs the input column sector33/],
    ['a cross-sectional feature over a base that needs turnover', ['cs_rank_turnover_20'], /turnover_20, cs_rank_turnover_20 need the input column turnover/],
  ])('%s', (_name, names, message) => {
    expect(() => computeFeatures(bare, names)).toThrow(FeatureError);
    expect(() => computeFeatures(bare, names)).toThrow(message);
  });

  it('unavailableInputs lists each missing column with the features that need it', () => {
    const map = unavailableInputs(['amihud_20', 'returns_1d', 'sector_rank_returns_5d'].map((n) => FEATURES.get(n)!), bare);
    expect(Object.fromEntries(map)).toEqual({ turnover: ['amihud_20'], sector33: ['sector_rank_returns_5d'] });
  });
});

describe('cross-sectional features and the market index', () => {
  const frame = market(5, 40);
  const { columns } = computeFeatures(frame, ['returns_5d', 'cs_rank_returns_5d', 'sector_rank_returns_5d', 'beta_60', 'corr_mkt_20']);
  const { index, dates } = dateIndexOf(frame.date);

  it('cs_rank is the percentile rank of the base among the tickers of each date', () => {
    for (let d = 10; d < dates.length; d++) {
      const rows = [...index.keys()].filter((i) => index[i] === d);
      const values = rows.map((i) => columns.returns_5d[i]);
      for (const [j, i] of rows.entries()) {
        const below = values.filter((v) => v < values[j]).length;
        expect(columns.cs_rank_returns_5d[i]).toBeCloseTo((below + 1) / values.length, 12);
      }
    }
  });

  it('sector ranks compare a ticker with its sector only', () => {
    const d = 20;
    const rows = [...index.keys()].filter((i) => index[i] === d && frame.sector33![i] === '5250');
    const values = rows.map((i) => columns.returns_5d[i]);
    for (const [j, i] of rows.entries()) expect(columns.sector_rank_returns_5d[i]).toBeCloseTo((values.filter((v) => v < values[j]).length + 1) / values.length, 12);
  });

  it('crossSectionDates limits the ranking to those dates; other dates are NaN and the rest unchanged', () => {
    const only = computeFeatures(frame, ['cs_rank_returns_5d'], {}, { crossSectionDates: new Set([dates[30]]) }).columns.cs_rank_returns_5d;
    for (let i = 0; i < only.length; i++) {
      if (index[i] === 30) expect(only[i]).toBe(columns.cs_rank_returns_5d[i]);
      else expect(only[i]).toBeNaN();
    }
  });

  it('the market return input is the equal-weighted mean daily return of the universe', () => {
    const { perDate } = marketReturns(frame.close, frame.tickerStart, index, dates.length);
    const d = 12;
    const rets = frame.tickers.map((_, k) => {
      const i = frame.tickerStart[k] + d;
      return frame.close[i] / frame.close[i - 1] - 1;
    });
    expect(perDate[d]).toBeCloseTo(rets.reduce((a, b) => a + b, 0) / rets.length, 14);
    // The market's own beta to itself is 1 for an equal-weighted index of identical tickers.
    const same = market(1, 80);
    const beta = computeFeatures(same, ['beta_60']).columns.beta_60;
    expect(beta[79]).toBeCloseTo(1, 10);
  });
});

describe('on worker threads (parallel.ts)', () => {
  const frame = market(9, 90);
  const names = ['returns_1d', 'rsi_14', 'macd', 'macd_hist', 'beta_60', 'cs_rank_returns_5d', 'sector_z_returns_20d', 'amihud_20', 'obv'];
  const full = computeFeatures(frame, names).columns;

  it.each([[1, 100], [2, 200], [3, 1_000]])('%d workers, batches of %d rows: bit-identical to the in-thread engine, in ticker order', async (workers, batchRows) => {
    const got: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    let nextRow = 0;
    await computeFeatureBatches(frame, names, {}, {
      workers, batchRows,
      onBatch(b) {
        expect(b.rowFrom).toBe(nextRow);
        nextRow = b.rowTo;
        for (const n of names) got[n].push(...b.columns[n]);
      },
    });
    expect(nextRow).toBe(frame.date.length);
    for (const n of names) expect(Float64Array.from(got[n])).toEqual(full[n]);
  });

  it('flow features (read through a callback) run on this thread between worker batches, with the same values', async () => {
    const weeks = [Float64Array.of(1, 2, 3, 4, 5), Float64Array.of(3, -1, 4, 1, -5, 9, 2, 6, 5, 3)];
    const investorFlows = (_s: string, k: number, i: number) => (k === 2 ? null : weeks[(i >> 4) % 2]);
    const withFlows = [...names, 'foreign_z_5', 'flow_persist_10'];
    const expected = computeFeatures(frame, withFlows, { investorFlows }).columns;
    const got: Record<string, number[]> = Object.fromEntries(withFlows.map((n) => [n, []]));
    await computeFeatureBatches(frame, withFlows, { investorFlows }, {
      workers: 2, batchRows: 150,
      onBatch(b) { for (const n of withFlows) got[n].push(...b.columns[n]); },
    });
    for (const n of withFlows) expect(Float64Array.from(got[n])).toEqual(expected[n]);
  });

  it('a failing writer stops the run with its error and the threads end', async () => {
    await expect(computeFeatureBatches(frame, names, {}, {
      workers: 2, batchRows: 100,
      onBatch(b) { if (b.tickerFrom > 2) throw new Error('disk full'); },
    })).rejects.toThrow('disk full');
  });
});
