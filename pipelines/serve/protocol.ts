/**
 * The Open Inference Protocol (KServe v2) JSON body as the router speaks it, and /v1/score's body: schemas
 * and pure conversions between JSON and the flat Float32Array a backend runs on. The envelope is checked with
 * zod; the tensor data with a plain loop (it is the hot path and may hold thousands of numbers).
 */
import { z } from 'zod';
import { INPUT_NAME, OUTPUT_NAME } from '../models/types';
import { BadRequestError } from './errors';

export const PLATFORM = 'onnxruntime_onnx';
export const ACCEPTED_DATATYPES = ['FP32', 'FP64'] as const;

/** `inputs[0].shape` from zod's path ['inputs', 0, 'shape']. */
export function fieldPath(path: ReadonlyArray<PropertyKey>, root = ''): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(body)';
}

export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>, root = ''): string {
  return issues.map((issue) => `${fieldPath(issue.path, root)}: ${issue.message}`).join('; ');
}

/**
 * Parses a request body. Python's json and numpy emit bare `NaN` / `Infinity` tokens, which are not JSON; with
 * `nonFinite` such a body is re-read with those tokens as strings, so validation can name the row and column
 * instead of answering "malformed JSON".
 */
export function parseJsonBody(text: string, nonFinite = false): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const quoted = nonFinite ? quoteNonFiniteTokens(text) : text;
    if (quoted !== text) {
      try {
        return JSON.parse(quoted);
      } catch {
        // Report the original problem below.
      }
    }
    throw new BadRequestError(`request body: malformed JSON (${(error as Error).message})`);
  }
}

/** Wraps bare NaN, Infinity and -Infinity outside string literals in quotes; leaves all else as it is. */
export function quoteNonFiniteTokens(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    const m = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (m && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i + m[1].length] ?? '')) {
      out += `${text.slice(last, i)}"${m[1]}"`;
      i += m[1].length - 1;
      last = i + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

const parameters = z.record(z.string(), z.unknown()).optional();

const TensorInputSchema = z.object({
  name: z.string({ error: 'expected a string' }),
  shape: z.array(z.number().int().nonnegative(), { error: 'expected an array of non-negative integers' }),
  datatype: z.string({ error: 'expected a string' }),
  parameters,
  // Checked as an array only: the values are checked (and converted) in one pass by toFloat32, without the
  // per-element copy z.array would make of a possibly large tensor.
  data: z.custom<unknown[]>((v) => Array.isArray(v), 'expected an array of numbers'),
});

export const InferRequestSchema = z.object({
  id: z.string({ error: 'expected a string' }).optional(),
  parameters,
  inputs: z.array(TensorInputSchema, { error: 'expected an array of tensors' }).min(1, 'expected at least one tensor'),
  outputs: z.array(z.object({ name: z.string({ error: 'expected a string' }), parameters })).optional(),
});

export type InferRequestBody = z.infer<typeof InferRequestSchema>;

/** What a validated infer request hands to a backend. */
export interface InferInput {
  id?: string;
  rows: number;
  data: Float32Array;
}

export interface InputLimits {
  /** F: the model's feature count. */
  features: number;
  maxBatch: number;
}

const describe = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : String(v));

/**
 * Validates a parsed JSON body against the model's signature and converts its tensor to float32. FP64 is
 * accepted and narrowed; a value that is not a finite number, or overflows float32, is refused with its
 * row and column.
 */
export function parseInferRequest(body: unknown, limits: InputLimits): InferInput {
  const parsed = InferRequestSchema.safeParse(body);
  if (!parsed.success) throw new BadRequestError(formatIssues(parsed.error.issues));
  const { id, inputs, outputs } = parsed.data;
  const F = limits.features;
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i].name !== INPUT_NAME) throw new BadRequestError(`inputs[${i}].name: unknown input ${JSON.stringify(inputs[i].name)}; the model takes one input "${INPUT_NAME}"`);
  }
  if (inputs.length !== 1) throw new BadRequestError(`inputs: expected exactly one tensor "${INPUT_NAME}", got ${inputs.length}`);
  outputs?.forEach((o, i) => {
    if (o.name !== OUTPUT_NAME) throw new BadRequestError(`outputs[${i}].name: unknown output ${JSON.stringify(o.name)}; the model has one output "${OUTPUT_NAME}"`);
  });
  const input = inputs[0];
  if (!(ACCEPTED_DATATYPES as readonly string[]).includes(input.datatype)) {
    throw new BadRequestError(`inputs[0].datatype: expected one of ${ACCEPTED_DATATYPES.join(', ')}, got ${JSON.stringify(input.datatype)}`);
  }
  const { shape } = input;
  if (shape.length !== 2 || shape[1] !== F) {
    throw new BadRequestError(`inputs[0].shape: expected [n, ${F}] (n rows of the model's ${F} features), got ${JSON.stringify(shape)}`);
  }
  const rows = shape[0];
  if (rows < 1) throw new BadRequestError(`inputs[0].shape: expected n >= 1 rows, got ${rows}`);
  if (rows > limits.maxBatch) throw new BadRequestError(`inputs[0].shape: ${rows} rows exceed the maximum batch of ${limits.maxBatch}`);
  return { id, rows, data: toFloat32(input.data, rows, F, input.datatype === 'FP32') };
}

