/**
 * A token bucket per caller: `perMinute` tokens, refilled continuously,
 * with a burst of the same size. Buckets idle long enough to be full again
 * are forgotten, so memory follows the active callers, not all callers ever.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;
  private sweeps = 0;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /**
   * Takes `cost` tokens, or none: when fewer are left, says in how many
   * seconds there will be enough. A cost above `perMinute` never fits: check first.
   */
  take(caller: string, cost = 1): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(caller) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.refillPerMs);
    bucket.at = now;
    this.buckets.set(caller, bucket);
    if (++this.sweeps % 1000 === 0) this.forgetFull(now);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / this.refillPerMs / 1000)) };
  }

  private forgetFull(now: number): void {
    for (const [caller, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.refillPerMs >= this.perMinute) this.buckets.delete(caller);
    }
  }
}
