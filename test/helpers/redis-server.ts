import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBinary } from './binaries';
import { launchOnFreePort } from './ports';

export interface RedisHandle {
  /** `redis://[:password@]127.0.0.1:<port>/0` */
  url: string;
  host: string;
  port: number;
  /** SIGTERM (SIGKILL after 5 s), then removes the server's working directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** `requirepass` for the default user; the URL then carries it. */
  password?: string;
  /** Listen on this port (e.g. to bring a stopped server back where clients expect it); default: a free one. */
  port?: number;
}

/** The `redis-server` binary on PATH (or $REDIS_SERVER_BIN), or null when there is none. */
export function redisServerPath(): string | null {
  return findBinary('redis-server', 'REDIS_SERVER_BIN');
}

/**
 * Starts a throwaway redis-server on a free loopback port with persistence off, and resolves once it logs
 * "Ready to accept connections". Resolves null when redis-server is not installed, unless CI=true, where a
 * missing server is an error (the suite must not silently skip there).
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle | null> {
  const bin = redisServerPath();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('redis-server is not on PATH (CI=true: the Redis integration suite must run)');
    return null;
  }
  return launchOnFreePort((port) => launch(bin, port, options), options.port);
}

async function launch(bin: string, port: number, options: StartRedisOptions): Promise<RedisHandle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'notice'];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not become ready in 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (error) => { clearTimeout(timer); reject(error); });
      child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`redis-server exited (${code ?? signal}) before ready:\n${output}`)); });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Keep draining the pipes so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  let stopping: Promise<void> | undefined;
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    url: `redis://${auth}127.0.0.1:${port}/0`,
    host: '127.0.0.1',
    port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
