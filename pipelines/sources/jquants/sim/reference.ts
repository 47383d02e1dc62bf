/**
 * Public classification tables the simulated listed-info rows use (TSE 33 industries mapped to TOPIX-17
 * series, market segments before and after the 2022-04-04 restructuring), plus the word lists behind the
 * synthetic company names. `weight` is the rough share of listed companies, so sector sizes look plausible.
 */

export const SECTOR17: ReadonlyArray<readonly [code: string, name: string]> = [
  ['1', '食品'], ['2', 'エネルギー資源'], ['3', '建設・資材'], ['4', '素材・化学'], ['5', '医薬品'],
  ['6', '自動車・輸送機'], ['7', '鉄鋼・非鉄'], ['8', '機械'], ['9', '電機・精密'], ['10', '情報通信・サービスその他'],
  ['11', '電力・ガス'], ['12', '運輸・物流'], ['13', '商社・卸売'], ['14', '小売'], ['15', '銀行'],
  ['16', '金融（除く銀行）'], ['17', '不動産'],
];

export interface Sector33 {
  code: string;
  name: string;
  /** Index into SECTOR17. */
  s17: number;
  weight: number;
  /** Word used in synthetic company names: [Japanese, English]. */
  word: readonly [string, string];
}

const s = (code: string, name: string, s17: number, weight: number, ja: string, en: string): Sector33 =>
  ({ code, name, s17: s17 - 1, weight, word: [ja, en] });

export const SECTOR33: ReadonlyArray<Sector33> = [
  s('0050', '水産・農林業', 1, 3, '水産', 'Marine'),
  s('1050', '鉱業', 2, 1, '鉱業', 'Mining'),
  s('2050', '建設業', 3, 40, '建設', 'Construction'),
  s('3050', '食料品', 1, 33, '食品', 'Foods'),
  s('3100', '繊維製品', 4, 13, '繊維', 'Textile'),
  s('3150', 'パルプ・紙', 4, 6, '製紙', 'Paper'),
  s('3200', '化学', 4, 54, '化学', 'Chemical'),
  s('3250', '医薬品', 5, 15, '製薬', 'Pharmaceutical'),
  s('3300', '石油・石炭製品', 2, 2, '石油', 'Oil'),
  s('3350', 'ゴム製品', 6, 5, 'ゴム', 'Rubber'),
  s('3400', 'ガラス・土石製品', 3, 14, '窯業', 'Ceramics'),
  s('3450', '鉄鋼', 7, 11, '製鋼', 'Steel'),
  s('3500', '非鉄金属', 7, 9, '金属', 'Metals'),
  s('3550', '金属製品', 3, 24, '金属工業', 'Metal Works'),
  s('3600', '機械', 8, 58, '機械', 'Machinery'),
  s('3650', '電気機器', 9, 60, '電機', 'Electric'),
  s('3700', '輸送用機器', 6, 23, '自動車', 'Motors'),
  s('3750', '精密機器', 9, 13, '精機', 'Precision'),
  s('3800', 'その他製品', 10, 28, '工芸', 'Crafts'),
  s('4050', '電気・ガス業', 11, 6, '電力', 'Power'),
  s('5050', '陸運業', 12, 16, '運輸', 'Transport'),
  s('5100', '海運業', 12, 2, '海運', 'Shipping'),
  s('5150', '空運業', 12, 1, '航空', 'Airways'),
  s('5200', '倉庫・運輸関連業', 12, 9, '倉庫', 'Logistics'),
  s('5250', '情報・通信業', 10, 130, '通信', 'Telecom'),
  s('6050', '卸売業', 13, 78, '商事', 'Trading'),
  s('6100', '小売業', 14, 85, '商店', 'Stores'),
  s('7050', '銀行業', 15, 20, '銀行', 'Bank'),
  s('7100', '証券、商品先物取引業', 16, 10, '証券', 'Securities'),
  s('7150', '保険業', 16, 3, '保険', 'Insurance'),
  s('7200', 'その他金融業', 16, 10, 'ファイナンス', 'Finance'),
  s('8050', '不動産業', 17, 35, '不動産', 'Realty'),
  s('9050', 'サービス業', 10, 115, 'サービス', 'Services'),
];

export const MARKET_NAMES: Readonly<Record<string, string>> = {
  '0101': '東証一部', '0102': '東証二部', '0104': 'マザーズ', '0106': 'JASDAQ スタンダード', '0107': 'JASDAQ グロース',
  '0111': 'プライム', '0112': 'スタンダード', '0113': 'グロース',
};

/** Segments before 2022-04-04 with their share of listings, and where each one's companies went afterwards. */
export const MARKETS_BEFORE: ReadonlyArray<{ code: string; weight: number; after: ReadonlyArray<readonly [string, number]> }> = [
  { code: '0101', weight: 0.58, after: [['0111', 0.84], ['0112', 0.16]] },
  { code: '0102', weight: 0.13, after: [['0112', 0.95], ['0111', 0.05]] },
  { code: '0104', weight: 0.09, after: [['0113', 0.9], ['0112', 0.07], ['0111', 0.03]] },
  { code: '0106', weight: 0.18, after: [['0112', 0.93], ['0111', 0.02], ['0113', 0.05]] },
  { code: '0107', weight: 0.02, after: [['0113', 1]] },
];

/** Segments of companies listed after the restructuring (IPOs go mostly to Growth). */
export const MARKETS_AFTER_IPO: ReadonlyArray<readonly [string, number]> = [['0113', 0.72], ['0112', 0.22], ['0111', 0.06]];

export const MARGIN_NAMES: Readonly<Record<string, string>> = { '1': '信用', '2': '貸借', '3': 'その他' };

/** TOPIX size buckets by rank among the largest segment, as counts for a 4,000-company market (scaled to the universe). */
export const SCALE_BUCKETS: ReadonlyArray<readonly [string, number]> = [
  ['TOPIX Core30', 30], ['TOPIX Large70', 70], ['TOPIX Mid400', 400], ['TOPIX Small 1', 500], ['TOPIX Small 2', Infinity],
];

export const NAME_WORDS: ReadonlyArray<readonly [string, string]> = [
  ['アオバ', 'Aoba'], ['アケボノ', 'Akebono'], ['イズミ', 'Izumi'], ['カエデ', 'Kaede'], ['キラリ', 'Kirari'],
  ['コハク', 'Kohaku'], ['サザナミ', 'Sazanami'], ['シラカバ', 'Shirakaba'], ['スズラン', 'Suzuran'], ['タカネ', 'Takane'],
  ['ツバサ', 'Tsubasa'], ['トキワ', 'Tokiwa'], ['ナギサ', 'Nagisa'], ['ハヤテ', 'Hayate'], ['ヒスイ', 'Hisui'],
  ['ホシゾラ', 'Hoshizora'], ['ミナモ', 'Minamo'], ['ムツミ', 'Mutsumi'], ['ユウヒ', 'Yuhi'], ['ワカバ', 'Wakaba'],
  ['アサギ', 'Asagi'], ['カスミ', 'Kasumi'], ['シオン', 'Shion'], ['ヤマブキ', 'Yamabuki'],
];

/** Letters TSE uses in alphanumeric local codes (those easily misread as digits are skipped). */
export const CODE_LETTERS = 'ACDFGHJKLMNPRSTUWXY';
