import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { silentLogger } from '../../log';
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, type BackoffPolicy } from './backoff';
import { httpErrorFor, JQuantsError, JQuantsRetryExhaustedError } from './errors';
import { realClock, type Clock, type RateLimiter } from './rate-limiter';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Endpoint name for messages and stats (never the URL: it may carry a token). */
  endpoint: string;
}

/** What one attempt came to; `classifyReply` is the pure half of that decision. */
export type AttemptOutcome =
  | { kind: 'ok'; json: unknown }
  | { kind: 'retry'; reason: string; retryAfterMs?: number; cause?: unknown }
  | { kind: 'fail'; error: JQuantsError };

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return body.slice(0, 200);
}

export function classifyReply(status: number, body: string, retryAfter: string | null, endpoint: string, now: number): AttemptOutcome {
  if (status >= 200 && status < 300) {
    try {
      return { kind: 'ok', json: JSON.parse(body) };
    } catch (cause) {
      // Truncated bodies are a transport failure (seen under load), so they are retried like a reset.
      return { kind: 'retry', reason: body.length === 0 ? 'empty body' : 'truncated or non-JSON body', cause };
    }
  }
  if (RETRYABLE_STATUS.has(status) || status >= 500) {
    return { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  return { kind: 'fail', error: httpErrorFor(status, endpoint, serverMessage(body)) };
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? 'network error';
}

export interface TransportOptions {
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  limiter: RateLimiter;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffPolicy;
  logger?: Logger;
}

export interface TransportStats {
  requests: number;
  retries: Record<string, number>;
}

/** Sends requests with bounded concurrency, the shared rate limit and jittered exponential backoff. */
export class Transport {
  readonly stats: TransportStats = { requests: 0, retries: {} };
  private readonly slots: ReturnType<typeof pLimit>;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: TransportOptions) {
    this.slots = pLimit(options.concurrency);
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** One attempt: limiter, fetch with a timeout covering the body, then classification. */
  private attemptOnce(req: HttpRequest): Promise<AttemptOutcome> {
    return this.slots(async () => {
      await this.options.limiter.acquire();
      this.stats.requests += 1;
      try {
        const res = await fetch(req.url, {
          method: req.method,
          headers: { accept: 'application/json', ...(req.body ? { 'content-type': 'application/json' } : {}), ...req.headers },
          body: req.body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        const body = await res.text();
        return classifyReply(res.status, body, res.headers.get('retry-after'), req.endpoint, this.clock.now());
      } catch (cause) {
        return { kind: 'retry', reason: networkReason(cause), cause } as const;
      }
    });
  }

  /** Returns the parsed JSON of a 2xx reply; throws a typed JQuantsError otherwise. */
  async request(req: HttpRequest): Promise<unknown> {
    let last: Extract<AttemptOutcome, { kind: 'retry' }> | undefined;
    for (let attempt = 0; attempt <= this.options.maxRetries; attempt += 1) {
      if (attempt > 0 && last) {
        const jitter = backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
        const wait = Math.max(jitter, last.retryAfterMs ?? 0);
        if (last.retryAfterMs !== undefined) this.options.limiter.pauseUntil(this.clock.now() + last.retryAfterMs);
        this.logger.debug({ endpoint: req.endpoint, attempt, reason: last.reason, waitMs: wait }, 'retrying J-Quants request');
        await this.clock.sleep(wait);
      }
      const outcome = await this.attemptOnce(req);
      if (outcome.kind === 'ok') return outcome.json;
      if (outcome.kind === 'fail') throw outcome.error;
      this.stats.retries[outcome.reason] = (this.stats.retries[outcome.reason] ?? 0) + 1;
      last = outcome;
    }
    throw new JQuantsRetryExhaustedError(req.endpoint, this.options.maxRetries + 1, last?.reason ?? 'unknown', last?.cause);
  }
}
