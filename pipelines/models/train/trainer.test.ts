import { predict, seededUniform } from '../forward';
import { DEFAULT_MLP } from './mlp';
import { demeanBySession, trainingData, type TrainingData } from './dataset';
import { OracleError, type Oracle } from './oracle';
import { fittingData, meanMetrics, train, type TrainOptions, type TrainReport } from './trainer';
import { DEFAULT_WATCHDOG } from './watchdog';

const TICKERS = 40;
const SESSIONS = 60;

/** 40 tickers × 60 weekday sessions, 4 features; the target loads on the first two; 5 % of values missing. */
function market(seed = 1): { data: TrainingData; planted: Float64Array } {
  const rand = seededUniform(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const dates: string[] = [];
  const tickers: string[] = [];
  const columns: number[][] = [[], [], [], []];
  const y: number[] = [];
  const start = Date.parse('2024-01-01T00:00:00Z');
  for (let s = 0, day = 0; s < SESSIONS; day++) {
    const d = new Date(start + day * 86_400_000);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const date = d.toISOString().slice(0, 10);
    for (let t = 0; t < TICKERS; t++) {
      const f = [gauss(), gauss(), gauss() * 10 + 3, gauss()];
      dates.push(date);
      tickers.push(String(1300 + t));
      f.forEach((v, j) => columns[j].push(rand() < 0.05 ? NaN : v));
      y.push(0.01 * f[0] - 0.005 * f[1] + 0.01 * gauss());
    }
    s++;
  }
  const data = trainingData({ features: ['f0', 'f1', 'f2', 'f3'], featureSetVersion: '2.0.0', target: 'target_1_2', dates, tickers, columns, y });
  // The data is sorted by (date, ticker) as generated, so column 0 lines up with the rows.
  return { data, planted: Float64Array.from(columns[0], (v) => v) };
}

const options: TrainOptions = {
  model: 'ridge', folds: 5, horizon: 2, embargo: 2, seed: 42, l2: 1e-3,
  mlp: { ...DEFAULT_MLP, hidden: [4], maxEpochs: 2, batchSize: 256, watchdog: DEFAULT_WATCHDOG },
  validationFraction: 0.1, verificationRows: 50, range: { from: '2024-01-01', to: '2024-03-31' },
};

const withoutTimes = (r: TrainReport) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'seconds' ? undefined : v)));

describe('train (ridge)', () => {
  const { data, planted } = market();
  const result = train(data, options);
  const { report } = result;

  it('reports every fold with purged training sessions and the mean of their metrics', () => {
    expect(report.folds.map((f) => f.testSessions)).toEqual([12, 12, 12, 12, 12]);
    // Interior folds lose horizon sessions before the test block and embargo sessions after it.
    expect(report.folds.map((f) => f.trainSessions)).toEqual([46, 44, 44, 44, 46]);
    expect(report.folds.map((f) => f.testRows)).toEqual([480, 480, 480, 480, 480]);
    const ranks = report.folds.map((f) => f.metrics.rank_ic!);
    expect(report.mean.rank_ic).toBeCloseTo(ranks.reduce((a, b) => a + b, 0) / 5, 12);
    expect(report).toMatchObject({
      model: 'ridge', seed: 42, featureSetVersion: '2.0.0', target: 'target_1_2', features: 4, rows: TICKERS * SESSIONS,
      range: { from: '2024-01-01', to: '2024-03-31', sessions: SESSIONS, firstSession: data.sessions[0], lastSession: data.sessions[SESSIONS - 1] },
      cv: { folds: 5, horizon: 2, embargo: 2 }, params: { l2: 1e-3 },
      finalModel: { trainSessions: SESSIONS, rows: TICKERS * SESSIONS },
    });
    expect(report.folds[0].earlyStopReason).toBeUndefined();
    expect(report.oracle).toBeUndefined();
  });

  it('finds the planted signal out of sample', () => {
    expect(report.mean.rank_ic!).toBeGreaterThan(0.5);
    for (const f of report.folds) expect(f.metrics.rank_ic!).toBeGreaterThan(0.3);
    const w = result.spec.layers[0].weights;
    expect(w[0]).toBeGreaterThan(0.008); // standardised f0 has scale ≈ 1
    expect(w[1]).toBeLessThan(-0.003);
    expect(Math.abs(w[2])).toBeLessThan(0.002);
  });

  it('returns the final spec with the fit statistics and a verification sample it reproduces', () => {
    const { spec, verification } = result;
    expect(spec.kind).toBe('ridge');
    expect(spec.features).toEqual(['f0', 'f1', 'f2', 'f3']);
    expect(spec.inputMean[2]).toBeGreaterThan(2); // feature 2 is centred near 3 with scale 10
    expect(spec.inputScale[2]).toBeGreaterThan(8);
    expect(verification.rows).toBe(50);
    expect(verification.x.every(Number.isFinite)).toBe(true);
    const again = predict(spec, verification.x, verification.rows);
    for (let i = 0; i < again.length; i++) expect(again[i]).toBeCloseTo(verification.expected[i], 12);
  });

  it('compares with an oracle on the same rows and target', () => {
    const fake: Oracle = {
      market: { seed: 1, codes: TICKERS, from: '2023-01-04', asOf: '2024-04-30', signalIc: 0.05 },
      phi: 0.9,
      signals: (dates, tickers) => {
        expect(dates).toBe(data.dates);
        expect(tickers).toBe(data.tickers);
        return planted;
      },
      nextSessionIc: (from, to) => ({ meanIc: from < to ? 0.123 : null, days: 7 }),
    };
    const r = train(data, options, { oracle: fake }).report;
    expect(r.folds.every((f) => f.oracle && f.oracle.rank_ic! > 0.3)).toBe(true);
    expect(r.oracle!.mean).toEqual(meanMetrics(r.folds.map((f) => f.oracle!)));
    expect(r.oracle!.matchedRows).toBeCloseTo(0.95, 1);
    expect(r.oracle!.ratio).toBeCloseTo(r.mean.rank_ic! / r.oracle!.mean.rank_ic!, 3);
    expect(r.oracle!.goalMet).toBe(r.oracle!.ratio! >= 0.8);
    expect(r.oracle!.nextSessionIc).toEqual({ meanIc: 0.123, days: 7 });
    expect(r.oracle!.compared).toContain('target_1_2');
  });

  it('refuses an oracle that describes another market', () => {
    const elsewhere: Oracle = {
      market: { seed: 9, codes: 10, from: '2023-01-04', asOf: '2024-04-30', signalIc: 0.05 },
      phi: 0.9,
      signals: (dates) => new Float64Array(dates.length).fill(NaN),
      nextSessionIc: () => ({ meanIc: null, days: 0 }),
    };
    expect(() => train(data, options, { oracle: elsewhere })).toThrow(OracleError);
  });
});

