import {
  checkStoppingOptions, DEFAULT_WATCHDOG, initialStopping, nextEma, observeEpoch, varianceRatio,
  type EarlyStopReason, type StoppingOptions,
} from './watchdog';

const options: StoppingOptions = { maxEpochs: 10, patience: 3, watchdog: DEFAULT_WATCHDOG };

/** Runs a sequence of (validation loss, variance ratio) epochs; returns where and why it stopped. */
function run(epochs: Array<[number, number]>, o: StoppingOptions = options): { stoppedAt: number | null; reason: EarlyStopReason | null; bestEpoch: number; ema: number | null } {
  let state = initialStopping();
  for (const [loss, ratio] of epochs) {
    const step = observeEpoch(state, loss, ratio, o);
    state = step.state;
    if (step.stop) return { stoppedAt: state.epochs, reason: step.stop, bestEpoch: state.bestEpoch, ema: state.ema };
  }
  return { stoppedAt: null, reason: null, bestEpoch: state.bestEpoch, ema: state.ema };
}

describe('observeEpoch', () => {
  it.each<[string, Array<[number, number]>, number | null, EarlyStopReason | null, number]>([
    ['improving and healthy: runs on', [[1, 0.5], [0.9, 0.5], [0.8, 0.5]], null, null, 3],
    ['no improvement for `patience` epochs', [[1, 0.5], [0.9, 0.5], [0.95, 0.5], [0.92, 0.5], [0.91, 0.5]], 5, 'patience', 2],
    ['an equal loss is no improvement', [[1, 0.5], [1, 0.5], [1, 0.5], [1, 0.5]], 4, 'patience', 1],
    ['max epochs', Array.from({ length: 12 }, (_, k): [number, number] => [1 - k / 100, 0.5]), 10, 'max_epochs', 10],
    // EMA: 0.5 → 0.5·0.7 + 0.01·0.3 = 0.353 → 0.2501 → 0.17807 → 0.12765 → 0.09236 < 0.1 at epoch 6.
    ['collapse once the EMA crosses the threshold', [[1, 0.5], [0.9, 0.01], [0.8, 0.01], [0.7, 0.01], [0.6, 0.01], [0.5, 0.01], [0.4, 0.01]], 6, 'variance_collapse', 6],
    ['no collapse before minEpochs even from the start', [[1, 0.01], [0.9, 0.01], [0.8, 0.01]], 3, 'variance_collapse', 3],
    ['a single low epoch is smoothed away', [[1, 0.5], [0.9, 0.5], [0.8, 0.5], [0.7, 0.05], [0.6, 0.5]], null, null, 5],
    // Epoch 4: EMA 0.05·0.3 + 0.12·0.7 = 0.099 and 3 epochs since the best: both rules fire, collapse is reported.
    ['collapse wins over patience in the same epoch', [[1, 0.12], [2, 0.12], [2, 0.12], [2, 0.05]], 4, 'variance_collapse', 1],
    ['NaN ratios (constant target) leave the EMA alone', [[1, NaN], [0.9, NaN], [0.8, NaN], [0.7, NaN]], null, null, 4],
  ])('%s', (_name, epochs, stoppedAt, reason, bestEpoch) => {
    const r = run(epochs);
    expect(r.stoppedAt).toBe(stoppedAt);
    expect(r.reason).toBe(reason);
    expect(r.bestEpoch).toBe(bestEpoch);
  });

  it('marks the improving epochs (the weights to keep)', () => {
    let state = initialStopping();
    const improved = [1, 0.8, 0.9, 0.7].map((loss) => {
      const step = observeEpoch(state, loss, 1, { ...options, patience: 10 });
      state = step.state;
      return step.improved;
    });
    expect(improved).toEqual([true, true, false, true]);
    expect(state).toEqual({ epochs: 4, bestLoss: 0.7, bestEpoch: 4, ema: 1 });
  });

  it('threshold 0 disables the watchdog', () => {
    expect(run([[1, 0], [0.9, 0], [0.8, 0], [0.7, 0]], { ...options, watchdog: { ...DEFAULT_WATCHDOG, threshold: 0 } }).reason).toBeNull();
  });
});

describe('nextEma', () => {
  it.each([
    [null, 0.4, 0.3, 0.4],
    [0.4, 0.1, 0.3, 0.31],
    [0.4, 0.1, 1, 0.1],
    [0.4, NaN, 0.3, 0.4],
    [null, Infinity, 0.3, null],
  ])('ema %p, ratio %p, alpha %p → %p', (ema, ratio, alpha, expected) => {
    const got = nextEma(ema, ratio, alpha);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 12);
  });
});

describe('varianceRatio', () => {
  it.each([
    [[1, 2, 3], [2, 4, 6], 0.5],
    [[5, 5, 5], [1, 2, 3], 0],
    [[1, 2, 3], [7, 7, 7], NaN],
    [[1, NaN, 3], [0, NaN, 2], 1],
    [[1], [2], NaN],
  ])('std(%j) / std(%j) = %p', (p, t, expected) => {
    const got = varianceRatio(p, t);
    if (Number.isNaN(expected)) expect(got).toBeNaN();
    else expect(got).toBeCloseTo(expected, 12);
  });
});

describe('checkStoppingOptions', () => {
  it.each<[Partial<StoppingOptions>, string]>([
    [{ maxEpochs: 0 }, 'maxEpochs must be a whole number >= 1, got 0'],
    [{ patience: 1.5 }, 'patience must be a whole number >= 1, got 1.5'],
    [{ watchdog: { ...DEFAULT_WATCHDOG, alpha: 0 } }, 'watchdog alpha must be in (0, 1], got 0'],
    [{ watchdog: { ...DEFAULT_WATCHDOG, threshold: -1 } }, 'watchdog threshold must be a finite number >= 0, got -1'],
    [{ watchdog: { ...DEFAULT_WATCHDOG, minEpochs: 0 } }, 'watchdog minEpochs must be a whole number >= 1, got 0'],
  ])('%j → %s', (patch, message) => {
    expect(() => checkStoppingOptions({ ...options, ...patch })).toThrow(message);
  });
  it('accepts the defaults', () => {
    expect(() => checkStoppingOptions(options)).not.toThrow();
  });
});
