/**
 * The model half of `gogooku3 start`: train the reference models on what the pipeline just built, register them
 * (ridge as the champion, the MLP as the challenger), write the router's weights file, serve both through the
 * inference router on loopback and score the latest session's tickers through it.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { ModelRegistry } from '../models/registry';
import { loadTrainingData } from '../models/train/load';
import { goldenMetrics, goldenSessions } from '../models/train/golden';
import { simOracle, type SimMarket } from '../models/train/oracle';
import { train, type ModelKind, type TrainOptions, type TrainReport } from '../models/train/trainer';
import { DEFAULT_WATCHDOG } from '../models/train/watchdog';
import type { ModelVersionMetadata } from '../models/types';
import { InferenceRouter } from '../serve/server';
import { parseWeightsConfig } from '../serve/weights';
import { openStores, writeFileAtomic } from '../storage';

export const DEMO_MODEL = 'alpha';
const SEED = 42;
/** 90/10 with sticky routing: a request id always meets the same variant. */
const CHALLENGER_WEIGHT = 10;

export interface ModelDemoSummary {
  models: Array<{ kind: ModelKind; version: number; stage: string; reused: boolean; cvMean: TrainReport['mean']; oracle: TrainReport['oracle'] | null; earlyStopReason: string | null; seconds: number }>;
  weightsFile: string;
  router: {
    requests: number;
    byVariant: Record<string, number>;
    latencyMs: { p50: number; p95: number };
    scored: number;
    missing: number;
    asOf: string | null;
    top: Array<{ ticker: string; prediction: number }>;
  };
}

/** Small enough for a demo on two cores (the MLP's CPU backend trains ~15k rows/s), large enough to early-stop. */
function demoOptions(kind: ModelKind, range: { from: string; to: string }): TrainOptions {
  return {
    model: kind, folds: 5, horizon: 2, embargo: 2, seed: SEED, l2: kind === 'ridge' ? 1 : 0,
    mlp: { hidden: [32, 16], learningRate: 1e-3, batchSize: 512, maxEpochs: 8, patience: 3, stepsPerEpoch: 40, watchdog: DEFAULT_WATCHDOG },
    validationFraction: 0.1, verificationRows: 256, range,
  };
}

