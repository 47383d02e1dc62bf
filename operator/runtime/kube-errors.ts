import { AlreadyExistsError, ConflictError, keyOf, NotFoundError, type ObjectRef } from './types';

/** A non-2xx answer from the API server, with the parsed Status body when there is one. */
export class KubeApiError extends Error {
  constructor(readonly statusCode: number, readonly status: { reason?: string; message?: string; code?: number } | undefined, message: string) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function parseStatus(text: string): KubeApiError['status'] {
  try {
    const body = JSON.parse(text) as { kind?: string; reason?: string; message?: string; code?: number };
    return body && typeof body === 'object' ? body : undefined;
  } catch {
    return undefined;
  }
}

// client-node's ApiException is recognised by shape so that this module does not load client-node.
function isApiException(err: unknown): err is { code: number; body: unknown } {
  return err instanceof Error && err.name !== 'KubeApiError' && typeof (err as { code?: unknown }).code === 'number' && 'body' in err;
}

function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.statusCode;
  if (isApiException(err)) return err.code;
  return undefined;
}

function reasonOf(err: unknown): string | undefined {
  if (err instanceof KubeApiError) return err.status?.reason;
  if (isApiException(err)) return parseStatus(String(err.body))?.reason;
  return undefined;
}

export type Verb = 'get' | 'list' | 'create' | 'replace' | 'patch' | 'replace status of' | 'delete';

/** Maps a failed call to the contract's typed errors; anything else is wrapped with the verb and the object. */
export function toKubeError(err: unknown, verb: Verb, ref: ObjectRef): Error {
  const code = statusCodeOf(err);
  // Discovery failing to find the kind is the type not existing: the same answer as a 404.
  const unknownKind = err instanceof Error && /Unrecognized API version and kind/.test(err.message);
  if (code === 404 || unknownKind) return new NotFoundError(ref, { cause: err });
  if (code === 409) {
    return reasonOf(err) === 'AlreadyExists' ? new AlreadyExistsError(ref, { cause: err }) : new ConflictError(ref, { cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new Error(`${verb} ${ref.kind} ${keyOf(ref)} (${ref.apiVersion}) failed: ${code ? `HTTP ${code}: ` : ''}${detail}`, { cause: err });
}

/** A read that answers undefined for a 404 and a typed error (toKubeError) for anything else. */
export async function readOrUndefined<T>(ref: ObjectRef, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    const mapped = toKubeError(err, 'get', ref);
    if (mapped instanceof NotFoundError) return undefined;
    throw mapped;
  }
}
