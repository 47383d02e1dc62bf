/**
 * Reads what an external trainer image leaves in its output directory (docs/training.md): model.onnx,
 * metrics.json and verification.json, validated into a registry registration.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { RegisterInput } from './registry';
import { formatIssues } from './registry-support';
import { METRIC_KEYS } from './registry-support';

export class ExternalModelError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ExternalModelError';
  }
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const metrics = z.object(Object.fromEntries(METRIC_KEYS.map((k) => [k, z.number().nullable()])) as Record<(typeof METRIC_KEYS)[number], z.ZodNullable<z.ZodNumber>>);

export const externalMetricsSchema = z.object({
  features: z.array(z.string().min(1)).min(1),
  input_mean: z.array(z.number()),
  target: z.string().min(1),
  feature_set: z.string().min(1).default('default'),
  feature_set_version: z.string().min(1),
  training_range: z.object({ from: isoDate, to: isoDate }),
  seed: z.number().int(),
  git_sha: z.string().min(1).nullable().default(null),
  metrics,
  golden_metrics: metrics.optional(),
  folds: z.array(z.object({ fold: z.number().int(), metrics })).optional(),
});

export const verificationSchema = z.object({
  rows: z.number().int().min(1),
  x: z.array(z.array(z.number())),
  expected: z.array(z.number()),
});

/** The minimum verification sample docs/training.md asks for. */
export const MIN_VERIFICATION_ROWS = 256;

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new ExternalModelError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExternalModelError(file, `not JSON: ${(error as Error).message}`);
  }
}

/** The registration an output directory describes; every file checked before anything is registered. */
export async function readExternalModel(dir: string, name: string): Promise<RegisterInput> {
  const onnxFile = path.join(dir, 'model.onnx');
  const onnx = await fs.readFile(onnxFile).catch((error: NodeJS.ErrnoException) => {
    throw new ExternalModelError(onnxFile, `cannot read: ${error.code ?? error.message}`);
  });
  const metricsFile = path.join(dir, 'metrics.json');
  const parsedMetrics = externalMetricsSchema.safeParse(await readJson(metricsFile));
  if (!parsedMetrics.success) throw new ExternalModelError(metricsFile, formatIssues(parsedMetrics.error));
  const m = parsedMetrics.data;
  if (m.input_mean.length !== m.features.length) throw new ExternalModelError(metricsFile, `input_mean has ${m.input_mean.length} values for ${m.features.length} features`);
  const verificationFile = path.join(dir, 'verification.json');
  const parsedVerification = verificationSchema.safeParse(await readJson(verificationFile));
  if (!parsedVerification.success) throw new ExternalModelError(verificationFile, formatIssues(parsedVerification.error));
  const v = parsedVerification.data;
  const F = m.features.length;
  if (v.rows < MIN_VERIFICATION_ROWS) throw new ExternalModelError(verificationFile, `rows ${v.rows}: at least ${MIN_VERIFICATION_ROWS} are required`);
  if (v.x.length !== v.rows || v.expected.length !== v.rows) throw new ExternalModelError(verificationFile, `x has ${v.x.length} rows and expected ${v.expected.length} values; rows says ${v.rows}`);
  const bad = v.x.findIndex((row) => row.length !== F || !row.every(Number.isFinite));
  if (bad >= 0) throw new ExternalModelError(verificationFile, `x[${bad}] must hold ${F} finite values (one per feature)`);
  return {
    name,
    external: { features: m.features, inputMean: m.input_mean },
    onnx,
    verification: { x: Float64Array.from(v.x.flat()), rows: v.rows, expected: Float64Array.from(v.expected) },
    metadata: {
      featureSet: m.feature_set, featureSetVersion: m.feature_set_version, target: m.target, trainingRange: m.training_range,
      metrics: m.metrics, goldenMetrics: m.golden_metrics, gitSha: m.git_sha, seed: m.seed,
    },
  };
}