const sameTraining = (m: ModelVersionMetadata, kind: ModelKind, report: TrainReport) =>
  m.kind === kind && m.seed === report.seed && m.featureSetVersion === report.featureSetVersion
  && m.trainingRange.from === report.range.firstSession && m.trainingRange.to === report.range.lastSession;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export async function runModelDemo(config: Config, logger: Logger, options: { from: string; to: string; market?: SimMarket; latest: string }): Promise<ModelDemoSummary> {
  const stores = await openStores(config);
  let router: InferenceRouter | undefined;
  try {
    const { data } = await loadTrainingData(stores.lakeSql, { from: options.from, to: options.to, target: 'target_1_2' });
    const registry = new ModelRegistry(stores.objectStore);
    const oracle = options.market ? simOracle(options.market) : undefined;
    const models: ModelDemoSummary['models'] = [];
    for (const kind of ['ridge', 'mlp'] as const) {
      const started = Date.now();
      const result = await train(data, demoOptions(kind, options), { oracle, onProgress: (p) => (p.event === 'epoch' ? undefined : logger.info({ kind, ...p }, 'training')) });
      const { report } = result;
      // A rerun of `npm start` on the same data trains the same models: reuse the registered versions.
      const existing = (await registry.list()).find((m) => m.model === DEMO_MODEL && sameTraining(m, kind, report));
      const meta = existing ?? await registry.register({
        name: DEMO_MODEL, spec: result.spec, verification: result.verification,
        // The challenger is a different model; the regression check holds retrains of the champion's kind.
        regression: kind === 'ridge' ? 'enforce' : 'skip',
        metadata: {
          featureSet: 'default', featureSetVersion: report.featureSetVersion, target: report.target,
          trainingRange: { from: report.range.firstSession, to: report.range.lastSession }, metrics: report.mean,
          goldenMetrics: goldenMetrics(data, result.spec, goldenSessions(data, 20)), gitSha: process.env.GIT_SHA ?? null, seed: report.seed,
        },
      });
      const promoted = await registry.promote(DEMO_MODEL, meta.version, kind === 'ridge' ? 'production' : 'staging');
      models.push({
        kind, version: meta.version, stage: promoted.stage, reused: existing !== undefined, cvMean: report.mean, oracle: report.oracle ?? null,
        earlyStopReason: report.finalModel.earlyStopReason ?? null, seconds: (Date.now() - started) / 1000,
      });
    }

    const weightsFile = path.join(config.dataDir, 'serve', 'weights.json');
    const weightsText = `${JSON.stringify({ models: [{ name: DEMO_MODEL, featureSet: 'default', sticky: true, variants: [
      { name: 'champion', version: 'production', weight: 100 - CHALLENGER_WEIGHT },
      { name: 'challenger', version: 'staging', weight: CHALLENGER_WEIGHT },
    ] }] }, null, 2)}\n`;
    await writeFileAtomic(weightsFile, weightsText);
    router = new InferenceRouter({ source: registry, online: stores.online, logger });
    await router.applyConfig(parseWeightsConfig(weightsText, weightsFile));
    const { url } = await router.listen(0, '127.0.0.1');

    await stores.lakeSql.refresh(['features']);
    const latestRows = await stores.lakeSql.query(`SELECT ticker FROM features WHERE date = DATE '${options.latest}' ORDER BY ticker`);
    const tickers = latestRows.map((r) => String(r.ticker));
    const byVariant: Record<string, number> = {};
    const latencies: number[] = [];
    let last: { predictions: Array<{ ticker: string; prediction: number }>; missing: string[]; asOf: string | null } | undefined;
    for (let i = 0; i < 100; i++) {
      const t0 = process.hrtime.bigint();
      const response = await fetch(`${url}/v1/score`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `start-${i}` },
        body: JSON.stringify({ model: DEMO_MODEL, tickers }),
      });
      const body = await response.json() as { variant: string; predictions: Array<{ ticker: string; prediction: number }>; missing: string[]; asOf: string | null; error?: string };
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!response.ok) throw new Error(`router /v1/score answered ${response.status}: ${body.error ?? ''}`);
      byVariant[body.variant] = (byVariant[body.variant] ?? 0) + 1;
      last = body;
    }
    latencies.sort((a, b) => a - b);
    const top = [...(last?.predictions ?? [])].sort((a, b) => b.prediction - a.prediction).slice(0, 5);
    return {
      models, weightsFile,
      router: {
        requests: latencies.length, byVariant, latencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
        scored: last?.predictions.length ?? 0, missing: last?.missing.length ?? 0, asOf: last?.asOf ?? null, top,
      },
    };
  } finally {
    await router?.close();
    await stores.close();
  }
}

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : v.toFixed(digits));

export function formatModelDemo(s: ModelDemoSummary): string {
  const lines = ['models (purged 5-fold CV, target_1_2):'];
  for (const m of s.models) {
    const o = m.oracle;
    lines.push(`  ${DEMO_MODEL} v${m.version} ${m.kind.padEnd(5)} ${m.stage.padEnd(10)} ic ${fmt(m.cvMean.ic)}  rank_ic ${fmt(m.cvMean.rank_ic)}  sharpe ${fmt(m.cvMean.sharpe, 2)}  jpx_sharpe ${fmt(m.cvMean.jpx_sharpe, 3)}`
      + `${o ? `  | oracle rank_ic ${fmt(o.oracleRankIc)}, ratio ${fmt(o.ratio, 2)} (goal ${o.goal})` : ''}${m.earlyStopReason ? `  [${m.earlyStopReason}]` : ''}${m.reused ? '  (already registered)' : ''}`);
  }
  const r = s.router;
  lines.push(`router: ${r.requests} × POST /v1/score of ${r.scored} tickers (as of ${r.asOf ?? '-'}, ${r.missing} without a vector): `
    + `${Object.entries(r.byVariant).map(([v, n]) => `${v} ${n}`).join(', ')}; latency p50 ${r.latencyMs.p50.toFixed(2)} ms, p95 ${r.latencyMs.p95.toFixed(2)} ms`);
  lines.push(`  top predictions: ${r.top.map((t) => `${t.ticker} ${t.prediction.toFixed(5)}`).join(', ')}`);
  lines.push(`  weights file ${s.weightsFile} (gogooku3 serve reads it; edit the weights to shift traffic)`);
  return `${lines.join('\n')}\n`;
}
