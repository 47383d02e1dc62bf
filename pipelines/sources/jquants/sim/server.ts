import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENDPOINTS, arrayKey, endpointPath, toWire, type ApiVersion, type EndpointSpec } from '../fields';
import { SimAuth, type Reply } from './auth';
import { parseQueryDate } from './dates';
import { FaultInjector, type FaultStats } from './faults';
import { parseSimOptions, type SimOptions, type SimOptionsInput } from './options';
import { Paginator } from './pagination';
import { QUERIES, QueryError, canonicalQuery, type Params } from './queries';
import { truthSummary, type TruthQuery, type TruthSummary } from './truth';
import { buildWorld, type World } from './world';
import { TseCalendar } from '../../../calendar';

export interface SimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  faults: FaultStats;
}

export interface Simulator {
  readonly options: SimOptions;
  readonly world: World;
  /** Starts serving; port 0 picks a free port. Resolves with the root URL (append /v1 or /v2). */
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;
  truth(query?: TruthQuery): TruthSummary;
  stats(): SimulatorStats;
}

export interface SimulatorDeps {
  /** Clock for token lifetimes and publication (`publishLagMinutes`), ms since epoch. */
  now?: () => number;
  /** Called with errors a handler did not expect (the client then sees a 500). */
  onError?: (error: unknown) => void;
}

const ROUTES = new Map<string, { version: ApiVersion; spec: EndpointSpec }>();
for (const spec of Object.values(ENDPOINTS)) {
  for (const version of ['v1', 'v2'] as const) ROUTES.set(endpointPath(spec, version), { version, spec });
}

const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const paramsOf = (url: URL): Params => {
  const params: Params = {};
  for (const [k, v] of url.searchParams) params[k] ??= v;
  return params;
};

