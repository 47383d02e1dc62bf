/**
 * The script a user would write instead of `gogooku3 features compute` (benchmark (b) of
 * `npm run bench:features`): read the CSV, call TA-Lib (npm `talib`) per ticker, write the same columns.
 * Usage: node talib-baseline.js <prices.csv> <out.csv>. Plain Node, no TypeScript, no project code.
 */
'use strict';
const fs = require('node:fs');
const talib = require('talib');

const [input, output] = process.argv.slice(2);
const lines = fs.readFileSync(input, 'utf8').split('\n');
const header = lines[0].split(',');
const col = (name) => header.indexOf(name);
const [iT, iD, iH, iL, iC] = ['ticker', 'date', 'high', 'low', 'close'].map(col);

const run = (name, inputs, opts) => talib.execute({ name, startIdx: 0, endIdx: inputs.close.length - 1, ...inputs, ...opts });
const place = (n, r, key) => {
  const out = new Array(n).fill('');
  r.result[key].forEach((v, j) => { out[r.begIndex + j] = String(v); });
  return out;
};

const chunks = ['ticker,date,rsi_14,atr_14,bb_upper_20,bb_middle_20,bb_lower_20\n'];
let start = 1;
while (start < lines.length && lines[start] !== '') {
  const ticker = lines[start].split(',', 1)[0];
  const dates = []; const high = []; const low = []; const close = [];
  let i = start;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const f = lines[i].split(',');
    if (f[iT] !== ticker) break;
    dates.push(f[iD]); high.push(Number(f[iH])); low.push(Number(f[iL])); close.push(Number(f[iC]));
  }
  const n = close.length;
  const rsi = place(n, run('RSI', { inReal: close, close }, { optInTimePeriod: 14 }), 'outReal');
  const atr = place(n, run('ATR', { high, low, close }, { optInTimePeriod: 14 }), 'outReal');
  const bb = run('BBANDS', { inReal: close, close }, { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 });
  const up = place(n, bb, 'outRealUpperBand'); const mid = place(n, bb, 'outRealMiddleBand'); const lo = place(n, bb, 'outRealLowerBand');
  let text = '';
  for (let j = 0; j < n; j++) text += `${ticker},${dates[j]},${rsi[j]},${atr[j]},${up[j]},${mid[j]},${lo[j]}\n`;
  chunks.push(text);
  start = i;
}
fs.writeFileSync(output, chunks.join(''));
