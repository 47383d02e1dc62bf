/**
 * ModelSpec → ONNX (opset 13, IR 7: what Triton's onnxruntime backend and onnxruntime-node both load), and the
 * check that a graph reproduces the trainer's predictions before anything is registered.
 *
 * Standardisation stays in the graph as Sub + Div rather than folded into the first layer's weights: folding
 * turns (x − mean) into x·W' − mean·W', which cancels catastrophically in float32 for features far from zero
 * (prices, volumes); Sub + Div keeps the error at the float32 rounding of the input itself.
 */
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { validateSpec } from './forward';
import { INPUT_NAME, OUTPUT_NAME, type ModelSpec } from './types';

export const OPSET_VERSION = 13;
export const IR_VERSION = 7;
export const DEFAULT_TOLERANCE = 1e-5;
/** metadata_props keys (values are strings: JSON arrays for the lists). */
export const META_FEATURES = 'gogooku3.features';
export const META_INPUT_MEAN = 'gogooku3.input_mean';
export const META_KIND = 'gogooku3.kind';

// Loaded on first use: `models list` and the registry's read paths need no protobufjs.
const onnxProto = (): typeof OnnxNamespace => (require('onnx-proto') as typeof import('onnx-proto')).onnx;

/** The graph disagrees with the trainer (or could not be run at all): registration must not proceed. */
export class OnnxVerificationError extends Error {
  constructor(message: string, readonly maxAbsDiff: number, readonly tolerance: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxVerificationError';
  }
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): OnnxNamespace.ITensorProto {
  // raw_data is little-endian by the ONNX spec, whatever the host's byte order.
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return { name, dims, dataType: onnxProto().TensorProto.DataType.FLOAT, rawData: raw };
}

function floatValueInfo(name: string, dims: Array<number | string>): OnnxNamespace.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxProto().TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function node(opType: string, inputs: string[], output: string): OnnxNamespace.INodeProto {
  return { opType, input: inputs, output: [output], name: output };
}

/** Serialises the spec as an ONNX model: features float32 [batch, F] → prediction float32 [batch, 1]. */
export function exportOnnx(spec: ModelSpec, options: { modelName?: string; producerVersion?: string } = {}): Uint8Array {
  validateSpec(spec);
  const onnx = onnxProto();
  const F = spec.features.length;
  const initializer: OnnxNamespace.ITensorProto[] = [floatTensor('input_mean', [F], spec.inputMean), floatTensor('input_scale', [F], spec.inputScale)];
  const nodes: OnnxNamespace.INodeProto[] = [node('Sub', [INPUT_NAME, 'input_mean'], 'centred'), node('Div', ['centred', 'input_scale'], 'standardised')];
  let h = 'standardised';
  spec.layers.forEach((layer, k) => {
    const last = k === spec.layers.length - 1;
    initializer.push(floatTensor(`layer${k}_weight`, [layer.inputs, layer.outputs], layer.weights), floatTensor(`layer${k}_bias`, [layer.outputs], layer.bias));
    nodes.push(node('MatMul', [h, `layer${k}_weight`], `layer${k}_matmul`));
    const affine = last && layer.activation === 'linear' ? OUTPUT_NAME : `layer${k}_affine`;
    nodes.push(node('Add', [`layer${k}_matmul`, `layer${k}_bias`], affine));
    h = affine;
    if (layer.activation !== 'linear') {
      h = last ? OUTPUT_NAME : `layer${k}_${layer.activation}`;
      nodes.push(node(layer.activation === 'relu' ? 'Relu' : 'Tanh', [affine], h));
    }
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'gogooku3',
    producerVersion: options.producerVersion ?? '',
    docString: `${spec.kind} over ${F} features`,
    graph: {
      name: options.modelName ?? `gogooku3_${spec.kind}`,
      node: nodes,
      initializer,
      input: [floatValueInfo(INPUT_NAME, ['batch', F])],
      output: [floatValueInfo(OUTPUT_NAME, ['batch', 1])],
    },
    metadataProps: [
      { key: META_KIND, value: spec.kind },
      { key: META_FEATURES, value: JSON.stringify(spec.features) },
      { key: META_INPUT_MEAN, value: JSON.stringify(Array.from(spec.inputMean)) },
    ],
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The model's metadata_props as a plain record (empty when the bytes are not an ONNX model with any). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnxProto().ModelProto.decode(bytes);
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

/**
 * onnxruntime runs in a worker thread. Its output tensors are typed arrays of the realm that loaded the addon,
 * checked with `instanceof` against the realm that loaded onnxruntime-common; under jest (a vm context per test
 * file) the two differ and every run fails. A worker is one plain realm wherever the caller lives, and
 * verification is rare enough that its ~0.1 s start does not matter.
 */
const WORKER_SOURCE = `
const { parentPort, workerData: w } = require('node:worker_threads');
(async () => {
  const ort = require(w.ortPath);
  const session = await ort.InferenceSession.create(Buffer.from(w.bytes), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const names = { inputNames: session.inputNames, outputNames: session.outputNames };
    if (!names.inputNames.includes(w.input) || !names.outputNames.includes(w.output)) return parentPort.postMessage(names);
    const result = await session.run({ [w.input]: new ort.Tensor('float32', new Float32Array(w.x), w.dims) }, [w.output]);
    const out = result[w.output];
    parentPort.postMessage({ ...names, values: Float32Array.from(out.data), dims: Array.from(out.dims) });
  } finally {
    await session.release();
  }
})().catch((e) => parentPort.postMessage({ error: String((e && e.message) || e) }));
`;

interface WorkerResult {
  inputNames?: string[];
  outputNames?: string[];
  values?: Float32Array;
  dims?: number[];
  error?: string;
}

async function runInWorker(bytes: Uint8Array, x: Float64Array, rows: number, featureCount: number): Promise<WorkerResult> {
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ortPath: require.resolve('onnxruntime-node'), bytes, x: Float32Array.from(x), dims: [rows, featureCount], input: INPUT_NAME, output: OUTPUT_NAME },
  });
  try {
    return await new Promise<WorkerResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`onnxruntime worker exited (code ${code}) without an answer`)));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * Runs the graph on rows × featureCount inputs (cast to float32) and returns the `prediction` output as given,
 * without checking shapes first: onnxruntime refuses input that does not match the graph.
 */
