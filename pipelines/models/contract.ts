/**
 * The environment an external trainer image receives (docs/training.md, "What the image receives"), computed
 * when the training job starts: a CronJob's spec is fixed, but the training range must end at the latest
 * session whose label is known on the day it runs.
 */
import type { TseCalendar } from '../calendar';
import { latestCompleteSession } from '../run/session';

export interface ContractOptions {
  /** The FeatureSet (or feature-set name) the features come from. */
  featureSet: string;
  /** Version of the feature manifest the lake's features were computed with. */
  featureSetVersion: string;
  /** Model input columns, in order. */
  features: readonly string[];
  target: string;
  /** Sessions a label looks ahead: the latest `horizon` sessions have no label yet. */
  horizon: number;
  embargo: number;
  folds: number;
  /** Training sessions, counted back from the latest labelled session. */
  sessions: number;
  seed: number;
  outputDir: string;
}

export class ContractError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'ContractError';
  }
}

/** The G3_* variables, in the order docs/training.md lists them. */
export function trainingContract(calendar: TseCalendar, now: Date, o: ContractOptions): Record<string, string> {
  if (o.features.length === 0) throw new ContractError('features', 'expected at least one feature');
  if (!(o.embargo >= o.horizon)) throw new ContractError('embargo', `must be >= the horizon (${o.horizon}), got ${o.embargo}`);
  if (!(o.folds >= 2)) throw new ContractError('folds', `expected at least 2, got ${o.folds}`);
  if (!(o.sessions >= o.folds)) throw new ContractError('sessions', `expected at least one session per fold (${o.folds}), got ${o.sessions}`);
  let to = latestCompleteSession(calendar, now);
  for (let i = 0; i < o.horizon; i++) to = calendar.prev(to);
  const history = calendar.sessions(calendar.minDate, to);
  if (history.length < o.sessions) throw new ContractError('sessions', `${o.sessions} sessions before ${to} reach past the calendar's first date ${calendar.minDate}`);
  const from = history[history.length - o.sessions];
  return {
    G3_FEATURE_SET: o.featureSet,
    G3_FEATURE_SET_VERSION: o.featureSetVersion,
    G3_FEATURES: o.features.join(','),
    G3_TARGET: o.target,
    G3_TRAIN_FROM: from,
    G3_TRAIN_TO: to,
    G3_CV_FOLDS: String(o.folds),
    G3_CV_HORIZON: String(o.horizon),
    G3_CV_EMBARGO: String(o.embargo),
    G3_SEED: String(o.seed),
    G3_OUTPUT_DIR: o.outputDir,
  };
}

/** A POSIX shell quote: the value between single quotes, each ' written as '\''. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** `export NAME='value'` lines a POSIX shell sources (`. file`) before running the trainer. */
export function formatEnvFile(vars: Record<string, string>): string {
  return Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join('');
}

/** The variables of a file `formatEnvFile` wrote; any other line is refused (the file is ours, not the user's). */
export function parseEnvFile(text: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^export ([A-Z][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line);
    if (!m) throw new ContractError(source, `line ${i + 1} is not an export NAME='value' line`);
    out[m[1]] = m[2].replace(/'\\''/g, "'");
  });
  return out;
}

/** What a trained model reports about itself (metrics.json), as far as the contract fixes it. */
export interface ContractedModel {
  features: readonly string[];
  featureSetVersion: string;
  target: string;
  trainingRange: { from: string; to: string };
  seed: number;
}

/** Where the model departs from the contract it was trained under: one "field: expected …, got …" line each. */
export function contractMismatches(contract: Record<string, string>, model: ContractedModel): string[] {
  const problems: string[] = [];
  const check = (field: string, expected: string | undefined, got: string) => {
    if (expected === undefined) problems.push(`${field}: the contract has no value`);
    else if (expected !== got) problems.push(`${field}: expected ${JSON.stringify(expected)} (contract), got ${JSON.stringify(got)}`);
  };
  check('features', contract.G3_FEATURES, model.features.join(','));
  check('feature_set_version', contract.G3_FEATURE_SET_VERSION, model.featureSetVersion);
  check('target', contract.G3_TARGET, model.target);
  check('training_range.from', contract.G3_TRAIN_FROM, model.trainingRange.from);
  check('training_range.to', contract.G3_TRAIN_TO, model.trainingRange.to);
  check('seed', contract.G3_SEED, String(model.seed));
  return problems;
}
