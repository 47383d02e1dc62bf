import { spawn, type ChildProcess } from 'node:child_process';
import { findBinary } from './binaries';
import { launchOnFreePort } from './ports';

export interface PushgatewayHandle {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Everything the server logged so far (logfmt), for failure messages. */
  output(): string;
  /**
   * SIGTERM (SIGKILL after 5 s): the gateway writes its persistence file on a graceful shutdown. `SIGKILL`
   * stops it the hard way, keeping only what the last interval write saved. Idempotent.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface StartPushgatewayOptions {
  /**
   * `--persistence.file`; the caller owns the file so a restarted server can read it back. Default: none
   * (metrics in memory only; the Debian build would otherwise write to /var/lib/prometheus).
   */
  persistenceFile?: string;
  /** `--persistence.interval`, the least time between two writes of the file (Go duration). Default 1s. */
  persistenceInterval?: string;
  /** Listen on this port (e.g. to bring a stopped server back where clients expect it); default: a free one. */
  port?: number;
}

/** Debian's `prometheus-pushgateway` (or `pushgateway`, or $PUSHGATEWAY_BIN), or null when there is none. */
export function pushgatewayPath(): string | null {
  return findBinary('prometheus-pushgateway', 'PUSHGATEWAY_BIN', ['/usr/bin/prometheus-pushgateway'])
    ?? findBinary('pushgateway', 'PUSHGATEWAY_BIN');
}

/**
 * Starts a throwaway Pushgateway on a free loopback port and resolves once `GET /-/ready` answers 200.
 * Resolves null when the binary is not installed, unless CI=true, where a missing server is an error (the
 * suite must not silently skip there).
 */
export async function startPushgateway(options: StartPushgatewayOptions = {}): Promise<PushgatewayHandle | null> {
  const bin = pushgatewayPath();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('prometheus-pushgateway is not installed (CI=true: the Pushgateway integration suite must run)');
    return null;
  }
  return launchOnFreePort((port) => launch(bin, port, options), options.port);
}

const READY_TIMEOUT_MS = 10_000;

async function launch(bin: string, port: number, options: StartPushgatewayOptions): Promise<PushgatewayHandle> {
  const args = [
    `--web.listen-address=127.0.0.1:${port}`,
    `--persistence.file=${options.persistenceFile ?? ''}`,
    `--persistence.interval=${options.persistenceInterval ?? '1s'}`,
    '--log.level=info',
  ];
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Keep draining the pipes so a chatty server never blocks on a full pipe.
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => { exitedWith = String(code ?? signal); resolve(); }));
  let spawnError: Error | undefined;
  child.once('error', (error) => { spawnError = error; });
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawnError) throw spawnError;
      if (exitedWith !== undefined) throw new Error(`pushgateway exited (${exitedWith}) before ready:\n${output}`);
      if (Date.now() > deadline) throw new Error(`pushgateway did not become ready in ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
      const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
      // Another process may answer on a port we lost the race for: ready counts once our child is listening.
      if (ready && exitedWith === undefined && output.includes('msg="Listening on"')) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    output: () => output,
    stop(signal = 'SIGTERM') {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill(signal);
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
