import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { metricValue } from '../helpers/metrics-text.js';
import { sseEvents, subscribeSse } from '../helpers/sse.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';
import { openRawSocket, type RawSocket, type WsMessage } from '../helpers/ws-protocol.js';

const PROGRESS = 'subscription Limited($runId: ID!) { pipelineProgress(runId: $runId) { seq stage } }';
const START = parse('mutation LimitedStart($text: String!) { orchestrate(input: { text: $text }) { id } }');
const DESK = 'k-desk-limits-1';
const WALL = 'k-wall-limits-1';

type Payload = { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** An SSE subscription held open after its first event; `close()` disconnects. */
async function holdSse(url: string, runId: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await subscribeSse(url, PROGRESS, { runId }, controller.signal, headers);
  // read by hand: leaving a for-await loop would close the stream
  const events = sseEvents(res);
  let first: Payload | undefined;
  while (!first) {
    const e = await events.next();
    if (e.done) break;
    if (e.value.event === 'next') first = e.value.data as Payload;
  }
  return { status: res.status, first, close: () => controller.abort() };
}

/** Subscribes on a raw socket; resolves with the first answer for that id (a `next` or an `error`). */
async function subscribeWs(socket: RawSocket, id: string, runId: string): Promise<WsMessage> {
  socket.send({ id, type: 'subscribe', payload: { query: PROGRESS, variables: { runId } } });
  return socket.next((m) => m.id === id && (m.type === 'next' || m.type === 'error'));
}

const codeOf = (m: { payload?: unknown } | Payload | undefined) => {
  const p = (m && 'payload' in m ? m.payload : m) as Payload | undefined;
  return p?.errors?.[0]?.extensions?.code;
};

describe('subscription limits: per WebSocket and per key, refused with TOO_MANY_SUBSCRIPTIONS', () => {
  let t: TestApp;
  let server: RunningServer;
  let runId: string;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const rejected = () =>
    metricValue(server.url, 'orchestrator_operations_rejected_total', { reason: 'too_many_subscriptions' });
  const open = () => metricValue(server.url, 'orchestrator_subscriptions_open');

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        API_KEYS: `desk:orchestrate:${DESK},wall:read:${WALL}`,
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
        MAX_SUBSCRIPTIONS_PER_KEY: '5',
      },
    });
    server = await listen(t.app);
    // a run that stays at RECEIVED: its subscriptions stay open until their clients leave
    const res = await t.gql(START, { text: 'cancel booking XK4P9Q' }, bearer(DESK));
    runId = (res.data as { orchestrate: { id: string } }).orchestrate.id;
  });
  afterAll(async () => {
    await server.close(0);
    await t.sim.close();
  });

  it('one WebSocket holds MAX_SUBSCRIPTIONS_PER_CONNECTION; the next is refused and the socket keeps serving', async () => {
    const socket = await openRawSocket(server.url, bearer(WALL));
    try {
      for (const id of ['a', 'b', 'c']) expect((await subscribeWs(socket, id, runId)).type).toBe('next');
      const refused = await subscribeWs(socket, 'd', runId);
      expect(codeOf(refused)).toBe('TOO_MANY_SUBSCRIPTIONS');
      expect(JSON.stringify(refused.payload)).toContain('At most 3 subscriptions');
      expect(await rejected()).toBe(1);
      // the socket and its three subscriptions are untouched
      socket.send({ id: 'q', type: 'subscribe', payload: { query: '{ runs(first: 1) { edges { node { id } } } }' } });
      expect((await socket.next((m) => m.id === 'q' && m.type === 'next')).payload).toHaveProperty('data.runs');
      expect(t.app.runtime.bus.listenerCount({ runId })).toBe(3);
      // one given back, one more may come
      socket.send({ id: 'a', type: 'complete' });
      await expect.poll(open).toBe(2);
      expect(codeOf(await subscribeWs(socket, 'e', runId))).toBeUndefined();
    } finally {
      socket.close();
    }
    await expect.poll(open).toBe(0);
  });

  it('one key holds MAX_SUBSCRIPTIONS_PER_KEY over SSE and WebSocket together; 429 over SSE; other keys unaffected', async () => {
    const before = await rejected();
    const socket = await openRawSocket(server.url, bearer(WALL));
    const held: Array<{ close(): void }> = [];
    try {
      for (const id of ['a', 'b', 'c']) expect((await subscribeWs(socket, id, runId)).type).toBe('next');
      for (let i = 0; i < 2; i++) {
        const sse = await holdSse(server.url, runId, bearer(WALL));
        expect(sse.status).toBe(200);
        held.push(sse);
      }
      expect(await open()).toBe(5);

      const overSse = await holdSse(server.url, runId, bearer(WALL));
      overSse.close();
      expect(overSse.status).toBe(429);
      expect(codeOf(overSse.first)).toBe('TOO_MANY_SUBSCRIPTIONS');
      expect(overSse.first?.errors?.[0]?.message).toContain('At most 5 subscriptions');
      // a fresh socket of the same key is refused too: the limit is the key's, not the connection's
      const other = await openRawSocket(server.url, bearer(WALL));
      try {
        expect(codeOf(await subscribeWs(other, 'x', runId))).toBe('TOO_MANY_SUBSCRIPTIONS');
      } finally {
        other.close();
      }
      expect(await rejected()).toBe(before + 2);

      const desk = await holdSse(server.url, runId, bearer(DESK));
      expect(desk.status).toBe(200);
      expect(codeOf(desk.first)).toBeUndefined();
      desk.close();

      // a subscription given back makes room again
      held.pop()?.close();
      await expect.poll(open).toBe(5 - 1);
      const again = await holdSse(server.url, runId, bearer(WALL));
      expect(again.status).toBe(200);
      held.push(again);
    } finally {
      for (const h of held) h.close();
      socket.close();
    }
    await expect.poll(open).toBe(0);
    expect(t.app.runtime.bus.listenerCount({ runId })).toBe(0);
  });
});

describe('with no API keys, the per-key limit is per client address', () => {
  it('a third subscription from one address is refused at MAX_SUBSCRIPTIONS_PER_KEY=2', async () => {
    const t = await createTestApp({ env: { MAX_SUBSCRIPTIONS_PER_KEY: '2' } });
    const server = await listen(t.app);
    try {
      const runId = ((await t.gql(START, { text: 'cancel booking XK4P9Q' })).data as { orchestrate: { id: string } })
        .orchestrate.id;
      const a = await holdSse(server.url, runId);
      const b = await holdSse(server.url, runId);
      const c = await holdSse(server.url, runId);
      for (const h of [a, b, c]) h.close();
      expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
      expect(codeOf(c.first)).toBe('TOO_MANY_SUBSCRIPTIONS');
    } finally {
      await server.close(0);
      await t.sim.close();
    }
  });
});
