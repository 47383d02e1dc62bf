/**
 * The inference router: Open Inference Protocol (KServe v2) over node:http in front of the model backends,
 * champion/challenger routing by the weights config, and /v1/score over the online store.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../log';
import type { OnlineStore } from '../storage/types';
import { onnxRuntimeFactory, type BackendFactory } from './backends';
import { ModelManager, type DeployedModel, type DeployedVariant, type Deployment, type ModelSource } from './deployment';
import { MethodNotAllowedError, NotFoundError, NotReadyError, RouterError } from './errors';
import { matchRoute } from './routes';
import { asRouterError, DEFAULT_MAX_BODY_BYTES, deadlineMs, readBody, sendJson, sendText, withDeadline } from './http';
import { RouterMetrics, UNROUTED, type VariantMetrics } from './metrics';
import { inferResponse, modelMetadata, parseInferRequest, parseJsonBody, parseScoreRequest } from './protocol';
import { chooseVariant } from './routing';
import { score } from './score';
import type { WeightsConfig } from './weights';

export const VARIANT_HEADER = 'x-g3-variant';

export interface RouterOptions {
  source: ModelSource;
  /** How a loaded version is run; default onnxruntime-node in this process. */
  backend?: BackendFactory;
  /** Needed by /v1/score only. */
  online?: OnlineStore;
  logger?: Logger;
  maxBodyBytes?: number;
  /** Per-request deadline (a client may ask for less with x-g3-timeout-ms). */
  timeoutMs?: number;
  /** Most rows in one request (and tickers in one /v1/score). */
  maxBatch?: number;
  /** Random routing's source of [0, 1) draws (tests fix it). */
  random?: () => number;
  predictionWindow?: number;
}

export class InferenceRouter {
  readonly metrics: RouterMetrics;
  readonly models: ModelManager;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly maxBatch: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private server: http.Server | undefined;
  private lastError: string | undefined;
  private closing = false;
  /** Each deployed variant's series, bound once (a reload makes new variants; the old entries go with them). */
  private readonly boundMetrics = new WeakMap<DeployedVariant, VariantMetrics>();
  private readonly unrouted: VariantMetrics;

