/**
 * Test-only: makes the typed-array constructors of a jest test file those of Node's main realm. onnxruntime's
 * native addon builds its output arrays in the main realm while onnxruntime-common (loaded inside jest's vm
 * context) checks them with `instanceof` against the sandbox's constructors, so every run fails under jest
 * and nowhere else. Import this before anything that loads onnxruntime-node.
 */
import vm from 'node:vm';

const NAMES = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'] as const;

const g = globalThis as unknown as Record<string, unknown>;
for (const name of NAMES) {
  const main = vm.runInThisContext(name) as unknown;
  if (g[name] !== main) g[name] = main;
}
