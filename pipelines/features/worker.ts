/**
 * A feature worker thread: computes series features and cross-sectional transforms into shared memory.
 * Inputs arrive once (init); every task names features and row ranges, so no values are copied.
 */
import { parentPort } from 'node:worker_threads';
import { computeSeriesRange } from './compute';
import { transformBuckets } from './cross-section';
import type { SeriesFeature, SeriesInput } from './define';
import { FEATURES } from './registry';
import type { WorkerRequest, SharedColumn } from './worker-protocol';

const view = (c: SharedColumn) => new Float64Array(c.buffer, c.byteOffset, c.length);

let tickerStart: Int32Array<ArrayBufferLike> = new Int32Array(0);
let inputs: Partial<Record<SeriesInput, Float64Array>> = {};

parentPort!.on('message', (message: WorkerRequest) => {
  try {
    switch (message.kind) {
      case 'init':
        tickerStart = new Int32Array(message.tickerStart);
        inputs = Object.fromEntries(Object.entries(message.inputs).map(([k, c]) => [k, view(c)]));
        break;
      case 'series': {
        const defs = message.names.map((n) => FEATURES.get(n) as SeriesFeature);
        const targets = Object.fromEntries(Object.entries(message.targets).map(([k, c]) => [k, view(c)]));
        computeSeriesRange(tickerStart, inputs, defs, message.k0, message.k1, targets, message.offset);
        break;
      }
      case 'cross':
        transformBuckets(view(message.base), new Int32Array(message.bucket), message.count, message.spec, view(message.out));
        break;
    }
    parentPort!.postMessage({ id: message.id, ok: true });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
