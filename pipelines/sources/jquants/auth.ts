import type { Config } from '../../config/config';
import { JQuantsAuthConfigError, JQuantsMalformedResponseError, JQuantsUnauthorizedError, JQuantsBadRequestError, JQuantsForbiddenError } from './errors';
import { realClock, type Clock } from './rate-limiter';
import type { Transport } from './transport';

/** Supplies the auth headers of a data request and learns when the server rejected them. */
export interface Authenticator {
  headers(): Promise<Record<string, string>>;
  /** Called after a 401: the next headers() must not reuse the rejected credential. */
  invalidate(): void;
  /** Whether invalidate() can lead to a different credential (static keys cannot). */
  readonly renewable: boolean;
}

export class ApiKeyAuth implements Authenticator {
  readonly renewable = false;
  constructor(private readonly apiKey: string) {}
  async headers() {
    return { 'x-api-key': this.apiKey };
  }
  invalidate() {}
}

/** Token lifetimes (the server's: refresh ~1 week, id 24 h) and the margins the official client refreshes with. */
export const V1_TOKEN_POLICY = { refreshTokenMaxAgeMs: 6 * 24 * 3600_000, idTokenMaxAgeMs: 23 * 3600_000 };

interface Token { value: string; obtainedAt: number }

/**
 * v1: mail/password → refresh token → id token (Bearer). Tokens are renewed before they expire and after a 401;
 * concurrent callers share one renewal.
 */
export class V1TokenAuth implements Authenticator {
  readonly renewable = true;
  private refreshToken?: Token;
  private idToken?: Token;
  private pending?: Promise<string>;

  constructor(
    private readonly transport: Transport,
    private readonly rootUrl: string,
    private readonly credentials: { mailAddress?: string; password?: string; refreshToken?: string },
    private readonly clock: Clock = realClock,
    private readonly policy = V1_TOKEN_POLICY,
  ) {
    if (credentials.refreshToken) this.refreshToken = { value: credentials.refreshToken, obtainedAt: clock.now() };
    if (!credentials.refreshToken && !(credentials.mailAddress && credentials.password)) {
      throw new JQuantsAuthConfigError('v1 needs JQUANTS_MAIL_ADDRESS and JQUANTS_PASSWORD (or JQUANTS_REFRESH_TOKEN)', 'token');
    }
  }

  async headers() {
    return { authorization: `Bearer ${await this.currentIdToken()}` };
  }

  invalidate() {
    this.idToken = undefined;
  }

  private fresh(token: Token | undefined, maxAgeMs: number): token is Token {
    return !!token && this.clock.now() - token.obtainedAt < maxAgeMs;
  }

  private currentIdToken(): Promise<string> {
    if (this.fresh(this.idToken, this.policy.idTokenMaxAgeMs)) return Promise.resolve(this.idToken.value);
    this.pending ??= this.renewIdToken().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async renewIdToken(): Promise<string> {
    if (!this.fresh(this.refreshToken, this.policy.refreshTokenMaxAgeMs)) await this.renewRefreshToken();
    try {
      this.idToken = { value: await this.exchangeRefreshToken(), obtainedAt: this.clock.now() };
    } catch (error) {
      // A revoked or expired refresh token: start over from mail/password when we have them.
      const rejected = error instanceof JQuantsUnauthorizedError || error instanceof JQuantsBadRequestError || error instanceof JQuantsForbiddenError;
      if (!rejected || !(this.credentials.mailAddress && this.credentials.password)) throw error;
      await this.renewRefreshToken();
      this.idToken = { value: await this.exchangeRefreshToken(), obtainedAt: this.clock.now() };
    }
    return this.idToken.value;
  }

  private async renewRefreshToken(): Promise<void> {
    if (!(this.credentials.mailAddress && this.credentials.password)) {
      throw new JQuantsAuthConfigError('the refresh token expired and no JQUANTS_MAIL_ADDRESS/JQUANTS_PASSWORD are set to get a new one', 'token/auth_user');
    }
    const reply = await this.transport.request({
      method: 'POST', url: `${this.rootUrl}/v1/token/auth_user`, endpoint: 'token/auth_user',
      body: JSON.stringify({ mailaddress: this.credentials.mailAddress, password: this.credentials.password }),
    });
    this.refreshToken = { value: tokenField(reply, 'refreshToken', 'token/auth_user'), obtainedAt: this.clock.now() };
  }

  private async exchangeRefreshToken(): Promise<string> {
    const token = this.refreshToken?.value ?? '';
    const reply = await this.transport.request({
      method: 'POST', url: `${this.rootUrl}/v1/token/auth_refresh?refreshtoken=${encodeURIComponent(token)}`, endpoint: 'token/auth_refresh',
    });
    return tokenField(reply, 'idToken', 'token/auth_refresh');
  }
}

function tokenField(reply: unknown, key: string, endpoint: string): string {
  const value = (reply as Record<string, unknown> | null)?.[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new JQuantsMalformedResponseError(`${endpoint}: reply has no string field ${key}`, endpoint);
  }
  return value;
}

export function createAuthenticator(config: Config['jquants'], transport: Transport, clock: Clock = realClock): Authenticator {
  const { auth, apiVersion, baseUrl } = config;
  if (apiVersion === 'v2') {
    if (auth.kind !== 'apiKey') throw new JQuantsAuthConfigError('API v2 needs JQUANTS_API_KEY', 'auth');
    return new ApiKeyAuth(auth.apiKey);
  }
  if (auth.kind === 'password') return new V1TokenAuth(transport, baseUrl, { mailAddress: auth.mailAddress, password: auth.password }, clock);
  if (auth.kind === 'refreshToken') return new V1TokenAuth(transport, baseUrl, { refreshToken: auth.refreshToken }, clock);
  throw new JQuantsAuthConfigError('API v1 needs JQUANTS_MAIL_ADDRESS and JQUANTS_PASSWORD (or JQUANTS_REFRESH_TOKEN); set JQUANTS_API_KEY for v2', 'auth');
}