export async function runOnnx(bytes: Uint8Array, x: Float64Array, rows: number, featureCount: number): Promise<{ values: Float64Array; dims: number[] }> {
  const result = await runInWorker(bytes, x, rows, featureCount);
  if (result.error !== undefined) throw new Error(result.error);
  if (!result.values || !result.dims) {
    throw new Error(`graph inputs [${result.inputNames?.join(', ')}] → outputs [${result.outputNames?.join(', ')}], expected [${INPUT_NAME}] → [${OUTPUT_NAME}]`);
  }
  return { values: Float64Array.from(result.values), dims: result.dims };
}

/** max |a − b|, where a NaN on either side counts as an infinite difference (it must never pass). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbsDiff: number; row: number } {
  let worst = 0;
  let row = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    const v = Number.isNaN(d) ? Infinity : d;
    if (v > worst || row < 0) [worst, row] = [v, i];
  }
  return { maxAbsDiff: worst, row };
}

/**
 * Runs the exported graph with onnxruntime on the verification rows and compares its output with the trainer's
 * predictions; throws OnnxVerificationError when the graph cannot run, has the wrong interface, or differs by
 * more than `tolerance` on any row.
 */
export async function verifyOnnx(bytes: Uint8Array, spec: Pick<ModelSpec, 'features'>, sampleX: Float64Array, rows: number, expected: Float64Array, tolerance = DEFAULT_TOLERANCE): Promise<{ maxAbsDiff: number }> {
  const F = spec.features.length;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`verification rows is ${rows}, expected a whole number >= 1`);
  if (sampleX.length !== rows * F) throw new RangeError(`verification x has ${sampleX.length} values, expected rows × features = ${rows} × ${F}`);
  if (expected.length !== rows) throw new RangeError(`verification expected has ${expected.length} values, expected one per row (${rows})`);
  if (!(tolerance >= 0)) throw new RangeError(`tolerance is ${tolerance}, expected a number >= 0`);
  const fail = (message: string, diff = Infinity, cause?: unknown) => new OnnxVerificationError(`ONNX verification failed: ${message}`, diff, tolerance, cause === undefined ? undefined : { cause });

  let meta: Record<string, string>;
  try {
    meta = readOnnxMetadata(bytes);
  } catch (error) {
    throw fail('the bytes are not an ONNX model', Infinity, error);
  }
  if (meta[META_FEATURES] !== undefined && meta[META_FEATURES] !== JSON.stringify(spec.features)) {
    throw fail(`the graph was exported for features ${meta[META_FEATURES]}, not the spec's`);
  }
  let result: WorkerResult;
  try {
    result = await runInWorker(bytes, sampleX, rows, F);
  } catch (error) {
    throw fail(`onnxruntime could not run the graph: ${error instanceof Error ? error.message : String(error)}`, Infinity, error);
  }
  if (result.error !== undefined) throw fail(`onnxruntime could not run the graph: ${result.error}`);
  if (!result.values || !result.dims) {
    throw fail(`graph inputs [${result.inputNames?.join(', ')}] → outputs [${result.outputNames?.join(', ')}], expected [${INPUT_NAME}] → [${OUTPUT_NAME}]`);
  }
  const out = { values: Float64Array.from(result.values), dims: result.dims };
  if (out.dims.length !== 2 || out.dims[0] !== rows || out.dims[1] !== 1) throw fail(`output shape [${out.dims.join(', ')}], expected [${rows}, 1]`);
  const { maxAbsDiff: diff, row } = maxAbsDiff(out.values, expected);
  if (!(diff <= tolerance)) {
    throw fail(`max |onnx − trainer| = ${diff} at row ${row} (onnx ${out.values[row]}, trainer ${expected[row]}) exceeds ${tolerance}`, diff);
  }
  return { maxAbsDiff: diff };
}