export function createSimulator(input: SimOptionsInput = {}, deps: SimulatorDeps = {}): Simulator {
  const options = parseSimOptions(input);
  const world = buildWorld(options);
  const auth = new SimAuth(options, deps.now);
  const faults = new FaultInjector(options.seed, options.faultRate, options.faultKinds);
  const paginator = new Paginator(`gogooku3-sim|${options.seed}|${options.codes}|${options.from}|${options.asOf}|${options.signalIc}`);
  const byStatus: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const reply = (res: ServerResponse, r: Reply) => send(res, r.status, r.body);

  const calendar = TseCalendar.fromRules();
  const clock = deps.now ?? Date.now;
  /** The latest session whose bars are published by now (publishLagMinutes after its close), or undefined for none. */
  const latestPublished = (lagMinutes: number): string | undefined => {
    for (let t = world.sessions.length - 1; t >= 0; t--) {
      if (Date.parse(calendar.sessionTimes(world.sessions[t]).closeAt) + lagMinutes * 60_000 <= clock()) return world.sessions[t];
    }
    return undefined;
  };
  /** Daily-bar params narrowed to what is published; null when the query asks only for what is not yet. */
  const published = (params: Params): Params | null => {
    if (options.publishLagMinutes === undefined) return params;
    const last = latestPublished(options.publishLagMinutes);
    if (last === undefined) return null;
    // A malformed date is left for the query to refuse, as J-Quants would.
    if (params.date !== undefined) {
      const date = parseQueryDate(params.date);
      return date && date > last ? null : params;
    }
    const to = params.to === undefined ? last : parseQueryDate(params.to);
    return to === null ? params : { ...params, to: to > last ? last : to };
  };

  /** One page of a data query, or the error J-Quants would give for it. */
  const page = (version: ApiVersion, spec: EndpointSpec, url: URL): Reply => {
    let params = paramsOf(url);
    if (spec.name === 'daily_bars') {
      const narrowed = published(params);
      if (narrowed === null) return { status: 200, body: { [arrayKey(spec, version)]: [] } };
      params = narrowed;
    }
    try {
      const rows = QUERIES[spec.name](world, params);
      const query = `${url.pathname}?${canonicalQuery(params)}`;
      let offset = 0;
      if (params.pagination_key) {
        const decoded = paginator.decode(query, params.pagination_key);
        if (decoded === null) return { status: 400, body: { message: "'pagination_key' is invalid for this query." } };
        offset = Math.min(decoded, rows.length);
      }
      const end = Math.min(rows.length, offset + options.pageSize);
      const data = new Array<Record<string, unknown>>(end - offset);
      for (let k = offset; k < end; k++) data[k - offset] = toWire(spec, version, rows.row(k));
      const body: Record<string, unknown> = { [arrayKey(spec, version)]: data };
      if (end < rows.length) body.pagination_key = paginator.encode(query, end);
      return { status: 200, body };
    } catch (error) {
      if (error instanceof QueryError) return { status: error.status, body: { message: error.message } };
      throw error;
    }
  };

  const simRoute = (res: ServerResponse, url: URL) => {
    if (url.pathname === '/sim/stats') return send(res, 200, stats());
    if (url.pathname === '/sim/health') return send(res, 200, { status: 'ok', asOf: options.asOf, seed: options.seed, buildMs: Math.round(world.buildMs) });
    const q: TruthQuery = {};
    for (const name of ['from', 'to', 'date'] as const) {
      const raw = url.searchParams.get(name);
      if (raw === null) continue;
      const iso = parseQueryDate(raw);
      if (!iso) return send(res, 400, { message: `'${name}' must be a date in the form YYYY-MM-DD or YYYYMMDD, got '${raw}'.` });
      if (name === 'date') q.signalsDate = iso;
      else q[name] = iso;
    }
    if (q.signalsDate && url.searchParams.get('signals') !== '1') delete q.signalsDate;
    if (url.searchParams.get('signals') === '1' && !q.signalsDate) return send(res, 400, { message: "'signals=1' needs 'date'." });
    return send(res, 200, truthSummary(world, q));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (path === '/v1/token/auth_user' || path === '/v1/token/auth_refresh') {
      if (req.method !== 'POST') return send(res, 405, { message: 'Method Not Allowed' }, { allow: 'POST' });
      const body = await readBody(req);
      return reply(res, path.endsWith('auth_user') ? auth.authUser(body) : auth.authRefresh(url.searchParams.get('refreshtoken')));
    }
    if (path === '/sim/stats' || path === '/sim/truth' || path === '/sim/health') return simRoute(res, url);
    const route = ROUTES.get(path);
    if (!route) return send(res, 404, { message: 'Not Found' });
    if (req.method !== 'GET') return send(res, 405, { message: 'Method Not Allowed' }, { allow: 'GET' });
    const denied = route.version === 'v1' ? auth.checkBearer(req.headers.authorization) : auth.checkApiKey(header(req, 'x-api-key'));
    if (denied) return reply(res, denied);

    const fault = faults.next();
    if (fault === 'reset') {
      req.socket.destroy();
      return undefined;
    }
    if (fault === 'rate_limit') return send(res, 429, { message: 'Too Many Requests' }, { 'retry-after': String(options.retryAfterSeconds) });
    if (fault === 'server_error') return send(res, 500, { message: 'Internal Server Error' });
    if (fault === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { timers.delete(timer); resolve(); }, options.slowMs);
        timers.add(timer);
      });
      if (res.destroyed) return undefined;
    }
    const result = page(route.version, route.spec, url);
    if (fault === 'truncated' && result.status === 200) {
      // A 200 whose JSON stops mid-way: chunked, so the HTTP exchange itself completes cleanly.
      byStatus[200] = (byStatus[200] ?? 0) + 1;
      const text = JSON.stringify(result.body);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      return undefined;
    }
    return reply(res, result);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      deps.onError?.(error);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  function stats(): SimulatorStats {
    return { requests, byStatus: { ...byStatus }, faults: faults.stats() };
  }

  return {
    options,
    world,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${shown}:${address.port}` });
        });
      });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    truth: (query) => truthSummary(world, query),
    stats,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
