/**
 * Failures as the apiserver reports them: a `Status` body whose reason/code/details clients branch on
 * (client-node surfaces them as ApiException.code and .body).
 */
export type Obj = Record<string, any>;

export interface StatusDetails { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message: string; field?: string }> }

export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details: StatusDetails = {}) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Obj {
    // The real server omits empty detail fields (a core resource has no group).
    const details = Object.fromEntries(Object.entries(this.details).filter(([, v]) => v !== undefined && v !== ''));
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, ...(Object.keys(details).length > 0 ? { details } : {}), code: this.code };
  }
}

/** What the apiserver names a resource in messages: `configmaps` for core, `jobs.batch` for grouped ones. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, { name, group, kind: plural });

export const alreadyExists = (plural: string, group: string, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, { name, group, kind: plural });

export const conflict = (plural: string, group: string, name: string): ApiError =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group, kind: plural });

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

export function invalid(kind: string, group: string, name: string, causes: Array<{ field: string; message: string; reason?: string }>): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${text}`, {
    name, group, kind, causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export const methodNotAllowed = (message: string): ApiError => new ApiError(405, 'MethodNotAllowed', message);

export const expired = (message: string): ApiError => new ApiError(410, 'Expired', message);
