/** node:http plumbing of the router: bounded body reads, JSON answers, deadlines. No framework on the hot path. */
import type http from 'node:http';
import { BadRequestError, DeadlineExceededError, PayloadTooLargeError, RouterError } from './errors';

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The body as text, refusing more than `limit` bytes: at once when Content-Length says so, otherwise as soon
 * as the running total passes it (chunked uploads), without buffering the excess.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8')));
    req.once('error', reject);
  });
}

/** `headers`: extra header names and values, flat ([name, value, …]), as writeHead takes them cheapest. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: string[] = []): void {
  const text = JSON.stringify(body);
  res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text)), ...headers]);
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Resolves or rejects with `work`, or rejects with a 504 after `ms`; the work is not cancelled, only abandoned. */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceededError(ms)), ms);
    // Settling after the deadline is a no-op, and an abandoned failure is handled here (not unhandled).
    work.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The request's deadline: the server's, or shorter when the client sends x-g3-timeout-ms. */
export function deadlineMs(req: http.IncomingMessage, serverMs: number): number {
  const header = req.headers['x-g3-timeout-ms'];
  if (header === undefined) return serverMs;
  const ms = Number(header);
  if (typeof header !== 'string' || !/^\d+$/.test(header) || ms < 1) throw new BadRequestError(`x-g3-timeout-ms: expected a whole number of milliseconds >= 1, got ${JSON.stringify(header)}`);
  return Math.min(ms, serverMs);
}

/** An error's answer: expected ones as they are, anything else an opaque 500 (the details go to the log). */
export function asRouterError(error: unknown): { error: RouterError; unexpected: boolean } {
  if (error instanceof RouterError) return { error, unexpected: false };
  return { error: new RouterError('internal error', 500, 'internal', { cause: error }), unexpected: true };
}

/** Path segments without the query string, percent-decoded. */
export function pathSegments(url: string): string[] {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const parts = path.split('/').filter(Boolean);
  if (!path.includes('%')) return parts;
  try {
    return parts.map(decodeURIComponent);
  } catch {
    throw new BadRequestError(`path: malformed percent-encoding in ${JSON.stringify(path)}`);
  }
}
