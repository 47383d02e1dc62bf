/**
 * Real ONNX graphs and an in-memory model source for the router's tests and benchmark: a MatMul + Add graph
 * (input `features` float32 [batch, F], output `prediction` float32 [batch, 1]) built with onnx-proto.
 */
import { onnx } from 'onnx-proto';
import { INPUT_NAME, OUTPUT_NAME, type ModelVersionMetadata } from '../models/types';
import type { ModelSource } from './deployment';

/** prediction = features · weights + bias, as an ONNX model (opset 17). */
export function linearModelOnnx(weights: readonly number[], bias: number): Uint8Array {
  const F = weights.length;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const tensor = (name: string, dims: onnx.TensorShapeProto.IDimension[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims } } } });
  const graph = onnx.GraphProto.create({
    name: 'linear',
    node: [
      { opType: 'MatMul', input: [INPUT_NAME, 'W'], output: ['xw'], name: 'matmul' },
      { opType: 'Add', input: ['xw', 'b'], output: [OUTPUT_NAME], name: 'add' },
    ],
    initializer: [
      { name: 'W', dataType: FLOAT, dims: [F, 1], floatData: [...weights] },
      { name: 'b', dataType: FLOAT, dims: [1], floatData: [bias] },
    ],
    input: [tensor(INPUT_NAME, [{ dimParam: 'batch' }, { dimValue: F }])],
    output: [tensor(OUTPUT_NAME, [{ dimParam: 'batch' }, { dimValue: 1 }])],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'gogooku3-tests', graph });
  return onnx.ModelProto.encode(model).finish();
}

/** What the graph computes, in float32 steps (for comparisons at float32 tolerance). */
export function linearReference(weights: readonly number[], bias: number, rows: ReadonlyArray<readonly number[]>): number[] {
  return rows.map((row) => row.reduce((acc, x, i) => acc + Math.fround(x) * Math.fround(weights[i]), 0) + Math.fround(bias));
}

export interface TestModel {
  name: string;
  version: number;
  weights: number[];
  bias: number;
  features?: string[];
  inputMean?: number[];
  featureSet?: string;
  stage?: ModelVersionMetadata['stage'];
}

export function testMetadata(m: TestModel): ModelVersionMetadata {
  const features = m.features ?? m.weights.map((_, i) => `f${i}`);
  const metrics = { ic: null, rank_ic: null, icir: null, rmse: null, sharpe: null, jpx_sharpe: null };
  return {
    model: m.name, version: m.version, kind: 'ridge', featureSet: m.featureSet ?? 'default', featureSetVersion: 'test',
    features, inputMean: m.inputMean ?? features.map(() => 0), target: 'ret_1d', trainingRange: { from: '2020-01-01', to: '2023-12-31' },
    metrics, onnxMaxAbsDiff: 0, gitSha: null, seed: 1, stage: m.stage ?? 'none', createdAt: '2024-01-01T00:00:00.000Z', sha256: '0'.repeat(64),
  };
}

/** Model versions held in memory; counts loads, and can be told to fail or stall. */
export class MemoryModelSource implements ModelSource {
  readonly loads: Array<{ name: string; version: number | 'production' | 'staging' }> = [];
  private readonly versions = new Map<string, { onnx: Uint8Array; metadata: ModelVersionMetadata }>();
  /** Awaited before each load resolves (tests hold a load open with it). */
  gate: (() => Promise<void>) | undefined;

  constructor(models: readonly TestModel[] = []) {
    for (const m of models) this.add(m);
  }

  add(m: TestModel, onnxBytes = linearModelOnnx(m.weights, m.bias)): this {
    this.versions.set(`${m.name}@${m.version}`, { onnx: onnxBytes, metadata: testMetadata(m) });
    return this;
  }

  async load(name: string, version: number | 'production' | 'staging'): Promise<{ onnx: Uint8Array; metadata: ModelVersionMetadata }> {
    this.loads.push({ name, version });
    await this.gate?.();
    const found = typeof version === 'number'
      ? this.versions.get(`${name}@${version}`)
      : [...this.versions.values()].filter((v) => v.metadata.model === name && v.metadata.stage === version).sort((a, b) => b.metadata.version - a.metadata.version)[0];
    if (!found) throw new Error(`model ${name} version ${version} is not registered`);
    return found;
  }
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON (tests index into it freely). */
  body: any;
}

/** POSTs JSON (or a raw string) and reads the JSON answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export async function getJson(url: string): Promise<HttpAnswer> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** A KServe v2 request for `features` rows × F, FP32. */
export function inferBody(rows: ReadonlyArray<readonly number[]>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...extra, inputs: [{ name: INPUT_NAME, shape: [rows.length, rows[0]?.length ?? 0], datatype: 'FP32', data: rows.flat() }] };
}

export async function eventually(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
