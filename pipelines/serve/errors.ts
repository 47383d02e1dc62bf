/**
 * Expected failures of the router, each carrying the HTTP status it answers with and the `reason` label it
 * counts under in `inference_errors_total`. Anything else that reaches the HTTP layer is a 500 "internal error".
 */
export class RouterError extends Error {
  constructor(message: string, readonly status: number, readonly reason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RouterError';
  }
}

/** The request itself is wrong (body, field, value); the message names the field. */
export class BadRequestError extends RouterError {
  constructor(message: string) {
    super(message, 400, 'bad_request');
    this.name = 'BadRequestError';
  }
}

export class NotFoundError extends RouterError {
  constructor(message: string) {
    super(message, 404, 'not_found');
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends RouterError {
  constructor(method: string, path: string, readonly allow: readonly string[]) {
    super(`${method} is not allowed on ${path}; use ${allow.join(', ')}`, 405, 'method_not_allowed');
    this.name = 'MethodNotAllowedError';
  }
}

export class PayloadTooLargeError extends RouterError {
  constructor(readonly limit: number) {
    super(`request body: larger than the limit of ${limit} bytes`, 413, 'payload_too_large');
    this.name = 'PayloadTooLargeError';
  }
}

/** No configuration has been loaded yet (or the first one failed to load). */
export class NotReadyError extends RouterError {
  constructor(message = 'no model configuration is loaded yet') {
    super(message, 503, 'not_ready');
    this.name = 'NotReadyError';
  }
}

/** The per-request deadline passed, or a remote backend did not answer within its timeout. */
export class DeadlineExceededError extends RouterError {
  constructor(readonly ms: number, what = 'request') {
    super(`${what} exceeded its deadline of ${ms} ms`, 504, what === 'request' ? 'timeout' : 'backend_timeout');
    this.name = 'DeadlineExceededError';
  }
}

/**
 * A model backend failed. Remote backends (Triton) answer 502 — the router itself is fine; an embedded
 * runtime failing is the router's own 500.
 */
export class BackendError extends RouterError {
  constructor(message: string, status: 500 | 502, reason: string, options?: { cause?: unknown }) {
    super(message, status, reason, options);
    this.name = 'BackendError';
  }
}

/** A model version from the source is unusable (missing, or its metadata disagrees with itself). */
export class ModelLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}
