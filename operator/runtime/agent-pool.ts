import http from 'node:http';
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

// Options that decide which server and identity a connection speaks for; two agents equal on these may
// share sockets.
const IDENTITY_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * client-node builds a fresh Agent for every request (KubeConfig.applySecurityAuthentication), so each call
 * opens a new TCP connection and, against a real API server, a new TLS handshake. This middleware, run after
 * authentication, swaps that agent for a shared keep-alive one with the same TLS identity. Agents are keyed
 * by their credentials, so a rotated client certificate gets a new pool instead of reusing old sockets.
 * Proxy agents (subclasses) are left alone.
 */
export function keepAliveAgents(maxPools = 4): k8s.Middleware {
  const pools = new Map<string, http.Agent>();
  return {
    async pre(context) {
      const agent: unknown = context.getAgent();
      const ctor: unknown = agent ? (agent as object).constructor : undefined;
      if (ctor !== http.Agent && ctor !== https.Agent) return context;
      const options = (agent as { options?: Record<string, unknown> }).options ?? {};
      const secure = ctor === https.Agent;
      const key = [secure ? 'https' : 'http', ...IDENTITY_OPTIONS.map((o) => String(options[o] ?? ''))].join('\u0000');
      let shared = pools.get(key);
      if (!shared) {
        if (pools.size >= maxPools) {
          const [oldestKey, oldest] = pools.entries().next().value!;
          pools.delete(oldestKey);
          oldest.destroy();
        }
        const poolOptions = { ...options, keepAlive: true, maxSockets: 64 };
        shared = secure ? new https.Agent(poolOptions) : new http.Agent(poolOptions);
        pools.set(key, shared);
      }
      context.setAgent(shared);
      return context;
    },
    async post(response) {
      return response;
    },
  };
}
