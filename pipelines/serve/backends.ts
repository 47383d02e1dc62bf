/**
 * Where a model version runs: embedded in this process (onnxruntime-node, the default) or on a Triton server
 * over KServe v2 HTTP. Both take and return flat row-major float32; the router does the protocol work.
 */
import * as ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME, type ModelVersionMetadata } from '../models/types';
import { BackendError, DeadlineExceededError, ModelLoadError } from './errors';
import { inferRequest, parseInferResponse } from './protocol';

export interface ModelBackend {
  /** `input` holds rows × features values row-major; resolves to one prediction per row. */
  infer(input: Float32Array, rows: number, features: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** One version to put behind a backend, as the model source returned it. */
export interface BackendSpec {
  name: string;
  version: number;
  onnx: Uint8Array;
  metadata: ModelVersionMetadata;
}

export type BackendFactory = (spec: BackendSpec) => Promise<ModelBackend>;

export interface OnnxRuntimeOptions {
  /**
   * Threads per run. 1 by default: the router's batches are small, and a server runs one process per core —
   * more threads contend with the event loop and with the other replicas.
   */
  intraOpThreads?: number;
}

export class OnnxRuntimeBackend implements ModelBackend {
  private constructor(private readonly session: ort.InferenceSession, private readonly label: string) {}

  static async create(onnx: Uint8Array, label: string, options: OnnxRuntimeOptions = {}): Promise<OnnxRuntimeBackend> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnx, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new ModelLoadError(`${label}: onnxruntime cannot load the model: ${(error as Error).message}`, { cause: error });
    }
    if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
      const names = `inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}`;
      await session.release();
      throw new ModelLoadError(`${label}: the graph must take "${INPUT_NAME}" and produce "${OUTPUT_NAME}", it has ${names}`);
    }
    return new OnnxRuntimeBackend(session, label);
  }

  async infer(input: Float32Array, rows: number, features: number): Promise<Float32Array> {
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [rows, features]) }, [OUTPUT_NAME]);
    } catch (error) {
      throw new BackendError(`${this.label}: onnxruntime run failed: ${(error as Error).message}`, 500, 'backend_error', { cause: error });
    }
    const out = result[OUTPUT_NAME];
    if (out.type !== 'float32' || out.data.length !== rows) {
      throw new BackendError(`${this.label}: "${OUTPUT_NAME}" is ${out.type} [${out.dims.join(', ')}], expected float32 [${rows}, 1]`, 500, 'backend_error');
    }
    return out.data as Float32Array;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export function onnxRuntimeFactory(options: OnnxRuntimeOptions = {}): BackendFactory {
  return (spec) => OnnxRuntimeBackend.create(spec.onnx, `${spec.name} v${spec.version}`, options);
}

export interface TritonOptions {
  /** Server root, e.g. http://triton:8000 (the KServe v2 HTTP port). */
  url: string;
  model: string;
  version: number;
  /** Per call; a slower answer is a 504. */
  timeoutMs?: number;
}

/** A version served by Triton (or any KServe v2 peer): one HTTP request per batch, on fetch's keep-alive pool. */
export class TritonBackend implements ModelBackend {
  readonly inferUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: TritonOptions) {
    this.inferUrl = `${modelUrl(options.url, options.model, options.version)}/infer`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async infer(input: Float32Array, rows: number, features: number): Promise<Float32Array> {
    const body = await this.call(this.inferUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inferRequest(input, rows, features)) });
    try {
      return parseInferResponse(body, rows);
    } catch (error) {
      throw new BackendError(`triton ${this.inferUrl}: ${(error as Error).message}`, 502, 'backend_protocol');
    }
  }

  /** Checks that the peer has the version ready and takes `features` inputs; the router's readiness waits on it. */
  async verify(features: number): Promise<void> {
    const base = modelUrl(this.options.url, this.options.model, this.options.version);
    try {
      await this.call(`${base}/ready`, { method: 'GET' });
      const meta = await this.call(base, { method: 'GET' }) as { inputs?: Array<{ name?: string; shape?: number[] }> };
      const input = meta.inputs?.find((i) => i.name === INPUT_NAME);
      const width = input?.shape?.[input.shape.length - 1];
      if (width !== features) throw new ModelLoadError(`triton ${base}: input "${INPUT_NAME}" has shape ${JSON.stringify(input?.shape ?? null)}, the model's metadata lists ${features} features`);
    } catch (error) {
      if (error instanceof ModelLoadError) throw error;
      throw new ModelLoadError(`triton ${base}: not ready (${(error as Error).message})`, { cause: error });
    }
  }

  async close(): Promise<void> {
    // Nothing held per model: the connection pool is fetch's own.
  }

  private async call(url: string, init: RequestInit): Promise<unknown> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new DeadlineExceededError(this.timeoutMs, `triton ${url}`);
      const cause = (error as { cause?: Error }).cause?.message;
      throw new BackendError(`triton ${url}: unreachable (${cause ?? (error as Error).message})`, 502, 'backend_unavailable', { cause: error });
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new BackendError(`triton ${url}: answered ${res.status} with a body that is not JSON`, 502, 'backend_protocol');
    }
    if (!res.ok) {
      const detail = typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : text.slice(0, 200);
      throw new BackendError(`triton ${url}: answered ${res.status}: ${detail}`, 502, 'backend_error');
    }
    return body;
  }
}

function modelUrl(root: string, model: string, version: number): string {
  return `${root.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(model)}/versions/${version}`;
}

export function tritonFactory(options: { url: string; timeoutMs?: number }): BackendFactory {
  return async (spec) => {
    const backend = new TritonBackend({ url: options.url, model: spec.name, version: spec.version, timeoutMs: options.timeoutMs });
    await backend.verify(spec.metadata.features.length);
    return backend;
  };
}
