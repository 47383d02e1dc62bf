import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { findBinary } from './binaries';
import { freePort } from './ports';

export { freePort } from './ports';

export interface ClickHouseHandle {
  /** `clickhouse://user[:password]@127.0.0.1:<httpPort>/default` (@clickhouse/client itself wants `httpUrl`). */
  url: string;
  /** `http://127.0.0.1:<httpPort>`: the `url` to give @clickhouse/client's createClient. */
  httpUrl: string;
  host: string;
  httpPort: number;
  /** Native protocol port (clickhouse-client). */
  tcpPort: number;
  user: string;
  /** '' when the user has no password. */
  password: string;
  /** SIGTERM (SIGKILL after 10 s), then removes the server's temp directory (data included). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL now, for crash tests; keeps the directory so `restart()` can bring the data back. */
  kill(): void;
  /** Stops the server if it runs (SIGTERM, SIGKILL after 10 s) and starts it again on the same ports and data directory. */
  restart(): Promise<void>;
}

export interface StartClickHouseOptions {
  /** HTTP port (e.g. to bring a server back where clients expect it); default: a free one. The TCP port is always a free one. */
  port?: number;
  /** The only user the server knows; default `default`. */
  user?: string;
  /** Plaintext password for that user; default none. The URL then carries it. */
  password?: string;
}

const READY_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 10_000;

/**
 * The ClickHouse server binary: $CLICKHOUSE_SERVER_BIN, else `clickhouse-server` on PATH, else
 * /usr/sbin/clickhouse-server (not on a non-root PATH), else the combined /usr/bin/clickhouse; null when there is none.
 */
export function clickhouseServerPath(): string | null {
  return findBinary('clickhouse-server', 'CLICKHOUSE_SERVER_BIN', ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse']);
}

/**
 * Starts a throwaway clickhouse-server on free loopback ports with its data, config and logs in a fresh temp
 * directory, and resolves once `GET /ping` answers `Ok.`. Resolves null when the server is not installed, unless
 * CI=true, where a missing server is an error (the suite must not silently skip there).
 */
export async function startClickHouse(options: StartClickHouseOptions = {}): Promise<ClickHouseHandle | null> {
  const bin = clickhouseServerPath();
  if (!bin) {
    if (process.env.CI === 'true') {
      throw new Error('clickhouse-server is not installed (PATH, $CLICKHOUSE_SERVER_BIN, /usr/sbin/clickhouse-server, /usr/bin/clickhouse; CI=true: the ClickHouse integration suite must run)');
    }
    return null;
  }
  let lastError: unknown;
  // Either port can be taken between releasing it and the server binding it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const httpPort = options.port ?? (await freePort());
      let tcpPort = await freePort();
      while (tcpPort === httpPort) tcpPort = await freePort();
      return await launch(bin, httpPort, tcpPort, options);
    } catch (error) {
      lastError = error;
      if (options.port !== undefined || !/Address already in use/i.test(String((error as Error).message))) throw error;
    }
  }
  throw lastError;
}

