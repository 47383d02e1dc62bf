/**
 * The feature engine on worker threads, for large frames: price inputs are copied once into shared memory;
 * workers compute ticker ranges and cross-sectional transforms into shared columns; the caller's onBatch
 * (a writer) runs on this thread in ticker order while the next batches are computed. Bit-identical to the
 * in-thread engine: the same kernels run on the same slices. Flow features read through a callback, so they
 * are computed on this thread, batch by batch.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  computeFlowRange, crossBuckets, inputsOf, resolveFeatures, withBases,
  type ComputeContext, type ComputeOptions, type DateIndex, type FeatureBatch,
} from './compute';
import { dateIndexOf } from './cross-section';
import type { CrossSectionFeature, FeatureDef, FlowFeature } from './define';
import { rowCount, type PriceFrame } from './frame';
import { sharedColumn, toShared, type WorkerReply, type WorkerRequest } from './worker-protocol';

type Task = { request: Omit<WorkerRequest, 'id'>; resolve: () => void; reject: (e: Error) => void };
type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Whole workers only: at most one task per worker at a time, queued in submission order. */
export class FeatureWorkerPool {
  private readonly idle: Worker[];
  private readonly queue: Task[] = [];
  private readonly busy = new Map<Worker, Task>();
  private failure: Error | undefined;
  private nextId = 1;

  private constructor(private readonly workers: Worker[]) {
    this.idle = [...workers];
    for (const w of workers) {
      w.on('message', (reply: WorkerReply) => this.settle(w, reply.ok ? undefined : new Error(`feature worker: ${reply.error}`)));
      w.on('error', (error) => this.fail(error));
      w.on('exit', (code) => { if (code !== 0) this.fail(new Error(`feature worker exited with code ${code}`)); });
    }
  }

  /** Starts `size` workers and hands each the shared inputs. */
  static async start(size: number, tickerStart: Int32Array, inputs: Record<string, Float64Array>): Promise<FeatureWorkerPool> {
    const starts = new SharedArrayBuffer(tickerStart.byteLength);
    new Int32Array(starts).set(tickerStart);
    const shared = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, toShared(v)]));
    const workers = Array.from({ length: size }, () => new Worker(path.join(__dirname, 'worker-entry.js')));
    const pool = new FeatureWorkerPool(workers);
    await Promise.all(workers.map(() => pool.run({ kind: 'init', tickerStart: starts, inputs: shared })));
    return pool;
  }

  run(request: RequestBody): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('feature worker pool closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    // start() queues one init per worker while all are idle, so each worker gets exactly one.
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage({ ...task.request, id: this.nextId++ });
    }
  }

  private settle(worker: Worker, error?: Error): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    this.idle.push(worker);
    if (task) {
      if (error) task.reject(error);
      else task.resolve();
    }
    this.pump();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const task of [...this.busy.values(), ...this.queue]) task.reject(error);
    this.busy.clear();
    this.queue.length = 0;
  }
}

/**
 * Worker threads worth starting for a frame: none below ~200k rows (starting one costs ~0.3 s), else one per
 * CPU up to 4. This thread meanwhile mostly waits on the writer's disk I/O, so it does not need a CPU of its own.
 */
export function defaultWorkers(rows: number): number {
  return rows < 200_000 ? 0 : Math.min(4, availableParallelism());
}

/** Contiguous ticker ranges covering the frame, about `parts` of them by rows. */
function tickerRanges(frame: PriceFrame, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = rowCount(frame);
  let k0 = 0;
  for (let p = 1; p <= parts && k0 < frame.tickers.length; p++) {
    let k1 = k0 + 1;
    const limit = (n * p) / parts;
    while (k1 < frame.tickers.length && frame.tickerStart[k1 + 1] <= limit) k1++;
    out.push([k0, k1]);
    k0 = k1;
  }
  if (k0 < frame.tickers.length) out.push([k0, frame.tickers.length]);
  return out;
}

const isCross = (d: FeatureDef): d is CrossSectionFeature => d.kind === 'cross_section';

