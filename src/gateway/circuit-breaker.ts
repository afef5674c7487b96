export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive retryable failures that open the circuit */
  failureThreshold: number;
  /** how long an open circuit fails fast before one probe is let through */
  cooldownMs: number;
  now?: () => number;
}

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  probing: boolean;
}

/**
 * One circuit per model. After `failureThreshold` consecutive retryable
 * failures (5xx, 429, timeouts, dropped connections) calls to that model fail
 * fast for `cooldownMs`; then a single probe decides: success closes the
 * circuit, failure opens it for another cool-down. A model that is down then
 * costs the gateway one request per cool-down instead of every caller's retries.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;

  constructor(private readonly o: CircuitBreakerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Whether an attempt may go out now; when not, how long until the next probe. */
  admit(model: string): { ok: true } | { ok: false; retryInMs: number } {
    const c = this.circuits.get(model);
    if (!c || c.state === 'closed') return { ok: true };
    const elapsed = this.now() - c.openedAt;
    if (c.state === 'open' && elapsed >= this.o.cooldownMs) {
      c.state = 'half-open';
      c.probing = false;
    }
    if (c.state === 'half-open' && !c.probing) {
      c.probing = true;
      return { ok: true };
    }
    return { ok: false, retryInMs: Math.max(0, this.o.cooldownMs - elapsed) };
  }

  succeeded(model: string): void {
    const c = this.circuits.get(model);
    if (c) this.circuits.set(model, { state: 'closed', failures: 0, openedAt: 0, probing: false });
  }

  failed(model: string): void {
    const c = this.circuits.get(model) ?? { state: 'closed', failures: 0, openedAt: 0, probing: false };
    c.failures++;
    if (c.state === 'half-open' || c.failures >= this.o.failureThreshold) {
      c.state = 'open';
      c.openedAt = this.now();
      c.probing = false;
    }
    this.circuits.set(model, c);
  }

  /** An attempt that ended neither way (cancelled, or a 401 answered by a token refresh) frees the probe. */
  abandoned(model: string): void {
    const c = this.circuits.get(model);
    if (c?.state === 'half-open') c.probing = false;
  }

  states(): Array<{ model: string; state: CircuitState }> {
    return [...this.circuits].map(([model, c]) => ({
      model,
      state: c.state === 'open' && this.now() - c.openedAt >= this.o.cooldownMs ? 'half-open' : c.state,
    }));
  }
}
