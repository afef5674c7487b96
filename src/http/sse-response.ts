import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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

/** A result's SSE frame, and the same bytes as one HTTP/1.1 chunk: built once per result object. */
interface Frame {
  bytes: Buffer;
  chunk: Buffer | undefined;
}

const frames = new WeakMap<object, Frame>();

function framed(result: ExecutionResult): Frame {
  let frame = frames.get(result);
  if (!frame) {
    frame = { bytes: Buffer.from(`event: next\ndata: ${serialise(result)}\n\n`), chunk: undefined };
    frames.set(result, frame);
  }
  return frame;
}

/** `event: next` with the result as its data: built once per result object. */
export function frameOf(result: ExecutionResult): Buffer {
  return framed(result).bytes;
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

/**
 * One subscriber's response body: its results as SSE frames, taken from the
 * results only as fast as the client reads them.
 *
 * Piped into Node's HTTP response (what whatwg-node does with a Node stream
 * body), it writes to that response itself instead of through the stream's
 * buffer and flowing mode; read any other way (`yoga.fetch`, a web stream),
 * it is an ordinary Readable.
 */
class SseStream extends Readable {
  private pulling = false;
  private started = false;
  /** the response it writes to directly, once piped into one */
  private sink: ServerResponse | undefined;

  constructor(
    private readonly results: AsyncIterator<ExecutionResult>,
    private readonly pings: KeepAlive,
  ) {
    super();
    pings.add(this);
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (!(destination instanceof ServerResponse) || this.started || options?.end === false) {
      return super.pipe(destination, options);
    }
    this.started = true;
    this.sink = destination;
    destination.write(PING);
    void this.pump();
    return destination;
  }

  override _read(): void {
    if (!this.started) {
      this.started = true;
      this.push(PING);
    }
    if (!this.pulling) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pulling = true;
    try {
      for (;;) {
        const next = await this.results.next();
        if (this.destroyed) return;
        if (next.done) {
          this.finish(COMPLETE);
          return;
        }
        // nothing to send for an empty value (as Yoga)
        if (next.value == null || this.send(framed(next.value))) continue;
        // the client reads slower than events come: a piped stream's _read asks again once it has caught up;
        // a response written directly is written to again once its socket has taken what it holds
        if (!this.sink) return;
        await drained(this.sink);
        if (this.destroyed) return;
      }
    } catch (err) {
      // Yoga hands failures on as results; should one escape, the stream still ends as a stream should,
      // never with an 'error' event on a body nobody listens to (an uncaught exception)
      // destroyed: _destroy has let go of everything
      if (this.destroyed) return;
      const error = err instanceof GraphQLError ? err : new GraphQLError('Unexpected error.');
      this.send(framed({ errors: [error] }));
      this.finish(COMPLETE);
    } finally {
      this.pulling = false;
    }
  }

  /** false: the client has not taken what was sent before; wait before sending more */
  private send(frame: Frame): boolean {
    if (!this.sink) return this.push(frame.bytes);
    const socket = rawChunks(this.sink);
    if (!socket) return this.sink.write(frame.bytes);
    frame.chunk ??= Buffer.concat([Buffer.from(`${frame.bytes.length.toString(16)}\r\n`), frame.bytes, CRLF]);
    return socket.write(frame.chunk);
  }

  /** the last bytes, then the end of the body */
  private finish(last: Buffer): void {
    this.pings.delete(this);
    if (this.sink) {
      this.sink.end(last);
    } else {
      this.push(last);
      this.push(null);
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
    if (this.destroyed) return;
    if (!this.sink) {
      if (this.readableLength === 0) this.push(PING);
    } else if (this.sink.writableLength === 0 && !this.sink.writableEnded) this.sink.write(PING);
  }
}

const CRLF = Buffer.from('\r\n');

/** Node's HTTP response internals that rawChunks reads (the same on Node 20 and 24). */
interface ResponseState {
  chunkedEncoding?: boolean;
  _headerSent?: boolean;
  _hasBody?: boolean;
}

/**
 * The response's socket, when a frame may be written to it as a chunk this
 * code frames itself: a chunked HTTP/1.1 body whose headers have gone out, on
 * the socket the response owns, with nothing of the response's still queued
 * in front. `res.write` would write the same bytes, in three writes corked
 * together and a tick later; one `socket.write` of a chunk built once per
 * event costs about a third less per subscriber (BENCHMARKS.md). Anything
 * else (a socket not yet attached, output of the response's still waiting,
 * HTTP/1.0 or HTTP/2): `res.write`.
 */
function rawChunks(res: ServerResponse): Socket | undefined {
  const state = res as unknown as ResponseState;
  const socket = res.socket;
  if (
    socket &&
    state.chunkedEncoding === true &&
    state._headerSent === true &&
    state._hasBody === true &&
    !waitingInResponse(res) &&
    (socket as Socket & { _httpMessage?: unknown })._httpMessage === res &&
    socket.writable &&
    !res.writableEnded
  ) {
    return socket;
  }
  return undefined;
}

/**
 * Whether the response holds bytes of its own not yet handed to its socket:
 * output queued before it had one, or (Node 24) what res.write wrote this tick.
 */
function waitingInResponse(res: ServerResponse): boolean {
  return res.writableLength !== (res.socket?.writableLength ?? 0);
}

/** Resolves once `res` can take more (its socket, or its own buffer, has drained), or it has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    const socket = res.socket;
    // written to the socket directly: its drain; buffered in the response: the response's
    const source = socket && !waitingInResponse(res) ? socket : res;
    const done = () => {
      source.off('drain', done);
      res.off('close', done);
      resolve();
    };
    source.on('drain', done);
    res.on('close', done);
  });
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
