/**
 * What the model pieces agree on: a trained model as plain numbers (the trainer produces it, the ONNX exporter
 * turns it into a graph, the reference forward pass checks the export), and the registry's records.
 */

/** One fully connected layer: y = activation(x · W + b), W row-major [inputs][outputs]. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float64Array;
  bias: Float64Array;
  activation: 'linear' | 'relu' | 'tanh';
}

/**
 * A trained model. Inputs are the named features in `features` order; before the layers each is standardised,
 * z = (x − mean) / scale. Missing inputs are not the model's business: callers impute (the trainer and the
 * router's /v1/score use `inputMean`, i.e. z = 0) and the served graph refuses nothing but expects finite input.
 */
export interface ModelSpec {
  kind: 'ridge' | 'mlp';
  features: string[];
  inputMean: Float64Array;
  inputScale: Float64Array;
  /** Ridge: one linear layer [F → 1]; MLP: hidden layers then a linear [H → 1]. */
  layers: DenseLayer[];
}

/** Tensor names of every exported graph (Triton's config.pbtxt and KServe v2 requests use them). */
export const INPUT_NAME = 'features';
export const OUTPUT_NAME = 'prediction';

export const STAGES = ['none', 'staging', 'production'] as const;
export type Stage = (typeof STAGES)[number];

/** The metrics every evaluation reports (keys as `gogooku3 eval metrics` prints them). */
export interface EvalMetrics {
  ic: number | null;
  rank_ic: number | null;
  icir: number | null;
  rmse: number | null;
  sharpe: number | null;
  jpx_sharpe: number | null;
}

/** Stored beside each registered version (`<model>/<version>/metadata.json`). */
/** `external`: an ONNX graph an external trainer image produced (docs/training.md); no ModelSpec behind it. */
export type ModelKind = ModelSpec['kind'] | 'external';

export interface ModelVersionMetadata {
  model: string;
  version: number;
  kind: ModelKind;
  featureSet: string;
  featureSetVersion: string;
  features: string[];
  /** Imputation values for missing inputs, in `features` order (the training means). */
  inputMean: number[];
  target: string;
  trainingRange: { from: string; to: string };
  metrics: EvalMetrics;
  /** Metrics on the golden set (fixed sessions), for the regression check of later versions. */
  goldenMetrics?: EvalMetrics;
  /** max |ONNX − trainer| on the verification rows; registration requires <= 1e-5. */
  onnxMaxAbsDiff: number;
  gitSha: string | null;
  seed: number;
  stage: Stage;
  createdAt: string;
  sha256: string;
}
