import { onnx } from 'onnx-proto';
import { predict, predictFloat32, randomInputs, randomModelSpec, type RandomSpecOptions } from './forward';
import { exportOnnx, IR_VERSION, maxAbsDiff, META_FEATURES, META_INPUT_MEAN, OnnxVerificationError, OPSET_VERSION, readOnnxMetadata, runOnnx, verifyOnnx } from './onnx-export';
import { INPUT_NAME, OUTPUT_NAME } from './types';

const ROWS = 1000;
const F = 24;

describe('exportOnnx → onnxruntime matches the reference pass', () => {
  it.each<[string, RandomSpecOptions]>([
    ['ridge', { kind: 'ridge', features: F, seed: 11 }],
    ['2-hidden-layer relu MLP', { kind: 'mlp', features: F, hidden: [32, 16], activation: 'relu', seed: 12 }],
    ['2-hidden-layer tanh MLP', { kind: 'mlp', features: F, hidden: [32, 16], activation: 'tanh', seed: 13 }],
  ])('%s: max |onnx − predict| <= 1e-5 over 1,000 rows', async (_name, options) => {
    const spec = randomModelSpec(options);
    const x = randomInputs(spec, ROWS, options.seed + 100);
    const bytes = exportOnnx(spec);
    const expected = predict(spec, x, ROWS);
    const { maxAbsDiff: diff } = await verifyOnnx(bytes, spec, x, ROWS, expected);
    expect(diff).toBeLessThanOrEqual(1e-5);
    // The graph really computes in float32: not bit-identical to float64, but close to the float32 emulation.
    const { values, dims } = await runOnnx(bytes, x, ROWS, F);
    expect(dims).toEqual([ROWS, 1]);
    expect(maxAbsDiff(values, expected).maxAbsDiff).toBeGreaterThan(0);
    expect(maxAbsDiff(values, predictFloat32(spec, x, ROWS)).maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });
});

describe('the exported graph', () => {
  const spec = randomModelSpec({ kind: 'mlp', features: 6, hidden: [4, 3], seed: 5 });
  const model = onnx.ModelProto.decode(exportOnnx(spec, { modelName: 'alpha', producerVersion: '1.2.3' }));
  const graph = model.graph as onnx.GraphProto;

  it('declares opset 13, IR 7, features [batch, F] → prediction [batch, 1] in float32', () => {
    expect(Number(model.irVersion)).toBe(IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', OPSET_VERSION]]);
    expect([model.producerName, model.producerVersion, graph.name]).toEqual(['gogooku3', '1.2.3', 'alpha']);
    const io = (v: onnx.IValueInfoProto) => [v.name, v.type!.tensorType!.elemType, v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))];
    expect(graph.input.map(io)).toEqual([[INPUT_NAME, onnx.TensorProto.DataType.FLOAT, ['batch', 6]]]);
    expect(graph.output.map(io)).toEqual([[OUTPUT_NAME, onnx.TensorProto.DataType.FLOAT, ['batch', 1]]]);
  });

  it('standardises with Sub + Div and runs each layer as MatMul + Add (+ activation)', () => {
    expect(graph.node.map((n) => n.opType)).toEqual(['Sub', 'Div', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add']);
    expect(graph.node.at(-1)!.output).toEqual([OUTPUT_NAME]);
    const inits = graph.initializer as onnx.TensorProto[];
    expect(inits.every((t) => t.dataType === onnx.TensorProto.DataType.FLOAT)).toBe(true);
    expect(inits.map((t) => [t.name, t.dims.map(Number)])).toEqual([
      ['input_mean', [6]], ['input_scale', [6]], ['layer0_weight', [6, 4]], ['layer0_bias', [4]],
      ['layer1_weight', [4, 3]], ['layer1_bias', [3]], ['layer2_weight', [3, 1]], ['layer2_bias', [1]],
    ]);
    const weight = inits.find((t) => t.name === 'layer1_weight')!;
    const raw = new DataView(weight.rawData.buffer, weight.rawData.byteOffset, weight.rawData.byteLength);
    expect(Array.from({ length: 12 }, (_, i) => raw.getFloat32(i * 4, true))).toEqual(Array.from(spec.layers[1].weights, Math.fround));
  });

  it('carries the feature list and imputation means as metadata_props strings', () => {
    const meta = readOnnxMetadata(exportOnnx(spec));
    expect(JSON.parse(meta[META_FEATURES])).toEqual(spec.features);
    expect(JSON.parse(meta[META_INPUT_MEAN])).toEqual(Array.from(spec.inputMean));
  });

  it('is byte-for-byte reproducible (the registry hashes it)', () => {
    expect(Buffer.from(exportOnnx(spec)).equals(Buffer.from(exportOnnx(spec)))).toBe(true);
  });
});

describe('verifyOnnx refuses', () => {
  const spec = randomModelSpec({ kind: 'mlp', features: 8, hidden: [6, 4], seed: 21 });
  const x = randomInputs(spec, 50, 22);
  const bytes = exportOnnx(spec);
  const expected = predict(spec, x, 50);

  it.each<[string, (e: Float64Array) => void, number]>([
    ['one row off by 1e-3', (e) => { e[17] += 1e-3; }, 1e-3],
    ['one row off by 2e-5', (e) => { e[3] -= 2e-5; }, 2e-5],
    ['a NaN expectation', (e) => { e[0] = NaN; }, Infinity],
  ])('a wrong expected: %s', async (_name, corrupt, diff) => {
    const wrong = expected.slice();
    corrupt(wrong);
    const error = await verifyOnnx(bytes, spec, x, 50, wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxVerificationError);
    expect((error as OnnxVerificationError).maxAbsDiff).toBeCloseTo(diff, 6);
    expect((error as Error).message).toMatch(/exceeds 0.00001/);
  });

  it('honours a looser tolerance', async () => {
    const wrong = expected.slice();
    wrong[5] += 1e-3;
    expect((await verifyOnnx(bytes, spec, x, 50, wrong, 2e-3)).maxAbsDiff).toBeCloseTo(1e-3, 6);
  });

  it('a graph exported for other features, and bytes that are no model', async () => {
    const other = { ...spec, features: spec.features.map((f) => `${f}_v2`) };
    await expect(verifyOnnx(exportOnnx(other), spec, x, 50, expected)).rejects.toThrow(/exported for features/);
    await expect(verifyOnnx(Uint8Array.of(1, 2, 3, 4, 5), spec, x, 50, expected)).rejects.toBeInstanceOf(OnnxVerificationError);
  });

  it('a graph for another feature count (onnxruntime refuses the input)', async () => {
    const wider = randomModelSpec({ kind: 'ridge', features: 9, seed: 1 });
    // Without the feature list in its metadata only onnxruntime's shape check stands in the way.
    const model = onnx.ModelProto.decode(exportOnnx(wider));
    model.metadataProps = [];
    const error = await verifyOnnx(onnx.ModelProto.encode(model).finish(), spec, x, 50, expected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxVerificationError);
    expect((error as Error).message).toMatch(/onnxruntime could not run the graph: .*dimension/i);
  });

  it('a graph with other tensor names (Triton and the router address features/prediction)', async () => {
    const model = onnx.ModelProto.decode(bytes);
    model.graph!.input![0].name = 'x';
    model.graph!.node![0].input![0] = 'x';
    const error = await verifyOnnx(onnx.ModelProto.encode(model).finish(), spec, x, 50, expected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxVerificationError);
    expect((error as Error).message).toMatch(/graph inputs \[x\] → outputs \[prediction\], expected \[features\] → \[prediction\]/);
  });

  it('mis-sized verification data before running anything', async () => {
    await expect(verifyOnnx(bytes, spec, x.subarray(1), 50, expected)).rejects.toThrow(/x has 399 values, expected rows × features = 50 × 8/);
    await expect(verifyOnnx(bytes, spec, x, 50, expected.subarray(1))).rejects.toThrow(/expected has 49 values/);
  });
});

describe('onnxruntime on the exported graph', () => {
  const spec = randomModelSpec({ kind: 'ridge', features: 3, seed: 31 });
  const bytes = exportOnnx(spec);

  it.each<[string, Float64Array, number, number]>([
    ['a column too many', new Float64Array(8), 2, 4],
    ['a column too few', new Float64Array(4), 2, 2],
  ])('refuses wrong-shaped input: %s', async (_name, x, rows, columns) => {
    await expect(runOnnx(bytes, x, rows, columns)).rejects.toThrow(/invalid dimensions for input: features/i);
  });

  it('accepts any batch size (the batch dimension is symbolic)', async () => {
    for (const rows of [1, 7]) {
      const x = randomInputs(spec, rows, rows);
      expect((await runOnnx(bytes, x, rows, 3)).dims).toEqual([rows, 1]);
    }
  });
});
