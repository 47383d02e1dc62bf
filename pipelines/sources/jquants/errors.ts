/**
 * Expected J-Quants outcomes as typed errors (callers branch with instanceof).
 * Retryable conditions never escape as these: they are retried, and only exhaustion surfaces.
 */
export class JQuantsError extends Error {
  constructor(message: string, readonly endpoint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 4xx replies that retrying cannot fix. */
export class JQuantsHttpError extends JQuantsError {
  constructor(readonly status: number, endpoint: string, readonly serverMessage: string) {
    super(`${endpoint}: HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}`, endpoint);
  }
}
export class JQuantsBadRequestError extends JQuantsHttpError {}
export class JQuantsUnauthorizedError extends JQuantsHttpError {}
export class JQuantsForbiddenError extends JQuantsHttpError {}
/** The reply would be too large; the client narrows date ranges itself and raises this only when it cannot. */
export class JQuantsPayloadTooLargeError extends JQuantsHttpError {}

/** A reply that parsed but does not have the documented shape (e.g. the array key is missing). */
export class JQuantsMalformedResponseError extends JQuantsError {}

/** Every attempt failed with a retryable condition (429, 5xx, timeout, reset, truncated body). */
export class JQuantsRetryExhaustedError extends JQuantsError {
  constructor(endpoint: string, readonly attempts: number, readonly lastReason: string, cause: unknown) {
    super(`${endpoint}: gave up after ${attempts} attempts (last: ${lastReason})`, endpoint, { cause });
  }
}

/** The configuration cannot authenticate (no credentials for the chosen API version). */
export class JQuantsAuthConfigError extends JQuantsError {}

export function httpErrorFor(status: number, endpoint: string, serverMessage: string): JQuantsHttpError {
  switch (status) {
    case 400: return new JQuantsBadRequestError(status, endpoint, serverMessage);
    case 401: return new JQuantsUnauthorizedError(status, endpoint, serverMessage);
    case 403: return new JQuantsForbiddenError(status, endpoint, serverMessage);
    case 413: return new JQuantsPayloadTooLargeError(status, endpoint, serverMessage);
    default: return new JQuantsHttpError(status, endpoint, serverMessage);
  }
}
