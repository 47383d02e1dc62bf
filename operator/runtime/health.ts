import http from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** Per-check detail shown in the /readyz body (informer sync, leader election). */
  checks: Record<string, boolean | string>;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The probe and scrape endpoint: /healthz answers while the event loop does, /readyz reflects `readiness()`
 * (503 when not ready, with the failing checks in the body), /metrics renders `registry`.
 */
export async function startHealthServer(options: { port: number; host?: string; registry: Registry; readiness: () => Readiness }): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz' || path === '/livez') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      const r = options.readiness();
      return send(r.ready ? 200 : 503, 'application/json', `${JSON.stringify({ ready: r.ready, checks: r.checks })}\n`);
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (err: Error) => send(500, 'text/plain', `metrics failed: ${err.message}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
