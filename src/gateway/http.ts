import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import type { Cancellation } from './abort.js';

/**
 * One keep-alive connection pool per process for every gateway origin. Plain
 * undici `Agent` (no interceptors): it never retries by itself, so the
 * retry loop in `client.ts` is the only one.
 */

export interface HttpAnswer {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

export function createDispatcher(): Dispatcher {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // the attempt's deadline (abort.ts) is the only one; undici's own timers would race it
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { timeout: 10_000 },
  });
}

/**
 * POSTs `body` and reads the whole answer as text (UTF-8, a byte-order mark
 * dropped), as undici's `request` and `body.text()` would, through its
 * `dispatch` handler API: no response stream to build and drain for an answer
 * read whole anyway, and no AbortSignal to make (see Cancellation).
 * Rejects with the cancellation's reason as soon as it ends (while the
 * connection is still being made, too: a deadline holds there as well), or
 * with undici's error.
 */
export function post(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  body: string,
  cancel: Cancellation,
): Promise<HttpAnswer> {
  if (cancel.aborted) return Promise.reject(cancel.reason);
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: 'POST', headers, body },
      new AnswerReader(cancel, resolve, reject),
    );
  });
}

class AnswerReader implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private readonly stopListening: () => void;

  constructor(
    private readonly cancel: Cancellation,
    private readonly resolve: (answer: HttpAnswer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.stopListening = cancel.onAbort((reason) => {
      // any reason, as an AbortSignal's: undici hands it on as it is (typed Error, it is not checked)
      if (this.controller) this.controller.abort(reason as Error);
      // not started yet (a connection being made): the caller hears it now, and the request is
      // aborted as it starts, before anything is sent
      else this.reject(reason);
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancel.aborted) controller.abort(this.cancel.reason as Error);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // a 1xx is not the answer
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.stopListening();
    const headers = this.headers;
    this.resolve({
      status: this.status,
      header: (name) => {
        const v = headers[name];
        return Array.isArray(v) ? v[0] : v;
      },
      text: utf8Text(this.chunks),
    });
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.stopListening();
    this.reject(error);
  }
}

/** The chunks as UTF-8 text without a leading byte-order mark: what undici's `body.text()` returns. */
function utf8Text(chunks: Buffer[]): string {
  if (chunks.length === 0) return '';
  const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const bom = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}
