import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ModelRegistry } from '../models/registry';
import { onnxRuntimeFactory, tritonFactory } from '../serve/backends';
import { DEFAULT_MAX_BODY_BYTES } from '../serve/http';
import { InferenceRouter } from '../serve/server';
import { WeightsFileWatcher } from '../serve/weights';
import { openStores } from '../storage';
import { action, CliError, intArg, type CliContext, untilSignal } from './context';
import { withStoreErrors } from './storage';

interface ServeOpts {
  port: number;
  host: string;
  weights?: string;
  backend: 'onnxruntime' | 'triton';
  tritonUrl?: string;
  maxBodyBytes: number;
  timeoutMs: number;
  maxBatch: number;
  pollMs: number;
  intraOpThreads: number;
}

function httpUrlArg(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--triton-url: expected an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`--triton-url: expected an http(s) URL, got ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('Inference router: KServe v2 (Open Inference Protocol) over HTTP, champion/challenger by a hot-reloaded weights file, /v1/score over the online store, /metrics; until SIGTERM/SIGINT')
    .option('--port <n>', 'TCP port (0 picks a free one)', intArg('--port', 0, 65535), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--weights <file>', 'routing config JSON, watched for changes (default <data-dir>/serve/weights.json)')
    .addOption(new Option('--backend <kind>', 'where models run').choices(['onnxruntime', 'triton']).default('onnxruntime'))
    .option('--triton-url <url>', 'Triton KServe v2 HTTP root, e.g. http://triton:8000 (with --backend triton)', httpUrlArg)
    .option('--max-body-bytes <n>', 'larger request bodies get 413', intArg('--max-body-bytes', 1024, 1 << 30), DEFAULT_MAX_BODY_BYTES)
    .option('--timeout-ms <n>', 'per-request deadline (504 after it; also the Triton call timeout)', intArg('--timeout-ms', 1, 600_000), 10_000)
    .option('--max-batch <n>', 'most rows (or tickers) per request', intArg('--max-batch', 1, 1_000_000), 4096)
    .option('--poll-ms <n>', 're-read the weights file this often, besides watching it', intArg('--poll-ms', 50, 3_600_000), 5000)
    .option('--intra-op-threads <n>', 'onnxruntime threads per inference', intArg('--intra-op-threads', 1, 64), 1)
    .action(action(ctx, async (opts: ServeOpts) => {
      if (opts.backend === 'triton' && !opts.tritonUrl) throw new CliError('--backend triton needs --triton-url');
      if (opts.backend !== 'triton' && opts.tritonUrl) throw new CliError('--triton-url applies to --backend triton only');
      const config = ctx.config();
      const logger = ctx.logger();
      const weights = path.resolve(opts.weights ?? path.join(config.dataDir, 'serve', 'weights.json'));
      // The router reads the model registry and the online store only; an in-memory DWH keeps it from holding the
      // DuckDB file's lock (or a ClickHouse connection) that the pipeline needs.
      const stores = await withStoreErrors(() => openStores({ ...config, dwh: 'duckdb::memory:' }));
      const router = new InferenceRouter({
        source: new ModelRegistry(stores.objectStore),
        backend: opts.backend === 'triton' ? tritonFactory({ url: opts.tritonUrl!, timeoutMs: opts.timeoutMs }) : onnxRuntimeFactory({ intraOpThreads: opts.intraOpThreads }),
        online: stores.online,
        logger,
        maxBodyBytes: opts.maxBodyBytes,
        timeoutMs: opts.timeoutMs,
        maxBatch: opts.maxBatch,
      });
      let watcher: WeightsFileWatcher | undefined;
      try {
        const address = await router.listen(opts.port, opts.host).catch((error: NodeJS.ErrnoException) => {
          throw new CliError(`cannot listen on ${opts.host}:${opts.port}: ${error.code ?? error.message}`, 69);
        });
        const stopped = untilSignal();
        ctx.out(`listening on ${address.url}\n`);
        logger.info({ ...address, weights, backend: opts.backend, tritonUrl: opts.tritonUrl }, `inference router listening on ${address.url}`);
        // Live before the models load; /v2/health/ready turns 200 once the weights file's versions are loaded.
        watcher = new WeightsFileWatcher({ file: weights, apply: (c) => router.applyConfig(c), logger, pollMs: opts.pollMs });
        await watcher.start();
        const signal = await stopped;
        logger.info({ signal }, 'inference router stopping');
      } finally {
        watcher?.close();
        await router.close();
        await stores.close();
      }
      logger.info('inference router stopped');
      return 0;
    }));
}
