/**
 * Misbehaviour on request: a FIFO queue of faults, each consumed by the
 * requests it targets, plus the checks that keep a typo in a test or a
 * control-API call from silently queuing a fault that never fires.
 */

export type FaultTarget = { endpoint?: 'model' | 'token'; model?: string; times?: number };
export type Fault = FaultTarget &
  (
    | { kind: 'status'; status: number; retryAfter?: string; retryAfterMs?: number; body?: string }
    | { kind: 'drop' }
    | { kind: 'slow'; ms: number }
    | { kind: 'output'; content: string }
    | { kind: 'fenced' }
    | { kind: 'chatty' }
    | { kind: 'malformed' }
    | { kind: 'wrong-shape' }
  );
export type FaultKind = Fault['kind'];

interface Queued {
  fault: Fault;
  left: number;
}

export class FaultQueue {
  private queue: Queued[] = [];

  get size(): number {
    return this.queue.length;
  }

  add(faults: readonly unknown[]): void {
    // All checked before any is queued, so a bad batch changes nothing.
    const checked = faults.map(parseFault);
    for (const fault of checked) this.queue.push({ fault, left: fault.times ?? 1 });
  }

  clear(): number {
    const n = this.queue.length;
    this.queue = [];
    return n;
  }

  /** The oldest fault targeting this request, used up by one; undefined when none. */
  take(endpoint: 'model' | 'token', modelId: string | undefined): Fault | undefined {
    const q = this.queue;
    for (let i = 0; i < q.length; i++) {
      const entry = q[i] as Queued;
      const f = entry.fault;
      if ((f.endpoint ?? 'model') !== endpoint) continue;
      if (endpoint === 'model' && f.model !== undefined && f.model !== modelId) continue;
      entry.left -= 1;
      if (entry.left <= 0) q.splice(i, 1);
      return f;
    }
    return undefined;
  }
}

const KIND_FIELDS: Readonly<Record<FaultKind, readonly string[]>> = {
  status: ['status', 'retryAfter', 'retryAfterMs', 'body'],
  drop: [],
  slow: ['ms'],
  output: ['content'],
  fenced: [],
  chatty: [],
  malformed: [],
  'wrong-shape': [],
};
// setTimeout fires at once beyond this.
export const MAX_TIMER_MS = 2 ** 31 - 1;
const TARGET_FIELDS = ['kind', 'endpoint', 'model', 'times'];
// Fences and chatter are about model content; a token answer has none.
const TOKEN_KINDS: ReadonlySet<FaultKind> = new Set(['status', 'drop', 'slow', 'output', 'malformed', 'wrong-shape']);

/** The value as a Fault, or a TypeError saying what is wrong with it. */
export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('a fault must be an object with a "kind"');
  }
  const v = value as Record<string, unknown>;
  const kind = v.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(KIND_FIELDS, kind)) {
    throw new TypeError(`fault kind must be one of ${Object.keys(KIND_FIELDS).join(', ')}`);
  }
  const k = kind as FaultKind;
  const allowed = new Set([...TARGET_FIELDS, ...KIND_FIELDS[k]]);
  for (const key of Object.keys(v)) {
    if (!allowed.has(key)) throw new TypeError(`unknown field "${key}" in a ${k} fault`);
  }
  if (v.endpoint !== undefined && v.endpoint !== 'model' && v.endpoint !== 'token') {
    throw new TypeError('fault endpoint must be "model" or "token"');
  }
  if (v.endpoint === 'token' && !TOKEN_KINDS.has(k))
    throw new TypeError(`a ${k} fault cannot target the token endpoint`);
  if (v.endpoint === 'token' && v.model !== undefined) throw new TypeError('a token fault cannot target a model');
  if (v.model !== undefined && (typeof v.model !== 'string' || v.model === '')) {
    throw new TypeError('fault model must be a non-empty string');
  }
  if (v.times !== undefined && !(Number.isSafeInteger(v.times) && (v.times as number) >= 1)) {
    throw new TypeError('fault times must be a whole number of at least 1');
  }
  if (k === 'status') {
    if (!(Number.isInteger(v.status) && (v.status as number) >= 200 && (v.status as number) <= 599)) {
      throw new TypeError('status fault needs a status from 200 to 599');
    }
    if (v.retryAfter !== undefined && typeof v.retryAfter !== 'string')
      throw new TypeError('retryAfter must be a string');
    if (v.retryAfterMs !== undefined && !isNonNegative(v.retryAfterMs)) {
      throw new TypeError('retryAfterMs must be a number of at least 0');
    }
    if (v.body !== undefined && typeof v.body !== 'string') throw new TypeError('body must be a string');
  }
  if (k === 'slow' && !(isNonNegative(v.ms) && v.ms <= MAX_TIMER_MS)) {
    throw new TypeError(`slow fault needs ms, a number from 0 to ${MAX_TIMER_MS}`);
  }
  if (k === 'output' && typeof v.content !== 'string') throw new TypeError('output fault needs content, a string');
  // Copied, so a caller mutating its object later does not change a queued fault.
  return { ...v } as Fault;
}

function isNonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