export async function computeFeatureBatchesParallel(
  frame: PriceFrame, names: readonly string[], ctx: ComputeContext,
  options: ComputeOptions & Required<Pick<ComputeOptions, 'onBatch'>>, workers: number,
): Promise<void> {
  const defs = resolveFeatures(names, ctx, frame);
  const all = withBases(defs);
  const n = rowCount(frame);
  let dates: DateIndex | undefined;
  const dateIndex = () => (dates ??= dateIndexOf(frame.date));
  const shared: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(inputsOf(frame, all, dateIndex))) {
    if (!column) continue;
    shared[name] = sharedColumn(column.length);
    shared[name].set(column);
  }
  const pool = await FeatureWorkerPool.start(workers, frame.tickerStart, shared);
  try {
    const full: Record<string, Float64Array> = {};
    const cross = defs.filter(isCross);
    if (cross.length > 0) {
      const bases = all.filter((d) => cross.some((c) => c.base === d.name));
      for (const b of bases) full[b.name] = sharedColumn(n);
      const seriesBases = bases.filter((b) => b.kind === 'series');
      const targets = Object.fromEntries(seriesBases.map((b) => [b.name, toShared(full[b.name])]));
      const flowBases = bases.filter((b): b is FlowFeature => b.kind === 'flows');
      if (flowBases.length > 0) computeFlowRange(ctx.investorFlows!, frame.tickerStart, flowBases, 0, frame.tickers.length, full, 0);
      await Promise.all(tickerRanges(frame, workers * 4).map(([k0, k1]) => pool.run({ kind: 'series', names: seriesBases.map((b) => b.name), k0, k1, offset: 0, targets })));
      const buckets = crossBuckets(frame, cross, dateIndex(), options.crossSectionDates);
      const sharedBuckets = new Map<Int32Array, SharedArrayBuffer>();
      for (const { bucket } of buckets.values()) {
        if (sharedBuckets.has(bucket)) continue;
        const sab = new SharedArrayBuffer(bucket.byteLength);
        new Int32Array(sab).set(bucket);
        sharedBuckets.set(bucket, sab);
      }
      await Promise.all(cross.map((d) => {
        const b = buckets.get(d)!;
        full[d.name] = sharedColumn(n);
        return pool.run({ kind: 'cross', base: toShared(full[d.base]), bucket: sharedBuckets.get(b.bucket)!, count: b.count, spec: d.spec, out: toShared(full[d.name]) });
      }));
      for (const b of bases) if (!names.includes(b.name)) delete full[b.name];
    }
    const rest = defs.filter((d) => !(d.name in full));
    const flows = rest.filter((d): d is FlowFeature => d.kind === 'flows');
    const addFlows = (k0: number, k1: number, targets: Record<string, Float64Array>, offset: number) => {
      if (flows.length > 0) computeFlowRange(ctx.investorFlows!, frame.tickerStart, flows, k0, k1, targets, offset);
    };
    await pipelineBatches(frame, names, rest.map((d) => d.name), rest.filter((d) => d.kind === 'series').map((d) => d.name), full, pool, workers, options, addFlows);
  } finally {
    await pool.close();
  }
}

/**
 * Batches computed on the pool while earlier ones are handed to onBatch, in order. Slots of shared output
 * buffers are reused once the batch that filled them has been handed over.
 */
async function pipelineBatches(
  frame: PriceFrame, names: readonly string[], rest: readonly string[], onPool: readonly string[], full: Record<string, Float64Array>,
  pool: FeatureWorkerPool, workers: number, options: ComputeOptions & Required<Pick<ComputeOptions, 'onBatch'>>,
  addFlows: (k0: number, k1: number, targets: Record<string, Float64Array>, offset: number) => void,
): Promise<void> {
  const batchRows = Math.max(1, options.batchRows ?? 262_144);
  const slotCount = workers + 1;
  const slots: Array<Record<string, Float64Array>> = [];
  const slotFree: Array<Promise<void>> = Array.from({ length: slotCount }, () => Promise.resolve());
  let handed: Promise<void> = Promise.resolve();
  let k0 = 0;
  for (let i = 0; k0 < frame.tickers.length; i++) {
    const rowFrom = frame.tickerStart[k0];
    let k1 = k0 + 1;
    while (k1 < frame.tickers.length && frame.tickerStart[k1 + 1] - rowFrom <= batchRows) k1++;
    const rowTo = frame.tickerStart[k1];
    const len = rowTo - rowFrom;
    const s = i % slotCount;
    await slotFree[s];
    if (!slots[s] || Object.values(slots[s]).some((c) => c.length < len)) {
      slots[s] = Object.fromEntries(rest.map((name) => [name, sharedColumn(Math.max(len, batchRows))]));
    }
    const views = Object.fromEntries(rest.map((name) => [name, slots[s][name].subarray(0, len)]));
    const computed = pool.run({ kind: 'series', names: [...onPool], k0, k1, offset: rowFrom, targets: Object.fromEntries(onPool.map((name) => [name, toShared(views[name])])) });
    computed.catch(() => undefined);
    const batch: FeatureBatch = {
      tickerFrom: k0, tickerTo: k1, rowFrom, rowTo,
      columns: Object.fromEntries(names.map((name) => [name, views[name] ?? full[name].subarray(rowFrom, rowTo)])),
    };
    const batchK0 = k0;
    const batchK1 = k1;
    handed = handed.then(async () => {
      await computed;
      addFlows(batchK0, batchK1, views, rowFrom);
      await options.onBatch(batch);
    });
    // Every link is awaited through a later one or at the end; marked handled so a failure surfaces once.
    handed.catch(() => undefined);
    slotFree[s] = handed;
    k0 = k1;
  }
  await handed;
}
