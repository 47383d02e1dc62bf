import { z } from 'zod';
import { parseQueryDate } from './dates';

export const FAULT_KINDS = ['rate_limit', 'server_error', 'slow', 'truncated', 'reset'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** "Today" in Tokyo: the simulator's default as-of date must not depend on the host time zone. */
export function tokyoToday(nowMs: number = Date.now()): string {
  return new Date(nowMs + 9 * 3600_000).toISOString().slice(0, 10);
}

const simDate = (name: string) =>
  z.string().transform((value, ctx) => {
    const iso = parseQueryDate(value);
    if (!iso || iso < '1990-01-01' || iso > '2099-06-30') {
      ctx.addIssue({ code: 'custom', message: `${name}: expected a date YYYY-MM-DD (or YYYYMMDD) between 1990 and 2099, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return iso;
  });

export const simOptionsSchema = z.object({
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  codes: z.number().int().min(1).max(8000).default(4000),
  from: simDate('from').default('2016-01-04'),
  asOf: simDate('asOf').optional(),
  pageSize: z.number().int().min(1).max(1_000_000).default(5000),
  faultRate: z.number().min(0).max(1).default(0),
  faultKinds: z.array(z.enum(FAULT_KINDS)).min(1).default([...FAULT_KINDS]),
  slowMs: z.number().int().min(0).max(600_000).default(1500),
  retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
  maxRangeDays: z.number().int().min(1).default(3660),
  mailAddress: z.string().min(1).default('sim@example.com'),
  password: z.string().min(1).default('sim-password'),
  apiKey: z.string().min(1).default('sim-api-key'),
  idTokenTtlSeconds: z.number().positive().default(86_400),
  refreshTokenTtlSeconds: z.number().positive().default(604_800),
  signalIc: z.number().min(-0.9).max(0.9).default(0.05),
  /** Share of daily bars served broken (high below low, negative volume, a non-number), to exercise quarantine. */
  badRowRate: z.number().min(0).max(1).default(0),
  /**
   * Daily bars of a session appear only this many minutes after its close (by the simulator's clock), as J-Quants
   * publishes them some time after the market closes. Unset: every session up to asOf is there from the start.
   */
  publishLagMinutes: z.number().int().min(0).max(1440).optional(),
}).strict();

export type SimOptionsInput = z.input<typeof simOptionsSchema>;
export type SimOptions = Omit<z.output<typeof simOptionsSchema>, 'asOf'> & { asOf: string };

export class SimOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimOptionsError';
  }
}

/** Validates and fills defaults; asOf defaults to today in Tokyo (evaluated now, so one simulator keeps one "today"). */
export function parseSimOptions(input: SimOptionsInput = {}): SimOptions {
  const parsed = simOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SimOptionsError(`invalid simulator options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const asOf = parsed.data.asOf ?? tokyoToday();
  if (asOf < parsed.data.from) throw new SimOptionsError(`invalid simulator options: asOf ${asOf} is before from ${parsed.data.from}`);
  return { ...parsed.data, asOf };
}
