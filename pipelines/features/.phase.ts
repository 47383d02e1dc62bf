import { readPriceColumns, featureCsv } from './price-file';
import { frameFromColumns } from './frame';
import { computeFeatures } from './compute';
(async () => {
  let t = performance.now();
  const lap = (s: string) => { const n = performance.now(); console.log(s, (n - t).toFixed(0), 'ms', Math.round(process.memoryUsage().rss / 1e6), 'MB'); t = n; };
  const cols = await readPriceColumns('/tmp/p1m.csv'); lap('read');
  const { frame } = frameFromColumns(cols); lap('frame');
  const names = ['returns_1d', 'rsi_14', 'vol_ratio_20'];
  const { columns } = computeFeatures(frame, names); lap('compute');
  const csv = featureCsv(frame, names, columns); lap('csv ' + csv.length);
})();
