import { dayOf } from './dates';
import {
  CODE_LETTERS, MARKETS_AFTER_IPO, MARKETS_BEFORE, NAME_WORDS, SCALE_BUCKETS, SECTOR33,
} from './reference';
import { STREAM, gauss, hash32, keyOf, seedKey, u01 } from './rng';

/** Per-ticker attributes, indexed by position in ascending code order (the order J-Quants lists codes in). */
export interface Universe {
  n: number;
  codes: string[];
  /** The ticker's creation slot: the counter its random draws are keyed by, so sorting never changes them. */
  slot: Int32Array;
  /** First day with rows (for tickers listed before `from`, a day before it). */
  listDay: Int32Array;
  /** First day without rows after delisting; NEVER_DELISTED when still listed. */
  delistDay: Int32Array;
  sector33: Uint8Array;
  /** Segment code before 2022-04-04 ('' when listed after it) and from then on. */
  marketBefore: string[];
  marketAfter: string[];
  scale: string[];
  margin: string[];
  nameJa: string[];
  nameEn: string[];
  beta: Float64Array;
  sigma: Float64Array;
  initialPrice: Float64Array;
  /** Typical daily trading value in yen; volume follows from it and the price of the day. */
  turnover: Float64Array;
  noTradeP: Float64Array;
  /** Annual gross dividend yield at announcement prices; 0 for companies that pay none. */
  dividendYield: Float64Array;
  fiscalEndMonth: Uint8Array;
  paysInterim: Uint8Array;
}

export const NEVER_DELISTED = 2 ** 31 - 1;
/** Listings and delistings are spread over a fixed horizon from `from`, so moving asOf never reshuffles history. */
export const LISTING_HORIZON_DAYS = 4018;
const INCUMBENT_SHARE = 0.82;
const DELISTED_SHARE = 0.12;
const ALPHANUMERIC_FROM = dayOf('2024-01-01');
const RESTRUCTURE = dayOf('2022-04-04');

