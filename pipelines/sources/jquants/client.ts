import type { Logger } from 'pino';
import type { Config } from '../../config/config';
import { silentLogger } from '../../log';
import { createAuthenticator, type Authenticator } from './auth';
import { JQuantsMalformedResponseError, JQuantsPayloadTooLargeError, JQuantsUnauthorizedError } from './errors';
import { arrayKey, endpointPath, ENDPOINTS, type ApiVersion, type EndpointName, type EndpointSpec, type Row } from './fields';
import { normalizeRecords, type RejectedRecord } from './normalize';
import { RateLimiter, realClock, type Clock } from './rate-limiter';
import { Transport } from './transport';

export type QueryParams = Record<string, string | undefined>;

export interface FetchResult {
  endpoint: EndpointName;
  rows: Row[];
  /** Records that could not be read, whole, with reasons (they go to quarantine, never dropped). */
  rejected: RejectedRecord[];
  warnings: string[];
  pages: number;
}

/** The narrow interface the pipeline receives: any J-Quants-compatible source (the API or the simulator). */
export interface JQuantsSource {
  readonly apiVersion: ApiVersion;
  fetch(endpoint: EndpointName, params?: QueryParams): Promise<FetchResult>;
}

export interface JQuantsClientOptions {
  baseUrl: string;
  apiVersion: ApiVersion;
  transport: Transport;
  auth: Authenticator;
  logger?: Logger;
}

const DAY_MS = 86_400_000;
const toDay = (iso: string) => Date.parse(`${iso.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3')}T00:00:00Z`) / DAY_MS;
const fromDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Halves a date range for a 413 retry; undefined when it is a single day and cannot be narrowed. */
export function splitRange(from: string, to: string): [[string, string], [string, string]] | undefined {
  const a = toDay(from);
  const b = toDay(to);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) return undefined;
  const mid = Math.floor((a + b) / 2);
  return [[fromDay(a), fromDay(mid)], [fromDay(mid + 1), fromDay(b)]];
}

export function mergeResults(endpoint: EndpointName, parts: FetchResult[]): FetchResult {
  return {
    endpoint,
    rows: parts.flatMap((p) => p.rows),
    rejected: parts.flatMap((p) => p.rejected),
    warnings: [...new Set(parts.flatMap((p) => p.warnings))],
    pages: parts.reduce((n, p) => n + p.pages, 0),
  };
}

export class JQuantsClient implements JQuantsSource {
  readonly apiVersion: ApiVersion;
  private readonly logger: Logger;
  private readonly warned = new Set<string>();

  constructor(private readonly options: JQuantsClientOptions) {
    this.apiVersion = options.apiVersion;
    this.logger = options.logger ?? silentLogger;
  }

  get stats() {
    return this.options.transport.stats;
  }

  dailyBars(q: { code?: string; date?: string; from?: string; to?: string }) { return this.fetch('daily_bars', q); }
  listedInfo(q: { code?: string; date?: string } = {}) { return this.fetch('listed_info', q); }
  tradingCalendar(q: { from?: string; to?: string; holidaydivision?: string } = {}) { return this.fetch('trading_calendar', q); }
  investorTypes(q: { section?: string; from?: string; to?: string } = {}) { return this.fetch('investor_types', q); }
  dividends(q: { code?: string; date?: string; from?: string; to?: string }) { return this.fetch('dividends', q); }

  /** All pages of one query; a 413 on a date range is retried as two narrower queries. */
  async fetch(name: EndpointName, params: QueryParams = {}): Promise<FetchResult> {
    const endpoint = ENDPOINTS[name];
    if (!endpoint) throw new TypeError(`unknown J-Quants endpoint ${JSON.stringify(name)}; expected one of ${Object.keys(ENDPOINTS).join(', ')}`);
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
    for (const key of Object.keys(clean)) {
      if (!endpoint.params.includes(key)) {
        throw new TypeError(`${name}: unknown query parameter ${JSON.stringify(key)}; allowed: ${endpoint.params.join(', ')}`);
      }
    }
    try {
      return await this.fetchPages(endpoint, clean);
    } catch (error) {
      const range = endpoint.range;
      const halves = error instanceof JQuantsPayloadTooLargeError && range && clean[range.from] && clean[range.to]
        ? splitRange(clean[range.from], clean[range.to]) : undefined;
      if (!halves || !range) throw error;
      this.logger.info({ endpoint: name, from: clean[range.from], to: clean[range.to] }, 'reply too large (413): splitting the date range');
      const parts: FetchResult[] = [];
      for (const [from, to] of halves) parts.push(await this.fetch(name, { ...clean, [range.from]: from, [range.to]: to }));
      return mergeResults(name, parts);
    }
  }

