import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Dialect, errorBody } from './dialects.js';
import type { Fault } from './faults.js';
import { logRequest, type SimulatorStats } from './state.js';

/** Reading request bodies and writing answers, the same way for every endpoint. */

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';
const NO_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

export class BodyTooLarge extends Error {
  constructor() {
    super(`the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
}

/** The body as text; BodyTooLarge past the limit, the stream's error if the client goes away. */
export function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (size > MAX_BODY_BYTES) return;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
    // After 'end' this is a no-op; before it, the client went away mid-body.
    req.once('close', () => reject(new Error('the client closed the connection')));
  });
}

export function isJsonContentType(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type);
}

/** Writes a whole answer; every one carries a correlation id and says it is simulated. */
export function write(
  res: ServerResponse,
  status: number,
  body: string,
  headers?: OutgoingHttpHeaders,
  contentType = JSON_TYPE,
): void {
  const all: OutgoingHttpHeaders = {
    'inin-correlation-id': randomUUID(),
    'x-simulator': 'true',
    ...headers,
  };
  if (NO_BODY_STATUSES.has(status)) {
    res.writeHead(status, all);
    res.end();
    return;
  }
  all['content-type'] = contentType;
  all['content-length'] = Buffer.byteLength(body);
  // Past the limit the rest of the body is never read, so the connection cannot be reused.
  if (status === 413) all.connection = 'close';
  res.writeHead(status, all);
  res.end(body);
}

/**
 * One token or model request: answered at most once, and logged in the stats
 * whether it is answered, dropped, or abandoned by the client.
 */
export class Exchange {
  modelId: string | undefined;
  private settled = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly stats: SimulatorStats,
    readonly endpoint: 'token' | 'model',
    readonly at: number,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  send(status: number, body: string, headers?: OutgoingHttpHeaders, contentType?: string): void {
    if (!this.settle(status)) return;
    write(this.res, status, body, headers, contentType);
  }

  /** Destroys the socket without a byte of answer. */
  drop(): void {
    if (!this.settle('dropped')) return;
    this.req.socket.destroy();
  }

  /** Marks the request as never answered, e.g. when its client went away. */
  abandon(): void {
    this.settle('dropped');
  }

  /** Runs `then` after `ms`, unless the client goes away first. */
  after(ms: number, then: () => void): void {
    const onClose = () => {
      clearTimeout(timer);
      this.abandon();
    };
    const timer = setTimeout(() => {
      this.res.off('close', onClose);
      then();
    }, ms);
    this.res.once('close', onClose);
  }

  private settle(status: number | 'dropped'): boolean {
    if (this.settled) return false;
    this.settled = true;
    const entry =
      this.modelId === undefined
        ? { endpoint: this.endpoint, status, at: this.at }
        : { endpoint: this.endpoint, modelId: this.modelId, status, at: this.at };
    logRequest(this.stats, entry);
    return true;
  }
}

/** A status fault: exactly the headers it asks for, nothing invented. */
export function sendStatusFault(ex: Exchange, dialect: Dialect, fault: Extract<Fault, { kind: 'status' }>): void {
  const headers: OutgoingHttpHeaders = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  if (fault.body === undefined) {
    ex.send(fault.status, errorBody(dialect, fault.status, `Simulated fault: HTTP ${fault.status}`), headers);
  } else {
    ex.send(fault.status, fault.body, headers, looksLikeJson(fault.body) ? undefined : 'text/plain; charset=utf-8');
  }
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
