import net from 'node:net';

/**
 * A loopback port the kernel just handed out (bind to 0, read it, release it), for servers that refuse
 * `--port 0` (redis-server) or cannot report the port they picked (clickhouse-server). Another process can
 * take it before the caller binds it: callers retry on "Address already in use".
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `launch(port)` on `fixedPort`, or on a fresh free port with up to three tries when the server reports the port
 * taken (another process can grab it between `freePort` and the bind). A fixed port is tried once.
 */
export async function launchOnFreePort<T>(launch: (port: number) => Promise<T>, fixedPort?: number): Promise<T> {
  if (fixedPort !== undefined) return launch(fixedPort);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(await freePort());
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String((error as Error).message))) throw error;
    }
  }
  throw lastError;
}
