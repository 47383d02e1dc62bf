import { createHmac } from 'node:crypto';

/**
 * Stateless pagination keys: the next offset plus a MAC over (query, offset). The key changes on every page,
 * cannot be forged, and is rejected when replayed with another query. The secret derives from the simulator's
 * options, so the same simulated market serves byte-identical pages across restarts.
 */
export class Paginator {
  constructor(private readonly secret: string) {}

  encode(query: string, offset: number): string {
    return Buffer.from(`${offset.toString(36)}.${this.mac(query, offset)}`).toString('base64url');
  }

  /** The offset a key points at, or null when the key is malformed or belongs to another query. */
  decode(query: string, key: string): number | null {
    const text = Buffer.from(key, 'base64url').toString('utf8');
    const m = /^([0-9a-z]+)\.([0-9a-f]{24})$/.exec(text);
    if (!m) return null;
    const offset = parseInt(m[1], 36);
    return Number.isSafeInteger(offset) && this.mac(query, offset) === m[2] ? offset : null;
  }

  private mac(query: string, offset: number): string {
    return createHmac('sha256', this.secret).update(`${query}\n${offset}`).digest('hex').slice(0, 24);
  }
}