  constructor(private readonly options: RouterOptions) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = new RouterMetrics(options.predictionWindow);
    this.models = new ModelManager(options.source, options.backend ?? onnxRuntimeFactory(), this.logger);
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBatch = options.maxBatch ?? 4096;
    this.random = options.random ?? Math.random;
    this.unrouted = this.metrics.variant(UNROUTED);
  }

  /** Loads the config's models, then switches to it; on failure the previous config stays in force. */
  async applyConfig(config: WeightsConfig): Promise<void> {
    try {
      await this.models.apply(config);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = (error as Error).message;
      throw error;
    }
  }

  /** Ready once a config's models are all loaded (later failed reloads keep the loaded one serving). */
  get ready(): boolean {
    return this.models.current() !== undefined;
  }

  readonly handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = performance.now();
    if (this.closing) res.setHeader('connection', 'close');
    // infer and score count their own failures; others (metadata, unknown paths) are not inference requests.
    try {
      const route = matchRoute(req.method ?? 'GET', req.url ?? '/');
      switch (route.kind) {
        case 'infer': this.infer(req, res, started, route.model, route.version).catch((error: unknown) => this.fail(res, error, undefined, started)); return;
        case 'score': this.score(req, res, started).catch((error: unknown) => this.fail(res, error, undefined, started)); return;
        case 'live': sendJson(res, 200, { live: true }); return;
        case 'ready': this.readiness(res); return;
        case 'server': sendJson(res, 200, { name: 'gogooku3-router', version: '1', extensions: [] }); return;
        case 'modelInfo': this.modelInfo(res, route.model, route.version); return;
        case 'modelReady': this.modelReady(res, route.model, route.version); return;
        case 'metrics':
          this.metrics.text().then((text) => sendText(res, 200, text, this.metrics.contentType), (error: unknown) => this.fail(res, error, undefined, started));
          return;
      }
    } catch (error) {
      this.fail(res, error, undefined, started);
    }
  };

  async listen(port = 0, host = '127.0.0.1'): Promise<{ url: string; host: string; port: number }> {
    const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 15_000, requestTimeout: this.timeoutMs + 30_000 }, this.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { url: `http://${shown}:${address.port}`, host: address.address, port: address.port };
  }

  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then releases the models. */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      // Answers from now on close their connection, so kept-alive clients do not hold the shutdown up.
      this.closing = true;
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      // Connections whose request was in flight at close() turn idle later; close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(force);
      clearInterval(sweep);
    }
    await this.models.close();
  }

  private readiness(res: http.ServerResponse): void {
    const d = this.models.current();
    if (d) sendJson(res, 200, { ready: true, models: [...d.models.values()].map((m) => ({ name: m.name, versions: [...m.versions.keys()] })) });
    else sendJson(res, 503, { ready: false, error: this.lastError ?? new NotReadyError().message });
  }

  private deployment(): Deployment {
    const d = this.models.current();
    if (!d) throw new NotReadyError(this.lastError ? `no model configuration is loaded: ${this.lastError}` : undefined);
    return d;
  }

  private model(name: string): DeployedModel {
    const m = this.deployment().models.get(name);
    if (!m) throw new NotFoundError(`model ${JSON.stringify(name)} is not served; served: ${[...this.deployment().models.keys()].join(', ')}`);
    return m;
  }

  private versionOf(model: DeployedModel, text: string): DeployedVariant {
    const v = /^\d+$/.test(text) ? model.versions.get(Number(text)) : undefined;
    if (!v) throw new NotFoundError(`model ${JSON.stringify(model.name)} has no loaded version ${JSON.stringify(text)}; loaded: ${[...model.versions.keys()].join(', ')}`);
    return v;
  }

  private modelInfo(res: http.ServerResponse, name: string, version?: string): void {
    const model = this.model(name);
    if (version !== undefined) {
      const v = this.versionOf(model, version);
      sendJson(res, 200, modelMetadata(name, [v.loaded.version], v.loaded.features));
      return;
    }
    sendJson(res, 200, modelMetadata(name, [...model.versions.keys()], model.variants[0].loaded.features));
  }

  private modelReady(res: http.ServerResponse, name: string, version?: string): void {
    const model = this.model(name);
    if (version !== undefined) this.versionOf(model, version);
    sendJson(res, 200, { name, ready: true });
  }

  private variantMetrics(model: string, v: DeployedVariant): VariantMetrics {
    let vm = this.boundMetrics.get(v);
    if (!vm) this.boundMetrics.set(v, (vm = this.metrics.variant({ model, version: String(v.loaded.version), variant: v.name })));
    return vm;
  }

  private route(model: DeployedModel, req: http.IncomingMessage, bodyId: unknown): DeployedVariant {
    const header = req.headers['x-request-id'];
    const key = typeof header === 'string' && header ? header : typeof bodyId === 'string' ? bodyId : undefined;
    return chooseVariant(model.variants, { sticky: model.sticky, key, random: this.random });
  }

  private async infer(req: http.IncomingMessage, res: http.ServerResponse, started: number, name: string, version?: string): Promise<void> {
    let vm = this.unrouted;
    try {
      const model = this.model(name);
      const pinned = version === undefined ? undefined : this.versionOf(model, version);
      const ms = deadlineMs(req, this.timeoutMs);
      const result = await withDeadline((async () => {
        const body = parseJsonBody(await readBody(req, this.maxBodyBytes), true);
        const target = pinned ?? this.route(model, req, (body as { id?: unknown } | null)?.id);
        vm = this.variantMetrics(name, target);
        const input = parseInferRequest(body, { features: target.loaded.features, maxBatch: this.maxBatch });
        return { target, id: input.id, out: await target.loaded.infer(input.data, input.rows) };
      })(), ms);
      vm.predictions(result.out);
      sendJson(res, 200, inferResponse(name, result.target.loaded.version, result.id, result.out), [VARIANT_HEADER, result.target.name]);
      vm.record((performance.now() - started) / 1000, 200);
    } catch (error) {
      this.fail(res, error, vm, started);
    }
  }

  private async score(req: http.IncomingMessage, res: http.ServerResponse, started: number): Promise<void> {
    let vm = this.unrouted;
    try {
      const online = this.options.online;
      if (!online) throw new RouterError('/v1/score: this router has no online store', 501, 'not_implemented');
      const ms = deadlineMs(req, this.timeoutMs);
      const result = await withDeadline((async () => {
        const body = parseScoreRequest(parseJsonBody(await readBody(req, this.maxBodyBytes)), this.maxBatch);
        const model = this.model(body.model ?? this.deployment().config.models[0].name);
        const target = this.route(model, req, undefined);
        vm = this.variantMetrics(model.name, target);
        return score(online, { model: model.name, variant: target.name, featureSet: model.featureSet, loaded: target.loaded }, body.tickers, (data, rows) => target.loaded.infer(data, rows));
      })(), ms);
      const values = new Float32Array(result.predictions.map((p) => p.prediction));
      vm.predictions(values);
      sendJson(res, 200, result, [VARIANT_HEADER, result.variant]);
      vm.record((performance.now() - started) / 1000, 200);
    } catch (error) {
      this.fail(res, error, vm, started);
    }
  }

  private fail(res: http.ServerResponse, caught: unknown, vm: VariantMetrics | undefined, started: number): void {
    const { error, unexpected } = asRouterError(caught);
    if (unexpected) this.logger.error({ err: caught instanceof Error ? { message: caught.message, stack: caught.stack } : String(caught) }, 'unexpected error in a request');
    else if (error.status >= 500) this.logger.warn({ status: error.status, reason: error.reason, err: error.message }, 'request failed');
    vm?.record((performance.now() - started) / 1000, error.status, error.reason);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers: string[] = [];
    if (error instanceof MethodNotAllowedError) headers.push('allow', error.allow.join(', '));
    // An unread or half-read body (413, 504, errors before the read) cannot be left on a kept-alive connection.
    if (!res.req.complete) headers.push('connection', 'close');
    sendJson(res, error.status, { error: error.message }, headers);
  }
}
