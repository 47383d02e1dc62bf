/**
 * When to stop training, as pure functions of what each epoch observed.
 *
 * Variance watchdog: a net trained with MSE on noisy returns can slide into predicting (nearly) the same value for
 * every row, which no validation loss flags (a constant is close to MSE-optimal when the signal is weak) but which
 * ranks nothing. After each epoch the ratio std(prediction) / std(target) on the validation slice is smoothed by an
 * EMA; once `minEpochs` have run, an EMA below `threshold` stops training as 'variance_collapse'.
 * Otherwise training stops after `patience` epochs without a better validation loss, or at `maxEpochs`.
 */

export const EARLY_STOP_REASONS = ['variance_collapse', 'patience', 'max_epochs'] as const;
export type EarlyStopReason = (typeof EARLY_STOP_REASONS)[number];

export interface WatchdogOptions {
  /** EMA weight of the newest ratio, in (0, 1]. */
  alpha: number;
  /** Collapse when the EMA falls below this. */
  threshold: number;
  /** Epochs before the watchdog may fire (the first epochs of a fresh net say little). */
  minEpochs: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = { alpha: 0.3, threshold: 0.1, minEpochs: 3 };

export interface StoppingOptions {
  maxEpochs: number;
  patience: number;
  watchdog: WatchdogOptions;
}

/** What the loop carries from epoch to epoch. */
export interface StoppingState {
  epochs: number;
  bestLoss: number;
  bestEpoch: number;
  /** EMA of the variance ratio; null until a finite ratio was seen. */
  ema: number | null;
}

export const initialStopping = (): StoppingState => ({ epochs: 0, bestLoss: Infinity, bestEpoch: 0, ema: null });

/** Population std of x over its finite values; NaN with fewer than 2. */
function std(x: ArrayLike<number>): number {
  let n = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) { n++; s += x[i]; }
  if (n < 2) return NaN;
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) ss += (x[i] - m) ** 2;
  return Math.sqrt(ss / n);
}

/** std(prediction) / std(target); NaN when the target is constant (the ratio says nothing then). */
export function varianceRatio(prediction: ArrayLike<number>, target: ArrayLike<number>): number {
  const st = std(target);
  return st > 0 ? std(prediction) / st : NaN;
}

/** The EMA after one more ratio; a NaN ratio leaves it unchanged. */
export function nextEma(ema: number | null, ratio: number, alpha: number): number | null {
  if (!Number.isFinite(ratio)) return ema;
  return ema === null ? ratio : alpha * ratio + (1 - alpha) * ema;
}

/**
 * Folds in one finished epoch: its validation loss and variance ratio. Returns the new state, whether this epoch
 * is the best so far (the weights to keep), and why to stop now, if at all. Collapse is checked first: it is the
 * failure the other two rules would not report.
 */
export function observeEpoch(state: StoppingState, loss: number, ratio: number, options: StoppingOptions): { state: StoppingState; improved: boolean; stop: EarlyStopReason | null } {
  const epochs = state.epochs + 1;
  const improved = loss < state.bestLoss;
  const ema = nextEma(state.ema, ratio, options.watchdog.alpha);
  const next: StoppingState = {
    epochs,
    bestLoss: improved ? loss : state.bestLoss,
    bestEpoch: improved ? epochs : state.bestEpoch,
    ema,
  };
  let stop: EarlyStopReason | null = null;
  if (epochs >= options.watchdog.minEpochs && ema !== null && ema < options.watchdog.threshold) stop = 'variance_collapse';
  else if (epochs - next.bestEpoch >= options.patience) stop = 'patience';
  else if (epochs >= options.maxEpochs) stop = 'max_epochs';
  return { state: next, improved, stop };
}

export function checkStoppingOptions(options: StoppingOptions): void {
  const { maxEpochs, patience, watchdog } = options;
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) throw new RangeError(`maxEpochs must be a whole number >= 1, got ${maxEpochs}`);
  if (!Number.isInteger(patience) || patience < 1) throw new RangeError(`patience must be a whole number >= 1, got ${patience}`);
  if (!(watchdog.alpha > 0 && watchdog.alpha <= 1)) throw new RangeError(`watchdog alpha must be in (0, 1], got ${watchdog.alpha}`);
  if (!(watchdog.threshold >= 0) || !Number.isFinite(watchdog.threshold)) throw new RangeError(`watchdog threshold must be a finite number >= 0, got ${watchdog.threshold}`);
  if (!Number.isInteger(watchdog.minEpochs) || watchdog.minEpochs < 1) throw new RangeError(`watchdog minEpochs must be a whole number >= 1, got ${watchdog.minEpochs}`);
}
