/** Helpers for tests that talk to a running simulator (also usable by client and pipeline tests). */
import { createSimulator, type Simulator, type SimulatorDeps } from './server';
import type { SimOptionsInput } from './options';

/** Small markets keep suites fast; these cover the 2020-10-01 outage, the 2022 restructuring and 2023+ corrections. */
export const SMALL_MARKET: SimOptionsInput = { seed: 7, codes: 60, from: '2020-01-06', asOf: '2023-12-29' };
/** Listings from 2024 get alphanumeric codes. */
export const RECENT_MARKET: SimOptionsInput = { seed: 11, codes: 400, from: '2023-06-01', asOf: '2025-06-30' };

export interface Running {
  sim: Simulator;
  url: string;
  close(): Promise<void>;
}

export async function startSimulator(options: SimOptionsInput, deps?: SimulatorDeps): Promise<Running> {
  const sim = createSimulator(options, deps);
  const { url } = await sim.listen(0);
  return { sim, url, close: () => sim.close() };
}

export interface Got {
  status: number;
  text: string;
  headers: Headers;
  json(): any;
}

export async function call(url: string, init?: RequestInit): Promise<Got> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
}

/** Logs in through the v1 token flow and returns the Authorization header. */
export async function v1Headers(url: string, mailaddress = 'sim@example.com', password = 'sim-password'): Promise<Record<string, string>> {
  const user = await call(`${url}/v1/token/auth_user`, { method: 'POST', body: JSON.stringify({ mailaddress, password }) });
  if (user.status !== 200) throw new Error(`auth_user: ${user.status} ${user.text}`);
  const refresh = await call(`${url}/v1/token/auth_refresh?refreshtoken=${encodeURIComponent(user.json().refreshToken)}`, { method: 'POST' });
  if (refresh.status !== 200) throw new Error(`auth_refresh: ${refresh.status} ${refresh.text}`);
  return { authorization: `Bearer ${refresh.json().idToken}` };
}

export const v2Headers = (apiKey = 'sim-api-key'): Record<string, string> => ({ 'x-api-key': apiKey });

/** Follows pagination_key to the end; returns every row and the keys seen. */
export async function fetchAll(url: string, path: string, headers: Record<string, string>, arrayKey: string): Promise<{ rows: any[]; keys: string[] }> {
  const rows: any[] = [];
  const keys: string[] = [];
  let key: string | undefined;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const got = await call(`${url}${path}${key ? `${sep}pagination_key=${encodeURIComponent(key)}` : ''}`, { headers });
    if (got.status !== 200) throw new Error(`${path}: ${got.status} ${got.text}`);
    const body = got.json();
    rows.push(...body[arrayKey]);
    key = body.pagination_key;
    if (key === undefined) return { rows, keys };
    keys.push(key);
  }
}
