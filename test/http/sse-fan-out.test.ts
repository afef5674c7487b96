import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, getSSEProcessor, type Plugin, useExecutionCancellation } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { frameOf, KeepAlive, useSseFanOut } from '../../src/http/sse-response.js';
import { useSharedSubscriptionResults } from '../../src/http/use-shared-subscription-results.js';

/**
 * A bus like ours: every listener gets the same event object. `fields` counts
 * how often the event type's fields are resolved, i.e. how often a document
 * is executed over an event.
 */
function fanOutSchema() {
  const listeners = new Set<(e: object) => void>();
  const fields = { calls: 0 };
  let pulls = 0;
  let refusals = 0;
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { ok: Boolean }
      type Tick { n: Int!, label(prefix: String): String!, contextKeys: String! }
      type Subscription { ticks: Tick!, endless: Tick!, replayed: Tick!, refused: Tick! }
    `,
    resolvers: {
      Tick: {
        n: (t: { n: number }) => {
          fields.calls++;
          return t.n;
        },
        label: (t: { n: number }, a: { prefix?: string }) => `${a.prefix ?? ''}${t.n}`,
        contextKeys: (_: unknown, __: unknown, ctx: object) => Object.keys(ctx).join(','),
      },
      Subscription: {
        ticks: {
          subscribe: () => {
            const queue: object[] = [];
            let wake: (() => void) | undefined;
            const listener = (e: object) => {
              queue.push(e);
              wake?.();
            };
            listeners.add(listener);
            return {
              [Symbol.asyncIterator]() {
                return this;
              },
              async next() {
                while (queue.length === 0) await new Promise<void>((r) => (wake = r));
                const value = queue.shift() as { n: number };
                return { value, done: value.n < 0 };
              },
              async return() {
                listeners.delete(listener);
                return { value: undefined, done: true };
              },
            };
          },
          resolve: (e: unknown) => e,
        },
        // a source that never runs dry: only the client's reading may pace it
        endless: {
          subscribe: async function* () {
            for (let n = 0; ; n++) {
              pulls++;
              yield { n };
            }
          },
          resolve: (e: unknown) => e,
        },
        // a field whose subscribe refuses, as an unknown run id is refused
        refused: {
          subscribe: () => {
            refusals++;
            throw new GraphQLError('No run has that id.', { extensions: { code: 'RUN_NOT_FOUND' } });
          },
          resolve: (e: unknown) => e,
        },
        // each subscriber gets its own copy of each event, as a replay from the store gives
        replayed: {
          subscribe: async function* () {
            for (let n = 1; n <= 2; n++) yield { n };
          },
          resolve: (e: unknown) => e,
        },
      },
    },
  });
  return {
    schema,
    fields,
    pulls: () => pulls,
    refusals: () => refusals,
    listeners,
    publish(n: number) {
      const event = { n };
      for (const l of listeners) l(event);
    },
  };
}

function yogaWith(schema: ReturnType<typeof fanOutSchema>['schema'], plugins: Plugin[]) {
  return createYoga({ schema, plugins, logging: false });
}

function subscribe(yoga: ReturnType<typeof yogaWith>, query: string, variables: Record<string, unknown> = {}) {
  return yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
}

async function waitFor(cond: () => boolean) {
  await vi.waitFor(() => expect(cond()).toBe(true), { timeout: 5000, interval: 5 });
}

describe('SSE fan-out: one execution and one serialisation per event for subscribers asking the same thing', () => {
  it('executes each event once for 20 subscribers of one document, and once more per other document or variables', async () => {
    const s = fanOutSchema();
    const yoga = yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut()]);
    const same = await Promise.all(Array.from({ length: 20 }, () => subscribe(yoga, 'subscription { ticks { n } }')));
    const other = await subscribe(yoga, 'subscription { ticks { n label } }');
    const withVars = await subscribe(yoga, 'subscription($p: String) { ticks { n label(prefix: $p) } }', { p: '#' });
    await waitFor(() => s.listeners.size === 22);
    s.publish(1);
    s.publish(2);
    s.publish(-1);
    const texts = await Promise.all([...same, other, withVars].map((r) => r.text()));
    // 2 events (the third ends the streams) x 3 distinct (document, variables)
    expect(s.fields.calls).toBe(6);
    const expected =
      ':\n\n' +
      'event: next\ndata: {"data":{"ticks":{"n":1}}}\n\n' +
      'event: next\ndata: {"data":{"ticks":{"n":2}}}\n\n' +
      'event: complete\ndata:\n\n';
    for (const t of texts.slice(0, 20)) expect(t).toBe(expected);
    expect(texts[21]).toContain('data: {"data":{"ticks":{"n":2,"label":"#2"}}}\n\n');
  });

  it("executes with a context holding only the caller, nothing of one subscriber's request", async () => {
    const s = fanOutSchema();
    const yoga = yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut()]);
    const res = await subscribe(yoga, 'subscription { ticks { contextKeys } }');
    await waitFor(() => s.listeners.size === 1);
    s.publish(1);
    s.publish(-1);
    expect(await res.text()).toContain('data: {"data":{"ticks":{"contextKeys":"caller"}}}');
  });

  it("lets go of the source when the request's signal aborts, even if nobody ever reads the body", async () => {
    const s = fanOutSchema();
    const yoga = yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut(), useExecutionCancellation()]);
    const aborted = new AbortController();
    await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { ticks { n } }' }),
      signal: aborted.signal,
    });
    await waitFor(() => s.listeners.size === 1);
    aborted.abort();
    await waitFor(() => s.listeners.size === 0);
  });

  it('executes for each subscriber when each has its own event object (a replay read from the store)', async () => {
    const s = fanOutSchema();
    const yoga = yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut()]);
    const texts = await Promise.all(
      Array.from({ length: 5 }, async () => (await subscribe(yoga, 'subscription { replayed { n } }')).text()),
    );
    expect(s.fields.calls).toBe(10);
    for (const t of texts) expect(t).toContain('data: {"data":{"replayed":{"n":2}}}');
  });

  it('writes what Yoga wrote, byte for byte, for the same subscription', async () => {
    const run = async (plugins: Plugin[]) => {
      const s = fanOutSchema();
      const yoga = yogaWith(s.schema, plugins);
      const res = await subscribe(yoga, 'subscription { ticks { n label(prefix: "x") } }');
      await waitFor(() => s.listeners.size === 1);
      s.publish(7);
      s.publish(-1);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    expect(await run([useSharedSubscriptionResults(), useSseFanOut()])).toEqual(await run([]));
  });

  it("answers what the executor refuses, and what the field's subscribe refuses, as Yoga does, calling it once", async () => {
    const run = async (plugins: Plugin[], query: string, variables: Record<string, unknown> = {}) => {
      const s = fanOutSchema();
      const res = await subscribe(yogaWith(s.schema, plugins), query, variables);
      return { status: res.status, text: await res.text(), refusals: s.refusals() };
    };
    const cases: [string, Record<string, unknown>?][] = [
      ['subscription($p: String) { ticks { label(prefix: $p) } }', { p: 5 }],
      ['subscription A { ticks { n } } subscription B { ticks { n } }'],
      ['subscription { refused { n } }'],
    ];
    for (const [query, variables] of cases) {
      const ours = await run([useSharedSubscriptionResults(), useSseFanOut()], query, variables);
      expect(ours).toEqual(await run([], query, variables));
      expect(ours.text).toContain('"errors"');
    }
    expect(
      (await run([useSharedSubscriptionResults(), useSseFanOut()], 'subscription { refused { n } }')).refusals,
    ).toBe(1);
  });

  it('pulls events only as fast as the client reads them', async () => {
    const s = fanOutSchema();
    const yoga = yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut()]);
    const res = await subscribe(yoga, 'subscription { endless { n } }');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await waitFor(() => s.pulls() > 10);
    await new Promise((r) => setTimeout(r, 200));
    // an unread body holds a few kilobytes of frames, then the source waits
    const held = s.pulls();
    expect(held).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.pulls()).toBe(held);
    await reader.cancel();
  });

  it('replaces only the SSE processor Yoga chose, recognising it by the name Yoga gives it', () => {
    const plugin = useSseFanOut();
    const set = vi.fn();
    const stream = { async *[Symbol.asyncIterator]() {} };
    const payload = (resultProcessor: unknown, result: unknown) =>
      ({ result, resultProcessor, setResultProcessor: set }) as never;
    plugin.onResultProcess?.(payload(getSSEProcessor(), stream));
    expect(set).toHaveBeenCalledTimes(1);
    expect(set.mock.calls[0]?.[1]).toBe('text/event-stream');
    // a single result over SSE, or another processor (multipart for @defer): Yoga's own
    plugin.onResultProcess?.(payload(getSSEProcessor(), { data: {} }));
    plugin.onResultProcess?.(payload(function processMultipartResult() {}, stream));
    expect(set).toHaveBeenCalledTimes(1);
  });

  it("serialises a result's frame once, without the server's internal error extensions", () => {
    const result = {
      data: null,
      errors: [new GraphQLError('too many', { extensions: { code: 'TOO_MANY', http: { status: 429 } } })],
    };
    const frame = frameOf(result);
    expect(frameOf(result)).toBe(frame);
    expect(frame.toString()).toBe(
      'event: next\ndata: {"data":null,"errors":[{"message":"too many","extensions":{"code":"TOO_MANY"}}]}\n\n',
    );
  });
});

describe('KeepAlive: one timer for every idle SSE stream', () => {
  it('pings every stream it holds, and stops its timer once none is left', async () => {
    const keepAlive = new KeepAlive(5);
    const a = { ping: vi.fn() };
    const b = { ping: vi.fn() };
    keepAlive.add(a);
    keepAlive.add(b);
    await vi.waitFor(() => expect(b.ping.mock.calls.length).toBeGreaterThan(1));
    expect(a.ping.mock.calls.length).toBeGreaterThan(1);
    keepAlive.delete(a);
    keepAlive.delete(b);
    expect(keepAlive.size).toBe(0);
    const after = b.ping.mock.calls.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(b.ping.mock.calls.length).toBe(after);
  });
});

describe('an SSE stream whose results fail', () => {
  it('ends with the error as its last result, then complete, never with an error event on the body', async () => {
    // Yoga turns a failing subscription into an error result before it gets here; this is what happens if one escapes
    let processor: ((result: unknown, fetchAPI: unknown, type: string) => Promise<Response> | Response) | undefined;
    const failing = {
      [Symbol.asyncIterator]() {
        let n = 0;
        return {
          async next(): Promise<IteratorResult<{ data: { n: number } }>> {
            if (n++ === 0) return { value: { data: { n: 1 } }, done: false };
            throw new Error('the source broke');
          },
        };
      },
    };
    useSseFanOut().onResultProcess?.({
      result: failing,
      resultProcessor: getSSEProcessor(),
      setResultProcessor: (p: typeof processor) => {
        processor = p;
      },
    } as never);
    const yoga = createYoga({ schema: fanOutSchema().schema, logging: false });
    const res = await (processor as NonNullable<typeof processor>)(failing, yoga.fetchAPI, 'text/event-stream');
    expect(await res.text()).toBe(
      ':\n\n' +
        'event: next\ndata: {"data":{"n":1}}\n\n' +
        'event: next\ndata: {"errors":[{"message":"Unexpected error."}]}\n\n' +
        'event: complete\ndata:\n\n',
    );
  });
});

/** A raw HTTP/1.1 client: what the server writes, byte for byte, and each buffer it hands its sockets. */
async function overNodeHttp(yoga: ReturnType<typeof yogaWith>) {
  const server = createServer(yoga);
  const writes: Buffer[] = [];
  server.on('connection', (socket) => {
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (Buffer.isBuffer(chunk)) writes.push(chunk);
      return write(chunk, ...rest);
    }) as typeof socket.write;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    writes,
    open(query: string, variables: Record<string, unknown> = {}) {
      const body = JSON.stringify({ query, variables });
      const socket = connect(port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (c: Buffer) => received.push(c));
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return { socket, text: () => Buffer.concat(received).toString() };
    },
    close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      return closed;
    },
  };
}

/** an HTTP response's head and what follows it */
function parts(response: string) {
  const at = response.indexOf('\r\n\r\n');
  return { head: response.slice(0, at), rest: response.slice(at + 4) };
}

/** a chunked body's data (the frames here are ASCII: a chunk's size in bytes is its length in characters) */
function dechunk(body: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const eol = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (size === 0) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

describe("SSE piped into Node's HTTP response: written to it directly, one chunk per frame", () => {
  it('sends the bytes res.write would, each frame as one socket write of a chunk built once', async () => {
    const s = fanOutSchema();
    const http = await overNodeHttp(yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut()]));
    try {
      const a = http.open('subscription { ticks { n } }');
      const b = http.open('subscription { ticks { n } }');
      await waitFor(() => s.listeners.size === 2);
      s.publish(1);
      s.publish(2);
      s.publish(-1);
      const frame = (n: number) => `event: next\ndata: {"data":{"ticks":{"n":${n}}}}\n\n`;
      const body = `${chunk(':\n\n')}${chunk(frame(1))}${chunk(frame(2))}${chunk('event: complete\ndata:\n\n')}0\r\n\r\n`;
      for (const client of [a, b]) {
        await waitFor(() => client.text().endsWith('0\r\n\r\n'));
        const { head, rest } = parts(client.text());
        expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
        expect(rest).toBe(body);
      }
      // each event's chunk went out whole, in one write, and was built once for both subscribers
      const first = http.writes.filter((w) => w.toString() === chunk(frame(1)));
      expect(first).toHaveLength(2);
      expect(first[0]).toBe(first[1]);
    } finally {
      await http.close();
    }
  });

  it('stops pulling events while the client does not read, and lets go of the source when it leaves', async () => {
    const s = fanOutSchema();
    const http = await overNodeHttp(yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut()]));
    try {
      // 10 KB frames: the sockets' buffers fill after a few hundred of them
      const client = http.open('subscription($p: String) { endless { label(prefix: $p) } }', { p: 'x'.repeat(10_000) });
      client.socket.pause();
      await waitFor(() => s.pulls() > 10);
      let held = -1;
      await vi.waitFor(
        async () => {
          const before = s.pulls();
          await new Promise((r) => setTimeout(r, 200));
          held = s.pulls();
          expect(held).toBe(before);
        },
        { timeout: 10_000, interval: 0 },
      );
      expect(held).toBeLessThan(5_000);
      const ticks = http.open('subscription { ticks { n } }');
      await waitFor(() => s.listeners.size === 1);
      ticks.socket.destroy();
      await waitFor(() => s.listeners.size === 0);
    } finally {
      await http.close();
    }
  });

  it('keeps the order of a keep-alive comment and an event sent in the same turn', async () => {
    const s = fanOutSchema();
    const streams = new Set<{ ping(): void }>();
    const pings = { add: (x: { ping(): void }) => streams.add(x), delete: (x: { ping(): void }) => streams.delete(x) };
    const http = await overNodeHttp(
      yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut(pings as unknown as KeepAlive)]),
    );
    try {
      const client = http.open('subscription { ticks { n } }');
      await waitFor(() => s.listeners.size === 1 && client.text().includes(chunk(':\n\n')));
      // from a microtask: the comment goes through res.write, the event is delivered before the next tick
      queueMicrotask(() => {
        for (const x of streams) x.ping();
        s.publish(1);
        s.publish(-1);
      });
      await waitFor(() => client.text().endsWith('0\r\n\r\n'));
      const frame = 'event: next\ndata: {"data":{"ticks":{"n":1}}}\n\n';
      // Node may put writes of one tick in one chunk: compare what the chunks carry, in order
      expect(dechunk(parts(client.text()).rest)).toBe(`:\n\n:\n\n${frame}event: complete\ndata:\n\n`);
    } finally {
      await http.close();
    }
  });

  it('keeps an idle stream alive with the same comment, as a chunk of its own', async () => {
    const s = fanOutSchema();
    const http = await overNodeHttp(
      yogaWith(s.schema, [useSharedSubscriptionResults(), useSseFanOut(new KeepAlive(20))]),
    );
    try {
      const client = http.open('subscription { ticks { n } }');
      await waitFor(() => client.text().split(chunk(':\n\n')).length > 3);
      const { rest } = parts(client.text());
      expect(rest).toBe(chunk(':\n\n').repeat(rest.length / chunk(':\n\n').length));
    } finally {
      await http.close();
    }
  });
});
