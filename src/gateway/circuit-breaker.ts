export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failed calls (as the caller judges them: see GatewayClient.complete) that open the circuit */
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
 * One circuit per model, per process. After `failureThreshold` consecutive
 * failed calls, calls to that model fail fast for `cooldownMs`; then a single
 * probe decides: success closes the circuit, failure opens it for another
 * cool-down. A model that is down then costs the gateway one request per
 * cool-down instead of every caller's retries.
 *
 * What counts is the caller's to say (GatewayClient.complete): `failed` for a
 * whole call that ended GATEWAY_UNAVAILABLE or GATEWAY_TIMEOUT after its
 * retries (5xx, timeouts, dropped connections); `succeeded` for an answer or a
 * 4xx that shows the model is up; `abandoned` for a 429 (the model is busy, not
 * down: it never opens the circuit) or a cancelled call. See docs/operations.md
 * "Circuit breaker".
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

  /** A call that ended neither way (cancelled, or rate limited: busy, not down) frees the probe. */
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
