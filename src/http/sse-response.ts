import { Readable } from 'node:stream';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { type FetchAPI, isAsyncIterable, type Plugin } from 'graphql-yoga';

/**
 * Subscriptions over SSE (the GraphQL-over-SSE "distinct connections" mode
 * Yoga serves), written so that one event reaching 10,000 subscribers costs
 * one serialisation, not 10,000:
 * - a result is serialised into its SSE frame once, and every subscriber
 *   handed the same result object (use-shared-subscription-results.ts) writes
 *   the same bytes;
 * - one frame per event (Yoga writes `event:` and `data:` as two chunks);
 * - the response body is a Node stream the HTTP server pipes straight to the
 *   socket, pulled only as fast as the client reads (a slow client holds its
 *   own events back, as before);
 * - one timer keeps every idle stream alive, not one timer per subscriber.
 * The bytes on the wire are Yoga's: a `:` comment first (some browsers wait
 * for a first byte), the same comment every 12 s, `event: next` frames, and
 * `event: complete` at the end.
 */
export function useSseFanOut(pings = new KeepAlive(KEEP_ALIVE_MS)): Plugin {
  return {
    onResultProcess({ result, resultProcessor, setResultProcessor }) {
      // Yoga chose SSE for a stream (a subscription, or @defer asked for over SSE): serve it here.
      // Yoga's processor is recognised by the name its exported factory gives it (test/http/sse-fan-out.test.ts checks)
      if (!isAsyncIterable(result) || resultProcessor?.name !== YOGA_SSE_PROCESSOR) return;
      setResultProcessor((r, fetchAPI) => sseResponse(r as AsyncIterable<ExecutionResult>, fetchAPI, pings), SSE);
    },
  };
}

export const YOGA_SSE_PROCESSOR = 'processSSEResult';
const SSE = 'text/event-stream';
/** Yoga's interval: well under the idle timeouts of common proxies (30-60 s) */
export const KEEP_ALIVE_MS = 12_000;

const HEADERS = {
  'Content-Type': SSE,
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};
const PING = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');

function sseResponse(result: AsyncIterable<ExecutionResult>, fetchAPI: FetchAPI, pings: KeepAlive): Response {
  const body = new SseStream(result[Symbol.asyncIterator](), pings);
  // @whatwg-node's Response takes a Node stream as it is, and its server pipes it to the socket
  return new fetchAPI.Response(body as unknown as ReadableStream, { status: 200, headers: HEADERS });
}

const frames = new WeakMap<object, Buffer>();

/** `event: next` with the result as its data: built once per result object. */
export function frameOf(result: ExecutionResult): Buffer {
  let frame = frames.get(result);
  if (!frame) {
    frame = Buffer.from(`event: next\ndata: ${serialise(result)}\n\n`);
    frames.set(result, frame);
  }
  return frame;
}

/** JSON of a result without the server's internals (an error's `http` and `unexpected`), as Yoga writes it. */
function serialise(result: ExecutionResult & { stringify?: (r: ExecutionResult) => string }): string {
  const stringify = result.stringify ?? JSON.stringify;
  const http = (result.extensions as { http?: unknown } | undefined)?.http;
  if (!result.errors?.length && !http) return stringify(result);
  const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  return stringify({
    ...result,
    errors: result.errors?.map((e) => {
      // anything but a GraphQLError goes as it is, as Yoga writes it
      if (typeof e.toJSON !== 'function') return e;
      const json = e.toJSON();
      const { http: _h, unexpected: _u, ...rest } = (json.extensions ?? {}) as Record<string, unknown>;
      return { ...json, extensions: Object.keys(rest).length ? rest : undefined };
    }),
    extensions: Object.keys(extensions).length ? extensions : undefined,
  } as ExecutionResult);
}

/** One subscriber's response body: its results as SSE frames, read from the stream as the socket takes them. */
class SseStream extends Readable {
  private pulling = false;

  constructor(
    private readonly results: AsyncIterator<ExecutionResult>,
    private readonly pings: KeepAlive,
  ) {
    super();
    this.push(PING);
    pings.add(this);
  }

  override _read(): void {
    if (!this.pulling) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pulling = true;
    try {
      for (;;) {
        const next = await this.results.next();
        if (this.destroyed) return;
        if (next.done) {
          this.pings.delete(this);
          this.push(COMPLETE);
          this.push(null);
          return;
        }
        // nothing to send for an empty value (as Yoga); false: the client reads slower than events come,
        // and _read asks again once it has caught up
        if (next.value != null && !this.push(frameOf(next.value))) return;
      }
    } catch (err) {
      // Yoga hands failures on as results; should one escape, the stream still ends as a stream should,
      // never with an 'error' event on a body nobody listens to (an uncaught exception)
      this.pings.delete(this);
      if (this.destroyed) return;
      const error = err instanceof GraphQLError ? err : new GraphQLError('Unexpected error.');
      this.push(frameOf({ errors: [error] }));
      this.push(COMPLETE);
      this.push(null);
    } finally {
      this.pulling = false;
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.pings.delete(this);
    // the client left (or the stream failed): the subscription lets go of its listener now
    Promise.resolve()
      .then(() => this.results.return?.())
      .catch(() => {});
    callback(err);
  }

  /** a keep-alive comment, unless data is already waiting to be written */
  ping(): void {
    if (this.readableLength === 0 && !this.destroyed) this.push(PING);
  }
}

/** One interval for every open SSE stream, running only while there is one. */
export class KeepAlive {
  private readonly streams = new Set<{ ping(): void }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly everyMs: number) {}

  add(stream: { ping(): void }): void {
    this.streams.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const s of this.streams) s.ping();
      }, this.everyMs);
      this.timer.unref();
    }
  }

  delete(stream: { ping(): void }): void {
    this.streams.delete(stream);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.streams.size;
  }
}
