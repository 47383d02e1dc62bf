/**
 * The router's URL space as a pure function of method and path: which handler, with which model and version.
 * Wrong methods and unknown paths are typed errors (405 with Allow, 404).
 */
import { MethodNotAllowedError, NotFoundError } from './errors';
import { pathSegments } from './http';

export type Route =
  | { kind: 'server' | 'live' | 'ready' | 'metrics' | 'score' }
  | { kind: 'modelInfo' | 'modelReady' | 'infer'; model: string; version?: string };

type Kind = Route['kind'];

const METHOD: Record<Kind, 'GET' | 'POST'> = {
  server: 'GET', live: 'GET', ready: 'GET', metrics: 'GET', modelInfo: 'GET', modelReady: 'GET', score: 'POST', infer: 'POST',
};

function match(seg: string[]): Route | undefined {
  if (seg.length === 1 && seg[0] === 'metrics') return { kind: 'metrics' };
  if (seg.length === 2 && seg[0] === 'v1' && seg[1] === 'score') return { kind: 'score' };
  if (seg[0] !== 'v2') return undefined;
  if (seg.length === 1) return { kind: 'server' };
  if (seg.length === 3 && seg[1] === 'health') return seg[2] === 'live' ? { kind: 'live' } : seg[2] === 'ready' ? { kind: 'ready' } : undefined;
  if (seg[1] !== 'models' || seg.length < 3) return undefined;
  const model = seg[2];
  const versioned = seg[3] === 'versions' && seg.length >= 5;
  const version = versioned ? seg[4] : undefined;
  const tail = seg.slice(versioned ? 5 : 3);
  if (tail.length === 0) return { kind: 'modelInfo', model, version };
  if (tail.length === 1 && tail[0] === 'ready') return { kind: 'modelReady', model, version };
  if (tail.length === 1 && tail[0] === 'infer') return { kind: 'infer', model, version };
  return undefined;
}

export function matchRoute(method: string, url: string): Route {
  const route = match(pathSegments(url));
  const path = url.split('?')[0];
  if (!route) throw new NotFoundError(`no route for ${path}`);
  const allowed = METHOD[route.kind];
  if (method !== allowed && !(allowed === 'GET' && method === 'HEAD')) throw new MethodNotAllowedError(method, path, [allowed]);
  return route;
}
