import './jest-realm';
import { onnx } from 'onnx-proto';
import { BackendError, ModelLoadError } from './errors';
import { OnnxRuntimeBackend } from './backends';
import { linearModelOnnx, linearReference } from './test-support';

describe('OnnxRuntimeBackend', () => {
  const weights = [0.5, -1.25, 2, 0.125];
  const bias = 0.75;

  test('runs the graph: one prediction per row, equal to x · W + b in float32', async () => {
    const backend = await OnnxRuntimeBackend.create(linearModelOnnx(weights, bias), 'linear v1');
    try {
      const rows = [[1, 2, 3, 4], [0, 0, 0, 0], [-3.5, 1e3, 0.001, 7]];
      const out = await backend.infer(Float32Array.from(rows.flat()), rows.length, weights.length);
      expect(out).toBeInstanceOf(Float32Array);
      const want = linearReference(weights, bias, rows);
      out.forEach((y, i) => expect(y).toBeCloseTo(want[i], 3));
    } finally {
      await backend.close();
    }
  });

  test('bytes that are not a model are a ModelLoadError naming the version', async () => {
    await expect(OnnxRuntimeBackend.create(Uint8Array.from([1, 2, 3, 4]), 'alpha v9')).rejects.toThrow(ModelLoadError);
    await expect(OnnxRuntimeBackend.create(Uint8Array.from([1, 2, 3, 4]), 'alpha v9')).rejects.toThrow(/^alpha v9: onnxruntime cannot load the model/);
  });

  test('a graph without the "features" input is refused at load', async () => {
    const model = onnx.ModelProto.decode(linearModelOnnx(weights, bias));
    model.graph!.input![0].name = 'x';
    model.graph!.node![0].input![0] = 'x';
    await expect(OnnxRuntimeBackend.create(onnx.ModelProto.encode(model).finish(), 'alpha v2')).rejects.toThrow(/must take "features" and produce "prediction", it has inputs x; outputs prediction/);
  });

  test('input of the wrong width fails the run with a 500 BackendError', async () => {
    const backend = await OnnxRuntimeBackend.create(linearModelOnnx(weights, bias), 'linear v1');
    try {
      const error = await backend.infer(new Float32Array(6), 2, 3).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).status).toBe(500);
      expect((error as Error).message).toMatch(/^linear v1: onnxruntime run failed/);
    } finally {
      await backend.close();
    }
  });
});