  private async fetchPages(endpoint: EndpointSpec, params: Record<string, string>): Promise<FetchResult> {
    const result: FetchResult = { endpoint: endpoint.name, rows: [], rejected: [], warnings: [], pages: 0 };
    const seenKeys = new Set<string>();
    let paginationKey: string | undefined;
    let index = 0;
    do {
      const query = new URLSearchParams({ ...params, ...(paginationKey ? { pagination_key: paginationKey } : {}) });
      const reply = await this.get(endpoint, `${this.options.baseUrl}${endpointPath(endpoint, this.apiVersion)}?${query}`);
      const records = this.records(endpoint, reply);
      const batch = normalizeRecords(endpoint, this.apiVersion, records, index);
      index += records.length;
      for (const row of batch.rows) result.rows.push(row);
      for (const rejected of batch.rejected) result.rejected.push(rejected);
      if (batch.unknownFields.size > 0) this.warnUnknown(endpoint, batch.unknownFields, result);
      result.pages += 1;
      const next = (reply as Record<string, unknown>).pagination_key;
      if (next !== undefined && next !== null && typeof next !== 'string') {
        throw new JQuantsMalformedResponseError(`${endpoint.name}: pagination_key must be a string, got ${JSON.stringify(next)}`, endpoint.name);
      }
      paginationKey = next || undefined;
      if (paginationKey !== undefined) {
        if (seenKeys.has(paginationKey)) throw new JQuantsMalformedResponseError(`${endpoint.name}: pagination_key repeated (${paginationKey}); stopping to avoid a loop`, endpoint.name);
        seenKeys.add(paginationKey);
      }
    } while (paginationKey !== undefined);
    if (result.rejected.length > 0) {
      this.logger.warn({ endpoint: endpoint.name, rejected: result.rejected.length, first: result.rejected[0].issues[0]?.message }, 'records rejected by the wire schema');
    }
    return result;
  }

  /** GET with auth; a 401 renews the credential once (tokens expire between our refresh margin and the call). */
  private async get(endpoint: EndpointSpec, url: string): Promise<unknown> {
    for (let attempt = 0; ; attempt += 1) {
      const headers = await this.options.auth.headers();
      try {
        return await this.options.transport.request({ method: 'GET', url, headers, endpoint: endpoint.name });
      } catch (error) {
        if (error instanceof JQuantsUnauthorizedError && this.options.auth.renewable && attempt === 0) {
          this.logger.info({ endpoint: endpoint.name }, 'token rejected (401): renewing');
          this.options.auth.invalidate();
          continue;
        }
        throw error;
      }
    }
  }

  private records(endpoint: EndpointSpec, reply: unknown): unknown[] {
    const key = arrayKey(endpoint, this.apiVersion);
    const records = reply && typeof reply === 'object' ? (reply as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(records)) {
      const keys = reply && typeof reply === 'object' ? Object.keys(reply).join(', ') : typeof reply;
      throw new JQuantsMalformedResponseError(`${endpoint.name}: reply has no array "${key}" (got keys: ${keys})`, endpoint.name);
    }
    return records;
  }

  private warnUnknown(endpoint: EndpointSpec, fields: Set<string>, result: FetchResult) {
    const message = `${endpoint.name}: unknown field(s) in reply ignored: ${[...fields].sort().join(', ')}`;
    result.warnings.push(message);
    if (!this.warned.has(message)) {
      this.warned.add(message);
      this.logger.warn({ endpoint: endpoint.name, fields: [...fields] }, 'unknown fields in J-Quants reply');
    }
  }
}

export interface ClientDeps {
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
}

/** Builds the client from the parsed config: one limiter and one concurrency bound shared by every call. */
export function createJQuantsClient(config: Config['jquants'], deps: ClientDeps = {}): JQuantsClient {
  const clock = deps.clock ?? realClock;
  const transport = new Transport({
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    concurrency: config.concurrency,
    limiter: new RateLimiter(config.requestsPerMinute, 60_000, clock),
    clock,
    random: deps.random,
    logger: deps.logger,
  });
  const auth = createAuthenticator(config, transport, clock);
  return new JQuantsClient({ baseUrl: config.baseUrl, apiVersion: config.apiVersion, transport, auth, logger: deps.logger });
}
