/**
 * The router's Prometheus metrics, on a registry of its own (never prom-client's global one, so two routers in
 * one process — tests, the benchmark — do not share series). Children are bound once per variant, so the hot
 * path does no label hashing; the prediction gauges are computed at scrape time from a ring buffer.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** 100 µs (an embedded ridge model) … 10 s (a remote backend at its timeout). */
export const LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const PREDICTION_WINDOW = 1000;

/** Mean and (population) standard deviation of the last `size` values pushed. */
export class PredictionWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly size = PREDICTION_WINDOW) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`PredictionWindow: size must be a positive integer, got ${size}`);
    this.values = new Float64Array(size);
  }

  push(values: ArrayLike<number>): void {
    // Only the last `size` of a large batch can survive; skip the rest.
    for (let i = Math.max(0, values.length - this.size); i < values.length; i++) {
      this.values[this.next] = values[i];
      this.next = (this.next + 1) % this.size;
      if (this.filled < this.size) this.filled++;
    }
  }

  get count(): number {
    return this.filled;
  }

  /** Recomputed from the buffer each time (≤ size values): no drift from running sums. */
  stats(): { mean: number; std: number } | undefined {
    if (this.filled === 0) return undefined;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.values[i];
    const mean = sum / this.filled;
    let sq = 0;
    for (let i = 0; i < this.filled; i++) sq += (this.values[i] - mean) ** 2;
    return { mean, std: Math.sqrt(sq / this.filled) };
  }
}

export interface VariantLabels {
  model: string;
  version: string;
  variant: string;
}

/** The bound series of one (model, version, variant). */
export class VariantMetrics {
  private readonly codes = new Map<number, Counter.Internal>();
  private readonly reasons = new Map<string, Counter.Internal>();
  private readonly duration: Histogram.Internal<string>;
  readonly window: PredictionWindow;

  constructor(private readonly owner: RouterMetrics, readonly labels: VariantLabels, windowSize: number) {
    this.duration = owner.duration.labels(labels);
    this.window = new PredictionWindow(windowSize);
  }

  /** One finished request: its duration and status; `reason` when it failed. */
  record(seconds: number, code: number, reason?: string): void {
    this.duration.observe(seconds);
    let counter = this.codes.get(code);
    if (!counter) this.codes.set(code, (counter = this.owner.requests.labels({ ...this.labels, code: String(code) })));
    counter.inc();
    if (reason) {
      let errors = this.reasons.get(reason);
      if (!errors) this.reasons.set(reason, (errors = this.owner.errors.labels({ ...this.labels, reason })));
      errors.inc();
    }
  }

  predictions(values: Float32Array): void {
    this.window.push(values);
  }
}

/** Requests that never reached a variant (unknown model, not ready) count under these labels. */
export const UNROUTED: VariantLabels = { model: '', version: '', variant: '' };

export class RouterMetrics {
  readonly registry = new Registry();
  private readonly variants = new Map<string, VariantMetrics>();

  readonly duration = new Histogram({
    name: 'inference_request_duration_seconds',
    help: 'Time from a request\'s arrival to its response, per model version and variant',
    labelNames: ['model', 'version', 'variant'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  readonly requests = new Counter({
    name: 'inference_requests_total',
    help: 'Inference requests by HTTP status code',
    labelNames: ['model', 'version', 'variant', 'code'],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'inference_errors_total',
    help: 'Failed inference requests by reason (bad_request, timeout, backend_error, …)',
    labelNames: ['model', 'version', 'variant', 'reason'],
    registers: [this.registry],
  });

  constructor(private readonly windowSize = PREDICTION_WINDOW) {
    const variants = this.variants;
    const gauge = (name: string, help: string, pick: (s: { mean: number; std: number }) => number) => new Gauge({
      name,
      help,
      labelNames: ['model', 'version', 'variant'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const v of variants.values()) {
          const stats = v.window.stats();
          if (stats) this.set(v.labels as unknown as Record<string, string>, pick(stats));
        }
      },
    });
    gauge('inference_prediction_mean', `Mean of the last ${windowSize} predictions`, (s) => s.mean);
    gauge('inference_prediction_std', `Standard deviation of the last ${windowSize} predictions`, (s) => s.std);
  }

  variant(labels: VariantLabels): VariantMetrics {
    const key = `${labels.model}\u0000${labels.version}\u0000${labels.variant}`;
    let v = this.variants.get(key);
    if (!v) this.variants.set(key, (v = new VariantMetrics(this, labels, this.windowSize)));
    return v;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
