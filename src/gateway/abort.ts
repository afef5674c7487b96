/** Waits and deadlines that an AbortSignal ends at once. */

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * What ends one attempt early, as its token wait and its HTTP request hear it:
 * an AbortSignal's state, and one way to be told. Not an AbortSignal itself:
 * on Node 20 making one costs about 2 us (Node's `createAbortSignal` changes
 * a new EventTarget's prototype, which leaves it a slow object), and using it
 * as much again, against 0.5 us on Node 24: about 1.7 % of a run's server
 * time for the two attempts of a run.
 */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** calls `listener` once if it ends later (check `aborted` first); returns what stops listening */
  onAbort(listener: (reason: unknown) => void): () => void;
}

/**
 * One attempt's cancellation: its caller's signal or `timeoutMs`, whichever
 * comes first, told apart (`timedOut`). `dispose` when the attempt ends.
 */
export class AttemptDeadline implements Cancellation {
  aborted = false;
  reason: unknown = undefined;
  timedOut = false;
  private listeners: Array<(reason: unknown) => void> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly parent: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    if (parent?.aborted) this.abort(abortReason(parent));
    else if (parent) joinAttempts(parent, this);
  }

  onAbort(listener: (reason: unknown) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at !== -1) this.listeners.splice(at, 1);
    };
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    clearTimeout(this.timer);
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(reason);
  }

  dispose(): void {
    clearTimeout(this.timer);
    if (this.parent) leaveAttempts(this.parent, this);
  }
}

/**
 * The attempts under way for each caller's signal, told by one listener of
 * the signal's own while there are any: a long-lived signal (a server's
 * lifetime) with runs in flight would otherwise have a listener added and
 * removed for every attempt, each a walk of Node's list of its listeners.
 * The listener goes with the last attempt: Node keeps a signal that has
 * abort listeners alive (`AbortSignal.any`, `AbortSignal.timeout`).
 */
const attemptsByParent = new WeakMap<AbortSignal, { attempts: Set<AttemptDeadline>; onAbort: () => void }>();

function joinAttempts(parent: AbortSignal, attempt: AttemptDeadline): void {
  let under = attemptsByParent.get(parent);
  if (!under) {
    const attempts = new Set<AttemptDeadline>();
    const onAbort = () => {
      attemptsByParent.delete(parent);
      for (const a of attempts) a.abort(abortReason(parent));
    };
    parent.addEventListener('abort', onAbort, { once: true });
    under = { attempts, onAbort };
    attemptsByParent.set(parent, under);
  }
  under.attempts.add(attempt);
}

function leaveAttempts(parent: AbortSignal, attempt: AttemptDeadline): void {
  const under = attemptsByParent.get(parent);
  if (!under?.attempts.delete(attempt) || under.attempts.size > 0) return;
  parent.removeEventListener('abort', under.onAbort);
  attemptsByParent.delete(parent);
}

/** Races a promise against a cancellation without cancelling the promise itself (it may be shared). */
export function raceAbort<T>(promise: Promise<T>, cancel: Cancellation | undefined): Promise<T> {
  if (!cancel) return promise;
  if (cancel.aborted) return Promise.reject(cancel.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = cancel.onAbort(reject);
    promise.then(
      (v) => {
        stop();
        resolve(v);
      },
      (e) => {
        stop();
        reject(e);
      },
    );
  });
}