const xml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function writeConfig(dir: string, httpPort: number, tcpPort: number, user: string, password: string): string {
  const data = path.join(dir, 'data');
  const config = `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${xml(path.join(dir, 'log', 'clickhouse-server.log'))}</log>
    <errorlog>${xml(path.join(dir, 'log', 'clickhouse-server.err.log'))}</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <!-- no interserver_http_port: no interserver listener; no remote_servers, zookeeper, query_log -->
  <keep_alive_timeout>3</keep_alive_timeout>
  <shutdown_wait_unfinished>1</shutdown_wait_unfinished>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mark_cache_size>16777216</mark_cache_size>
  <uncompressed_cache_size>16777216</uncompressed_cache_size>
  <path>${xml(data)}/</path>
  <tmp_path>${xml(path.join(data, 'tmp'))}/</tmp_path>
  <user_files_path>${xml(path.join(data, 'user_files'))}/</user_files_path>
  <format_schema_path>${xml(path.join(data, 'format_schemas'))}/</format_schema_path>
  <users_config>${xml(path.join(dir, 'users.xml'))}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
`;
  const users = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
    </default>
  </profiles>
  <users>
    <${xml(user)}>
      <password>${xml(password)}</password>
      <networks>
        <ip>::1</ip>
        <ip>127.0.0.1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </${xml(user)}>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`;
  fs.mkdirSync(path.join(dir, 'log'), { recursive: true });
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(dir, 'users.xml'), users);
  const configFile = path.join(dir, 'config.xml');
  fs.writeFileSync(configFile, config);
  return configFile;
}

interface ServerProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

/** The last part of the server's error log (else its main log) and of its stdout/stderr, for error messages. */
function logTail(dir: string, output: string): string {
  const read = (name: string) => {
    try {
      return fs.readFileSync(path.join(dir, 'log', name), 'utf8');
    } catch {
      return '';
    }
  };
  const log = read('clickhouse-server.err.log') || read('clickhouse-server.log');
  return `--- log tail ---\n${log.slice(-4000)}\n--- stdout/stderr ---\n${output.slice(-2000)}`;
}

/** `GET /ping` on a fresh connection (no keep-alive: an idle socket delays the server's shutdown). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/ping', agent: false, timeout: 1_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 && body.trim() === 'Ok.'));
      response.on('error', () => resolve(false));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Spawns the server on an already written config and waits for `/ping`; on failure kills it (the directory stays). */
async function spawnServer(bin: string, dir: string, configFile: string, httpPort: number): Promise<ServerProcess> {
  // The combined binary needs the `server` subcommand; Debian's 18.16 ships a separate clickhouse-server.
  const args = path.basename(bin) === 'clickhouse' ? ['server', `--config-file=${configFile}`] : [`--config-file=${configFile}`];
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  // Keep draining the pipes so a chatty server never blocks on a full pipe.
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let failure: string | undefined;
  // 'error' without 'exit' happens when the binary cannot be spawned at all.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  child.once('exit', (code, signal) => (failure ??= `clickhouse-server exited (${code ?? signal}) before answering /ping`));
  child.once('error', (error) => (failure ??= `clickhouse-server failed to start: ${error.message}`));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (failure) throw new Error(failure);
      if ((await ping(httpPort)) && child.exitCode === null && child.signalCode === null) return { child, exited };
      if (Date.now() > deadline) throw new Error(`clickhouse-server did not answer /ping with "Ok." on port ${httpPort} in ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(50);
    }
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    throw new Error(`${(error as Error).message}:\n${logTail(dir, output)}`);
  }
}

/** SIGTERM, SIGKILL after 10 s; resolves once the process is gone. */
async function terminate({ child, exited }: ServerProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }
  await exited;
}

async function launch(bin: string, httpPort: number, tcpPort: number, options: StartClickHouseOptions): Promise<ClickHouseHandle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-clickhouse-'));
  const user = options.user ?? 'default';
  const password = options.password ?? '';
  let current: ServerProcess;
  let configFile: string;
  try {
    configFile = writeConfig(dir, httpPort, tcpPort, user, password);
    current = await spawnServer(bin, dir, configFile, httpPort);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const auth = encodeURIComponent(user) + (password ? `:${encodeURIComponent(password)}` : '');
  return {
    url: `clickhouse://${auth}@127.0.0.1:${httpPort}/default`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    host: '127.0.0.1',
    httpPort,
    tcpPort,
    user,
    password,
    stop() {
      stopping ??= (async () => {
        await restarting?.catch(() => undefined);
        await terminate(current);
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
    kill() {
      if (current.child.exitCode === null && current.child.signalCode === null) current.child.kill('SIGKILL');
    },
    restart() {
      if (stopping) return Promise.reject(new Error('restart() after stop(): the ClickHouse server directory is gone'));
      if (restarting) return restarting;
      restarting = (async () => {
        await terminate(current);
        current = await spawnServer(bin, dir, configFile, httpPort);
      })().finally(() => {
        restarting = undefined;
      });
      return restarting;
    },
  };
}
