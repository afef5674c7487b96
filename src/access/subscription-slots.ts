/**
 * The subscriptions held now, per caller (an API key, or a client address on
 * an open server) and per WebSocket, each with a ceiling: one client cannot
 * hold the server's memory with streams. A slot is taken before a
 * subscription starts and given back once it has let go of everything.
 */
export class SubscriptionSlots {
  private readonly byCaller = new Map<string, number>();
  private readonly byConnection = new WeakMap<object, number>();
  private held = 0;

  constructor(readonly limits: { perKey: number; perConnection: number }) {}

  /** subscriptions held now, every caller and transport together */
  get open(): number {
    return this.held;
  }

  /**
   * A slot for `caller` (on `connection`, a WebSocket, if any); its release is
   * idempotent. Refused, with the limit that was reached, when either is full.
   */
  take(
    caller: string,
    connection?: object,
  ): { release: () => void } | { refused: 'key' | 'connection'; limit: number } {
    const ofCaller = this.byCaller.get(caller) ?? 0;
    if (ofCaller >= this.limits.perKey) return { refused: 'key', limit: this.limits.perKey };
    const ofConnection = connection ? (this.byConnection.get(connection) ?? 0) : 0;
    if (connection && ofConnection >= this.limits.perConnection) {
      return { refused: 'connection', limit: this.limits.perConnection };
    }
    this.byCaller.set(caller, ofCaller + 1);
    if (connection) this.byConnection.set(connection, ofConnection + 1);
    this.held += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held -= 1;
        const left = (this.byCaller.get(caller) ?? 1) - 1;
        if (left > 0) this.byCaller.set(caller, left);
        else this.byCaller.delete(caller);
        if (connection) this.byConnection.set(connection, (this.byConnection.get(connection) ?? 1) - 1);
      },
    };
  }
}
