import './jest-realm';
import { silentLogger } from '../log';
import { onnxRuntimeFactory, type BackendFactory } from './backends';
import { ModelManager } from './deployment';
import { ModelLoadError } from './errors';
import { MemoryModelSource } from './test-support';
import type { WeightsConfig } from './weights';

const config = (...variants: Array<[string, number | 'production' | 'staging', number]>): WeightsConfig => ({
  models: [{ name: 'alpha', sticky: false, variants: variants.map(([name, version, weight]) => ({ name, version, weight })) }],
});

function tracked() {
  const created: string[] = [];
  const closed: string[] = [];
  const base = onnxRuntimeFactory();
  const factory: BackendFactory = async (spec) => {
    const backend = await base(spec);
    created.push(`v${spec.version}`);
    return { infer: (x, r, f) => backend.infer(x, r, f), close: async () => { closed.push(`v${spec.version}`); await backend.close(); } };
  };
  return { factory, created, closed };
}

const source = () => new MemoryModelSource([
  { name: 'alpha', version: 3, weights: [1, 0], bias: 0, stage: 'production' },
  { name: 'alpha', version: 4, weights: [0, 1], bias: 0, stage: 'staging' },
  { name: 'alpha', version: 5, weights: [1, 1], bias: 0 },
]);

describe('ModelManager', () => {
  test('loads every variant, resolving stage aliases to versions', async () => {
    const t = tracked();
    const m = new ModelManager(source(), t.factory, silentLogger);
    const d = await m.apply(config(['champion', 'production', 90], ['challenger', 'staging', 10]));
    const alpha = d.models.get('alpha')!;
    expect(alpha.variants.map((v) => [v.name, v.requested, v.loaded.version])).toEqual([['champion', 'production', 3], ['challenger', 'staging', 4]]);
    expect([...alpha.versions.keys()]).toEqual([3, 4]);
    expect(m.current()).toBe(d);
    await m.close();
    expect(t.closed.sort()).toEqual(['v3', 'v4']);
  });

  test('a reload reuses loaded versions, loads only new ones, and closes the dropped ones', async () => {
    const t = tracked();
    const src = source();
    const m = new ModelManager(src, t.factory, silentLogger);
    await m.apply(config(['champion', 3, 90], ['challenger', 4, 10]));
    const before = m.current()!.models.get('alpha')!.variants[0].loaded;
    await m.apply(config(['champion', 3, 50], ['challenger', 5, 50]));
    const after = m.current()!.models.get('alpha')!;
    expect(after.variants[0].loaded).toBe(before);
    expect(after.variants.map((v) => v.weight)).toEqual([50, 50]);
    expect(t.created).toEqual(['v3', 'v4', 'v5']);
    expect(src.loads.map((l) => l.version)).toEqual([3, 4, 5]);
    await new Promise((r) => setImmediate(r));
    expect(t.closed).toEqual(['v4']);
    await m.close();
  });

  test('two variants on one version (a stage alias and its number) share one backend', async () => {
    const t = tracked();
    const m = new ModelManager(source(), t.factory, silentLogger);
    const d = await m.apply(config(['champion', 3, 1], ['shadow', 'production', 1]));
    const [a, b] = d.models.get('alpha')!.variants;
    expect(a.loaded).toBe(b.loaded);
    expect(t.created).toEqual(['v3']);
    expect(d.models.get('alpha')!.versions.get(3)!.name).toBe('champion');
    await m.close();
  });

  test.each([
    ['an unregistered version', config(['champion', 3, 1], ['challenger', 9, 1]), /alpha v9: model alpha version 9 is not registered/],
  ])('%s: the apply fails, the previous deployment stays, new backends are closed', async (_case, next, message) => {
    const t = tracked();
    const m = new ModelManager(source(), t.factory, silentLogger);
    const first = await m.apply(config(['champion', 4, 1]));
    await expect(m.apply(next)).rejects.toThrow(ModelLoadError);
    await expect(m.apply(next)).rejects.toThrow(message);
    expect(m.current()).toBe(first);
    expect(t.closed).toContain('v3');
    expect(t.closed).not.toContain('v4');
    await m.close();
  });

  test('metadata that contradicts itself is refused', async () => {
    const src = new MemoryModelSource([{ name: 'alpha', version: 3, weights: [1, 0], bias: 0, inputMean: [0] }]);
    const m = new ModelManager(src, onnxRuntimeFactory(), silentLogger);
    await expect(m.apply(config(['champion', 3, 1]))).rejects.toThrow(/alpha v3: metadata.inputMean must hold 2 finite numbers/);
    expect(m.current()).toBeUndefined();
  });

  test('the switch happens only after every version is loaded', async () => {
    const src = source();
    const m = new ModelManager(src, onnxRuntimeFactory(), silentLogger);
    const first = await m.apply(config(['champion', 3, 1]));
    let release!: () => void;
    src.gate = () => new Promise<void>((r) => { release = r; });
    const pending = m.apply(config(['champion', 3, 1], ['challenger', 4, 1]));
    await new Promise((r) => setTimeout(r, 20));
    expect(m.current()).toBe(first);
    release();
    const second = await pending;
    expect(m.current()).toBe(second);
    expect(second.models.get('alpha')!.variants).toHaveLength(2);
    await m.close();
  });

  test('a retired version stays open until its in-flight inference finishes', async () => {
    const closed: number[] = [];
    let finish!: () => void;
    const base = onnxRuntimeFactory();
    const factory: BackendFactory = async (spec) => {
      const backend = await base(spec);
      return {
        infer: async (x, r, f) => { if (spec.version === 3) await new Promise<void>((res) => { finish = res; }); return backend.infer(x, r, f); },
        close: async () => { closed.push(spec.version); await backend.close(); },
      };
    };
    const m = new ModelManager(source(), factory, silentLogger);
    const d = await m.apply(config(['champion', 3, 1]));
    const running = d.models.get('alpha')!.variants[0].loaded.infer(Float32Array.from([2, 5]), 1);
    await m.apply(config(['champion', 4, 1]));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toEqual([]);
    finish();
    expect(Array.from(await running)).toEqual([2]);
    await new Promise((r) => setImmediate(r));
    expect(closed).toEqual([3]);
    await m.close();
  });
});
