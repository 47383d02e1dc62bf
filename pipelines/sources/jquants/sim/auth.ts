import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SimOptions } from './options';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const bad = (status: number, message: string): Reply => ({ status, body: { message } });
export const INVALID_TOKEN = 'The incoming token is invalid or expired.';

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * v1 token flow (mail/password → refresh token → id token, each with its lifetime) and the v2 API key.
 * Tokens are random, unlike the data: a token from another simulator run must not work here.
 * The clock is injectable so tests can expire tokens without waiting.
 */
export class SimAuth {
  private readonly refreshTokens = new Map<string, number>();
  private readonly idTokens = new Map<string, number>();

  constructor(private readonly options: SimOptions, private readonly now: () => number = Date.now) {}

  authUser(rawBody: string): Reply {
    let body: unknown;
    try {
      body = JSON.parse(rawBody || '{}');
    } catch {
      return bad(400, 'The request body must be JSON: {"mailaddress": "...", "password": "..."}.');
    }
    const { mailaddress, password } = (body ?? {}) as Record<string, unknown>;
    if (typeof mailaddress !== 'string' || typeof password !== 'string' || !mailaddress || !password) {
      return bad(400, "'mailaddress' and 'password' are required.");
    }
    if (!sameText(mailaddress, this.options.mailAddress) || !sameText(password, this.options.password)) {
      return bad(400, "'mailaddress' or 'password' is incorrect.");
    }
    return { status: 200, body: { refreshToken: this.issue(this.refreshTokens, this.options.refreshTokenTtlSeconds) } };
  }

  authRefresh(refreshToken: string | null): Reply {
    if (!refreshToken) return bad(400, "'refreshtoken' is required.");
    if (!this.valid(this.refreshTokens, refreshToken)) return bad(400, "'refreshtoken' is incorrect or expired.");
    return { status: 200, body: { idToken: this.issue(this.idTokens, this.options.idTokenTtlSeconds) } };
  }

  /** null when the v1 data request may proceed. */
  checkBearer(authorization: string | undefined): Reply | null {
    if (!authorization) return bad(401, 'Unauthorized');
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    return m && this.valid(this.idTokens, m[1]) ? null : bad(401, INVALID_TOKEN);
  }

  /** null when the v2 data request may proceed; a wrong key is 403 as J-Quants documents. */
  checkApiKey(apiKey: string | undefined): Reply | null {
    if (!apiKey) return bad(401, 'Unauthorized');
    return sameText(apiKey, this.options.apiKey) ? null : bad(403, 'Forbidden');
  }

  private issue(store: Map<string, number>, ttlSeconds: number): string {
    const now = this.now();
    for (const [token, expires] of store) if (expires <= now) store.delete(token);
    const token = `sim.${randomBytes(32).toString('base64url')}`;
    store.set(token, now + ttlSeconds * 1000);
    return token;
  }

  private valid(store: Map<string, number>, token: string): boolean {
    const expires = store.get(token);
    return expires !== undefined && expires > this.now();
  }
}
