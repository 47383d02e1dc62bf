import {
  DatasetError, designMatrix, fitStandardiser, imputedRows, rowsOfSessions, sampleRows, splitValidation, trainingData, type TrainingColumns,
} from './dataset';

/** Three sessions, two tickers, two features; rows deliberately out of order, one without a target. */
const tiny = (): TrainingColumns => ({
  features: ['a', 'b'],
  featureSetVersion: '2.0.0',
  target: 'target_1_2',
  dates: ['2024-01-05', '2024-01-04', '2024-01-04', '2024-01-05', '2024-01-09', '2024-01-09'],
  tickers: ['1301', '1332', '1301', '1332', '1301', '1332'],
  columns: [
    [3, 1, 2, NaN, 5, 100],
    [10, 20, Infinity, 40, 50, 60],
  ],
  y: [0.3, 0.1, 0.2, NaN, 0.5, 0.6],
});

describe('trainingData', () => {
  it('drops rows without a finite target, sorts by (date, ticker) and indexes sessions', () => {
    const d = trainingData(tiny());
    expect(d.rows).toBe(5);
    expect(d.dates).toEqual(['2024-01-04', '2024-01-04', '2024-01-05', '2024-01-09', '2024-01-09']);
    expect(d.tickers).toEqual(['1301', '1332', '1301', '1301', '1332']);
    expect(Array.from(d.y)).toEqual([0.2, 0.1, 0.3, 0.5, 0.6]);
    expect(d.sessions).toEqual(['2024-01-04', '2024-01-05', '2024-01-09']);
    expect(Array.from(d.sessionStart)).toEqual([0, 2, 3, 5]);
    // Row-major; an infinite value counts as missing.
    expect(Array.from(d.x)).toEqual([2, NaN, 1, 20, 3, 10, 5, 50, 100, 60]);
  });

  it('rejects a (ticker, date) seen twice and mismatched columns', () => {
    const dup = tiny();
    dup.tickers = ['1301', '1301', '1301', '1332', '1301', '1332'];
    dup.dates = ['2024-01-05', '2024-01-04', '2024-01-04', '2024-01-05', '2024-01-09', '2024-01-09'];
    expect(() => trainingData(dup)).toThrow(new DatasetError('ticker 1301 has two rows on 2024-01-04'));
    expect(() => trainingData({ ...tiny(), columns: [[1, 2, 3, 4, 5, 6]] })).toThrow('1 feature columns for 2 feature names');
    expect(() => trainingData({ ...tiny(), y: [1] })).toThrow(/lengths differ/);
  });
});

describe('rowsOfSessions', () => {
  const d = trainingData(tiny());
  it.each([
    [['2024-01-09'], [3, 4]],
    [['2024-01-09', '2024-01-04'], [0, 1, 3, 4]],
    [[], []],
  ])('%j → rows %j', (sessions, rows) => {
    expect(Array.from(rowsOfSessions(d, sessions))).toEqual(rows);
  });
  it('refuses a session without rows', () => {
    expect(() => rowsOfSessions(d, ['2024-01-08'])).toThrow('session 2024-01-08 has no rows');
  });
});

describe('standardisation', () => {
  const d = trainingData(tiny());

  it('uses the present values of the fitted rows only', () => {
    // Rows 0..2: a = 2, 1, 3 (mean 2, std √(2/3)); b = missing, 20, 10 (mean 15, std 5).
    const s = fitStandardiser(d, rowsOfSessions(d, ['2024-01-04', '2024-01-05']));
    expect(Array.from(s.mean)).toEqual([2, 15]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 15);
    expect(s.scale[1]).toBe(5);
  });

  it('does not move when rows outside the fit change (no test-fold leakage)', () => {
    const other = tiny();
    other.columns = [[3, 1, 2, NaN, 5e6, -7e9], [10, 20, Infinity, 40, NaN, 1e9]];
    const rows = ['2024-01-04', '2024-01-05'];
    const a = fitStandardiser(d, rowsOfSessions(d, rows));
    const changed = trainingData(other);
    expect(fitStandardiser(changed, rowsOfSessions(changed, rows))).toEqual(a);
  });

  it('gives scale 1 to a constant or empty feature', () => {
    const one = trainingData({ ...tiny(), columns: [[4, 4, 4, 4, 4, 4], [NaN, NaN, NaN, NaN, NaN, NaN]] });
    const s = fitStandardiser(one, rowsOfSessions(one, one.sessions));
    expect(Array.from(s.mean)).toEqual([4, 0]);
    expect(Array.from(s.scale)).toEqual([1, 1]);
  });

  it('design rows are z-scores with a missing value imputed at the mean (z = 0), in design order', () => {
    const rows = rowsOfSessions(d, ['2024-01-04', '2024-01-05']);
    const design = designMatrix(d, rows, fitStandardiser(d, rows));
    expect(design.rows).toBe(3);
    expect(Array.from(design.y)).toEqual([0.2, 0.1, 0.3]);
    const out = new Float64Array(2);
    design.fill(0, out);
    expect(out[0]).toBeCloseTo(0, 15);
    expect(out[1]).toBe(0); // b missing on row 0
    design.fill(1, out);
    expect(out[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3), 12);
    expect(out[1]).toBe(1);
    const f32 = new Float32Array(5);
    design.fill(2, f32, 3);
    expect(Array.from(f32)).toEqual([0, 0, 0, Math.fround(1 / Math.sqrt(2 / 3)), -1]);
  });

  it('imputedRows replaces missing values with the given means', () => {
    expect(Array.from(imputedRows(d, [0, 3], Float64Array.of(7, 8)))).toEqual([2, 8, 5, 50]);
  });
});

describe('splitValidation', () => {
  const sessions = Array.from({ length: 20 }, (_, i) => `2024-02-${String(i + 1).padStart(2, '0')}`);
  it.each([
    [0.1, 2, 16, ['2024-02-19', '2024-02-20']],
    [0.25, 0, 15, ['2024-02-16', '2024-02-17', '2024-02-18', '2024-02-19', '2024-02-20']],
    [0.01, 1, 18, ['2024-02-20']],
  ])('fraction %d, purge %d → %d fit sessions and validation %j', (fraction, purge, fit, validation) => {
    const split = splitValidation([...sessions].reverse(), fraction, purge);
    expect(split.validation).toEqual(validation);
    expect(split.fit).toEqual(sessions.slice(0, fit));
    expect(split.fit[split.fit.length - 1] < split.validation[0]).toBe(true);
  });
  it('refuses too few sessions and a bad fraction', () => {
    expect(() => splitValidation(sessions.slice(0, 3), 0.1, 2)).toThrow('3 training sessions are too few for a validation slice of 1 and a purge of 2');
    expect(() => splitValidation(sessions, 1, 0)).toThrow('validation fraction must be in (0, 1), got 1');
  });
});

describe('sampleRows', () => {
  it.each([
    [10, 5, [1, 3, 5, 7, 9]],
    [3, 10, [0, 1, 2]],
    [0, 4, []],
  ])('%d rows, %d wanted → %j', (total, count, rows) => {
    expect(Array.from(sampleRows(total, count))).toEqual(rows);
  });
});
