import fc from 'fast-check';
import { frameFromColumns, frameFromRows } from './frame';
import { featureCsv } from './feature-csv';
import * as priceFile from './price-file';
import { parseCell } from './price-file';

describe('featureCsv', () => {
  it('ticker,date,<features>; empty cell for NaN and non-finite; shortest round-trip numbers; CSV quoting', () => {
    const frame = frameFromRows([
      { ticker: '1301', date: '2024-01-04', open: 1, high: 1, low: 1, close: 1, volume: 1 },
      { ticker: '1301', date: '2024-01-05', open: 1, high: 1, low: 1, close: 1, volume: 1 },
      { ticker: 'A,B', date: '2024-01-04', open: 1, high: 1, low: 1, close: 1, volume: 1 },
    ]);
    const out = featureCsv(frame, ['x', 'y'], { x: Float64Array.of(NaN, 0.1 + 0.2, -0), y: Float64Array.of(Infinity, 1e21, 5) });
    expect(out.toString('utf8')).toBe('ticker,date,x,y\n1301,2024-01-04,,\n1301,2024-01-05,0.30000000000000004,1e+21\n"A,B",2024-01-04,0,5\n');
  });

  it('property: what it writes, the reader of numbers reads back exactly', () => {
    const { frame } = frameFromColumns({
      ticker: ['1301'], date: ['2024-01-04'], open: Float64Array.of(1), high: Float64Array.of(1), low: Float64Array.of(1), close: Float64Array.of(1), volume: Float64Array.of(1),
    });
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const cell = featureCsv(frame, ['x'], { x: Float64Array.of(x) }).toString().split('\n')[1].split(',')[2];
      expect(Object.is(parseCell(cell, 0, cell.length), x === 0 ? 0 : x)).toBe(true);
    }));
  });

  it('a column that does not match the frame is a programming error', () => {
    const frame = frameFromRows([]);
    expect(() => featureCsv(frame, ['x'], {})).toThrow(/column x does not match the frame/);
  });

  it('is still exported from ./price-file, where the CLI imports it', () => {
    expect(priceFile.featureCsv).toBe(featureCsv);
  });
});
