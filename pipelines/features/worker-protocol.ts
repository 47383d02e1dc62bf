/** Messages between the feature engine and its worker threads (worker-pool.ts ↔ worker.ts). */
import type { CrossSectionSpec } from './cross-section';

/** A Float64Array over shared memory, as it crosses a thread boundary. */
export interface SharedColumn {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

export type WorkerRequest =
  | { id: number; kind: 'init'; tickerStart: SharedArrayBuffer; inputs: Record<string, SharedColumn> }
  | { id: number; kind: 'series'; names: string[]; k0: number; k1: number; offset: number; targets: Record<string, SharedColumn> }
  | { id: number; kind: 'cross'; base: SharedColumn; bucket: SharedArrayBuffer; count: number; spec: CrossSectionSpec; out: SharedColumn };

export type WorkerReply = { id: number; ok: true } | { id: number; ok: false; error: string };

/** A Float64Array backed by shared memory (workers write it, the main thread reads it). */
export function sharedColumn(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export function toShared(x: Float64Array): SharedColumn {
  if (!(x.buffer instanceof SharedArrayBuffer)) throw new TypeError('column is not in shared memory');
  return { buffer: x.buffer, byteOffset: x.byteOffset, length: x.length };
}