function pick<T>(items: ReadonlyArray<readonly [T, number]>, u: number): T {
  const total = items.reduce((a, [, w]) => a + w, 0);
  let acc = 0;
  for (const [item, w] of items) {
    acc += w / total;
    if (u < acc) return item;
  }
  return items[items.length - 1][0];
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export function buildUniverse(seed: number, count: number, from: string): Universe {
  const fromDay = dayOf(from);
  const key = (stream: number, k: number) => keyOf(seedKey(seed, stream), k);
  const u = (stream: number, k: number, j: number) => u01(keyOf(key(stream, k), j));
  const g = (stream: number, k: number, j: number) => gauss(keyOf(key(stream, k), j));

  const listDay = new Int32Array(count);
  const delistDay = new Int32Array(count);
  const codes: string[] = [];
  const used = new Set<string>();
  for (let k = 0; k < count; k++) {
    listDay[k] = u(STREAM.listing, k, 0) < INCUMBENT_SHARE
      ? fromDay - 1 - Math.floor(u(STREAM.listing, k, 1) * 9000)
      : fromDay + Math.floor(u(STREAM.listing, k, 1) * LISTING_HORIZON_DAYS);
    delistDay[k] = u(STREAM.listing, k, 2) < DELISTED_SHARE
      ? Math.max(listDay[k], fromDay) + 120 + Math.floor(u(STREAM.listing, k, 3) * LISTING_HORIZON_DAYS)
      : NEVER_DELISTED;
    // TSE ran out of numeric codes: listings from 2024 get alphanumeric local codes such as 130A.
    const alpha = listDay[k] >= ALPHANUMERIC_FROM;
    for (let attempt = 0; ; attempt++) {
      const h = hash32(seed, STREAM.code, k, attempt);
      const local = alpha
        ? `${130 + (h % 470)}${CODE_LETTERS[(h >>> 16) % CODE_LETTERS.length]}`
        : String(1300 + (h % 8700));
      const code = `${local}0`;
      if (!used.has(code)) {
        used.add(code);
        codes.push(code);
        break;
      }
    }
  }

  const order = Array.from({ length: count }, (_, k) => k).sort((a, b) => (codes[a] < codes[b] ? -1 : codes[a] > codes[b] ? 1 : 0));
  const uni: Universe = {
    n: count, codes: [], slot: new Int32Array(count), listDay: new Int32Array(count), delistDay: new Int32Array(count),
    sector33: new Uint8Array(count), marketBefore: [], marketAfter: [], scale: [], margin: [], nameJa: [], nameEn: [],
    beta: new Float64Array(count), sigma: new Float64Array(count), initialPrice: new Float64Array(count),
    turnover: new Float64Array(count), noTradeP: new Float64Array(count), dividendYield: new Float64Array(count),
    fiscalEndMonth: new Uint8Array(count), paysInterim: new Uint8Array(count),
  };
  const sectorWeights = SECTOR33.map((sec, idx) => [idx, sec.weight] as const);
  for (let i = 0; i < count; i++) {
    const k = order[i];
    uni.codes.push(codes[k]);
    uni.slot[i] = k;
    uni.listDay[i] = listDay[k];
    uni.delistDay[i] = delistDay[k];
    const sector = pick(sectorWeights, u(STREAM.ticker, k, 0));
    uni.sector33[i] = sector;

    const ipo = listDay[k] >= fromDay;
    let before = '';
    let after: string;
    if (listDay[k] >= RESTRUCTURE) {
      after = pick(MARKETS_AFTER_IPO, u(STREAM.market, k, 0));
    } else {
      const choices = ipo
        ? [['0104', 0.6], ['0106', 0.25], ['0101', 0.1], ['0102', 0.05]] as const
        : MARKETS_BEFORE.map((m) => [m.code, m.weight] as const);
      before = pick(choices, u(STREAM.market, k, 1));
      after = pick(MARKETS_BEFORE.find((m) => m.code === before)!.after, u(STREAM.market, k, 2));
    }
    uni.marketBefore.push(before);
    uni.marketAfter.push(after);
    const large = after === '0111';
    const growth = after === '0113';

    uni.beta[i] = clamp(1 + 0.3 * g(STREAM.ticker, k, 1), 0.2, 2.2);
    uni.sigma[i] = clamp(Math.exp(Math.log(0.017) + 0.35 * g(STREAM.ticker, k, 2)) * (growth ? 1.4 : 1), 0.007, 0.06);
    uni.initialPrice[i] = clamp(Math.exp(Math.log(1300) + 0.85 * g(STREAM.ticker, k, 3)), 60, 80_000);
    uni.turnover[i] = clamp(Math.exp(Math.log(1.5e8) + 1.6 * g(STREAM.ticker, k, 4)) * (large ? 3 : 1), 2e5, 2e11);
    // Thinly traded names (under ~20 million yen a day) have whole days without a trade.
    uni.noTradeP[i] = uni.turnover[i] < 2e7 ? 0.3 * Math.min(1, Math.log(2e7 / uni.turnover[i]) / Math.log(20)) : 0;
    const payer = u(STREAM.ticker, k, 5) < (growth ? 0.35 : 0.82);
    uni.dividendYield[i] = payer ? 0.005 + 0.035 * u(STREAM.ticker, k, 6) : 0;
    uni.fiscalEndMonth[i] = pick([[3, 0.65], [12, 0.15], [9, 0.05], [6, 0.05], [2, 0.05], [8, 0.05]], u(STREAM.ticker, k, 7));
    uni.paysInterim[i] = u(STREAM.ticker, k, 8) < 0.55 ? 1 : 0;
    uni.margin.push(large ? (u(STREAM.ticker, k, 9) < 0.8 ? '2' : '1') : pick([['1', 0.7], ['2', 0.25], ['3', 0.05]], u(STREAM.ticker, k, 9)));

    const [w1ja, w1en] = NAME_WORDS[hash32(seed, STREAM.name, k, 0) % NAME_WORDS.length];
    const [w2ja, w2en] = NAME_WORDS[hash32(seed, STREAM.name, k, 1) % NAME_WORDS.length];
    const holdings = u(STREAM.name, k, 2) < 0.2;
    const [sja, sen] = SECTOR33[sector].word;
    uni.nameJa.push(`${w1ja}${w2ja}${sja}${holdings ? 'ホールディングス' : ''}`);
    uni.nameEn.push(`${w1en} ${w2en} ${sen}${holdings ? ' Holdings' : ''} Co.,Ltd.`);
  }
  uni.scale = new Array<string>(count).fill('-');
  assignScale(uni);
  return uni;
}

/** TOPIX size buckets by typical trading value among the largest segment, scaled to the universe's size. */
function assignScale(uni: Universe): void {
  const topix = [...uni.codes.keys()]
    .filter((i) => uni.marketAfter[i] === '0111' || uni.marketBefore[i] === '0101')
    .sort((a, b) => uni.turnover[b] - uni.turnover[a]);
  const factor = uni.n / 4000;
  let start = 0;
  for (const [name, count] of SCALE_BUCKETS) {
    const end = count === Infinity ? topix.length : Math.min(topix.length, start + Math.max(1, Math.round(count * factor)));
    for (let r = start; r < end; r++) uni.scale[topix[r]] = name;
    start = end;
  }
}