describe('train (mlp)', () => {
  const { data } = market(2);
  const mlpOptions: TrainOptions = { ...options, model: 'mlp', folds: 3, l2: 0 };

  it('reports epochs and stop reasons and verifies the final net against its spec', () => {
    const progress: string[] = [];
    const { report, spec, verification } = train(data, mlpOptions, { onProgress: (p) => progress.push(`${p.event}:${'fold' in p ? p.fold : ''}`) });
    expect(report.folds).toHaveLength(3);
    for (const f of report.folds) {
      expect(f.epochs).toBeGreaterThanOrEqual(1);
      expect(['patience', 'max_epochs', 'variance_collapse']).toContain(f.earlyStopReason);
    }
    expect(report.finalModel.epochs).toBeGreaterThanOrEqual(1);
    expect(report.params).toMatchObject({ hidden: [4], maxEpochs: 2, validationFraction: 0.1 });
    expect(spec.kind).toBe('mlp');
    expect(spec.layers.map((l) => l.activation)).toEqual(['relu', 'linear']);
    const reference = predict(spec, verification.x, verification.rows);
    for (let i = 0; i < reference.length; i++) expect(Math.abs(reference[i] - verification.expected[i])).toBeLessThan(1e-6);
    expect(progress.filter((p) => !p.startsWith('epoch'))).toEqual(['fold:0', 'fold:1', 'fold:2', 'final:']);
    report.folds.forEach((f) => expect(progress.filter((p) => p === `epoch:${f.fold}`)).toHaveLength(f.epochs!));
    expect(progress.filter((p) => p === 'epoch:final')).toHaveLength(report.finalModel.epochs!);
  });

  it('gives the same report twice for the same seed', () => {
    const a = withoutTimes(train(data, mlpOptions).report);
    const b = withoutTimes(train(data, mlpOptions).report);
    expect(b).toEqual(a);
  });
});

describe('meanMetrics', () => {
  it('averages the non-null values per key', () => {
    const m = meanMetrics([
      { ic: 0.1, rank_ic: 0.2, icir: null, rmse: 1, sharpe: null, jpx_sharpe: 2 },
      { ic: 0.3, rank_ic: null, icir: null, rmse: 3, sharpe: null, jpx_sharpe: -1 },
    ]);
    expect(m).toEqual({ ic: 0.2, rank_ic: 0.2, icir: null, rmse: 2, sharpe: null, jpx_sharpe: 0.5 });
  });
});

describe('target transform', () => {
  /** The market() table with a large session-wide move added to every row's target. */
  function withMarketMoves(): TrainingData {
    const { data } = market(4);
    const rand = seededUniform(9);
    const move = new Map(data.sessions.map((s) => [s, (rand() - 0.5) * 0.2]));
    const y = Float64Array.from(data.y, (v, r) => v + move.get(data.dates[r])!);
    return { ...data, y };
  }

  it('demeanBySession leaves every session with mean 0 and keeps within-session differences', () => {
    const data = withMarketMoves();
    const out = demeanBySession(data);
    for (let s = 0; s < data.sessions.length; s++) {
      const [from, to] = [data.sessionStart[s], data.sessionStart[s + 1]];
      const mean = out.subarray(from, to).reduce((a, b) => a + b, 0) / (to - from);
      expect(Math.abs(mean)).toBeLessThan(1e-15);
      expect(out[from + 1] - out[from]).toBeCloseTo(data.y[from + 1] - data.y[from], 14);
    }
    expect(fittingData(data, 'raw')).toBe(data);
  });

  it.each([
    ['demean', 0],
    ['raw', undefined],
  ] as const)('%s: the ridge intercept is the fitted target\'s mean (0 when demeaned); metrics use the raw target', (transform, bias) => {
    const data = withMarketMoves();
    const { report, spec } = train(data, { ...options, targetTransform: transform });
    expect(report.params).toMatchObject({ targetTransform: transform });
    const fitted = transform === 'raw' ? data.y : demeanBySession(data);
    const mean = fitted.reduce((a, b) => a + b, 0) / fitted.length;
    expect(spec.layers[0].bias[0]).toBeCloseTo(bias ?? mean, 12);
    // RMSE is against the raw target, so the session moves (std ≈ 0.058) show in it either way.
    expect(report.mean.rmse!).toBeGreaterThan(0.04);
  });

  it('defaults to demean', () => {
    const { report } = train(withMarketMoves(), options);
    expect(report.params).toMatchObject({ targetTransform: 'demean' });
  });
});
