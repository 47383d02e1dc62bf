import path from 'node:path';
import { PipelineMetrics, PUSH_JOB } from '../metrics';
import { newRunId } from '../run/build';
import type { CliContext } from './context';

/**
 * Times a training run and counts its outcome in `$DATA_DIR/metrics/train.prom` (node_exporter's textfile
 * collector) and the Pushgateway when configured; a metrics failure is logged, never the run's outcome.
 * `startedAt` (ms since the epoch) is when the run began, if before this call.
 */
export async function withTrainingMetrics<T>(ctx: CliContext, model: string, run: () => Promise<T>, startedAt = Date.now()): Promise<T> {
  let status: 'succeeded' | 'failed' = 'failed';
  try {
    const out = await run();
    status = 'succeeded';
    return out;
  } finally {
    const config = ctx.config();
    const metrics = new PipelineMetrics();
    metrics.observeTraining(model, status, (Date.now() - startedAt) / 1000);
    try {
      await metrics.writeTextfile(path.join(config.dataDir, 'metrics', 'train.prom'));
      // A group per run: runs accumulate on the gateway instead of each replacing the last (see pipelines/metrics).
      if (config.pushgatewayUrl) await metrics.pushRun(config.pushgatewayUrl, PUSH_JOB, { training: model }, newRunId(new Date()));
    } catch (error) {
      ctx.logger().warn({ err: (error as Error).message }, 'training metrics not written');
    }
  }
}