/** Row-major data, flat ([n·F]) or nested by row ([n][F]), into a Float32Array; refuses non-finite cells. */
function toFloat32(data: unknown[], rows: number, F: number, fp32: boolean): Float32Array {
  const out = new Float32Array(rows * F);
  const nested = data.length > 0 && Array.isArray(data[0]);
  if (nested) {
    if (data.length !== rows) throw new BadRequestError(`inputs[0].data: expected ${rows} rows for shape [${rows}, ${F}], got ${data.length}`);
    for (let r = 0; r < rows; r++) {
      const row = data[r];
      if (!Array.isArray(row) || row.length !== F) throw new BadRequestError(`inputs[0].data[${r}]: expected an array of ${F} numbers`);
      for (let c = 0; c < F; c++) out[r * F + c] = cell(row[c], r, c, fp32);
    }
    return out;
  }
  if (data.length !== rows * F) throw new BadRequestError(`inputs[0].data: expected ${rows * F} values for shape [${rows}, ${F}], got ${data.length}`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // The common case stays branch-light; everything else goes through cell() for its message.
    if (typeof v === 'number' && Number.isFinite(v)) {
      out[i] = v;
      if (Number.isFinite(out[i])) continue;
    }
    out[i] = cell(v, Math.floor(i / F), i % F, fp32);
  }
  return out;
}

function cell(v: unknown, r: number, c: number, fp32: boolean): number {
  const at = `inputs[0].data: row ${r}, column ${c}`;
  if (typeof v !== 'number') {
    if (typeof v === 'string' && /^[+-]?(nan|inf|infinity)$/i.test(v)) throw new BadRequestError(`${at} is ${v}; values must be finite`);
    throw new BadRequestError(`${at}: expected a number, got ${describe(v)}`);
  }
  if (!Number.isFinite(v)) throw new BadRequestError(`${at} is ${v}; values must be finite`);
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new BadRequestError(`${at}: ${v} overflows ${fp32 ? 'FP32' : 'FP64 narrowed to FP32'}`);
  return f;
}

export interface InferResponseBody {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: Array<{ name: string; shape: number[]; datatype: 'FP32'; data: number[] }>;
}

export function inferResponse(model: string, version: number, id: string | undefined, predictions: Float32Array): InferResponseBody {
  const body: InferResponseBody = { model_name: model, model_version: String(version), outputs: [] };
  if (id !== undefined) body.id = id;
  body.outputs.push({ name: OUTPUT_NAME, shape: [predictions.length, 1], datatype: 'FP32', data: Array.from(predictions) });
  return body;
}

/** The request a remote KServe v2 peer (Triton, or another router) receives. */
export function inferRequest(data: Float32Array, rows: number, features: number): InferRequestBody {
  return {
    inputs: [{ name: INPUT_NAME, shape: [rows, features], datatype: 'FP32', data: Array.from(data) }],
    outputs: [{ name: OUTPUT_NAME }],
  };
}

const InferResponseSchema = z.object({
  outputs: z.array(z.object({
    name: z.string(),
    shape: z.array(z.number().int().nonnegative()),
    datatype: z.string(),
    data: z.array(z.number()),
  })),
});

/** A peer's response back into predictions; anything but `prediction` [rows, 1] of numbers is a protocol error. */
export function parseInferResponse(body: unknown, rows: number): Float32Array {
  const parsed = InferResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error(formatIssues(parsed.error.issues, 'response'));
  const out = parsed.data.outputs.find((o) => o.name === OUTPUT_NAME);
  if (!out) throw new Error(`response.outputs: no output "${OUTPUT_NAME}"`);
  const size = out.shape.reduce((a, b) => a * b, 1);
  if (out.shape[0] !== rows || size !== rows || out.data.length !== rows) {
    throw new Error(`response.outputs: "${OUTPUT_NAME}" has shape ${JSON.stringify(out.shape)} and ${out.data.length} values, expected [${rows}, 1]`);
  }
  if (out.datatype !== 'FP32' && out.datatype !== 'FP64') throw new Error(`response.outputs: "${OUTPUT_NAME}" has datatype ${out.datatype}, expected FP32`);
  return Float32Array.from(out.data);
}

export interface TensorMetadata {
  name: string;
  datatype: 'FP32';
  shape: number[];
}

export interface ModelMetadataBody {
  name: string;
  versions: string[];
  platform: typeof PLATFORM;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** -1 is the variable batch dimension (the graph's dimParam 'batch'). */
export function modelMetadata(name: string, versions: readonly number[], features: number): ModelMetadataBody {
  return {
    name,
    versions: versions.map(String),
    platform: PLATFORM,
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, features] }],
    outputs: [{ name: OUTPUT_NAME, datatype: 'FP32', shape: [-1, 1] }],
  };
}

export const ScoreRequestSchema = z.object({
  tickers: z.array(z.string({ error: 'expected ticker codes as strings' }).min(1, 'expected a non-empty ticker code'), { error: 'expected an array of ticker codes' })
    .min(1, 'expected at least one ticker'),
  model: z.string({ error: 'expected a model name' }).optional(),
});

export type ScoreRequestBody = z.infer<typeof ScoreRequestSchema>;

export function parseScoreRequest(body: unknown, maxBatch: number): ScoreRequestBody {
  const parsed = ScoreRequestSchema.safeParse(body);
  if (!parsed.success) throw new BadRequestError(formatIssues(parsed.error.issues));
  if (parsed.data.tickers.length > maxBatch) throw new BadRequestError(`tickers: ${parsed.data.tickers.length} tickers exceed the maximum batch of ${maxBatch}`);
  return parsed.data;
}
