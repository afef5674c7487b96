import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { metricValue } from '../helpers/metrics-text.js';
import { sseEvents, subscribeAndLeave, subscribeSse } from '../helpers/sse.js';
import { serveTestApp } from '../helpers/test-app.js';
import { openRawSocket, type WsMessage } from '../helpers/ws-protocol.js';

// plain strings: the same operations a curl user or a client in another language would send
const PROGRESS = 'subscription Leave($runId: ID!) { pipelineProgress(runId: $runId) { seq stage } }';
const UNKNOWN_RUN = '00000000-0000-4000-8000-000000000000';
const ALL_EVENTS = 'subscription LeaveAll { pipelineEvents { runId stage } }';
const START = parse('mutation LeaveStart($text: String!) { orchestrate(input: { text: $text }) { id } }');

/** Runs `task` for 0..n-1, `width` at a time. */
async function inBatches<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => task(i + j)))));
  }
  return out;
}

const stageOf = (first: unknown) =>
  (first as { data?: { pipelineProgress?: { stage?: string } } }).data?.pipelineProgress?.stage;

describe('a subscription ends the moment its client leaves, whatever the run is doing', () => {
  const live = serveTestApp();

  /** a run that rests at RECEIVED (nobody asked for a stage) or EXTRACTED: it may never change again */
  const quietRun = async (at: 'RECEIVED' | 'EXTRACTED') => {
    const res = await live.t.gql(START, { text: 'cancel booking XK4P9Q' });
    const id = (res.data as { orchestrate: { id: string } }).orchestrate.id;
    if (at === 'EXTRACTED') await live.t.app.runtime.orchestrator.ensureStage(id, 'extraction');
    return id;
  };
  const listeners = (runId: string) => live.t.app.runtime.bus.listenerCount({ runId });
  const openGauge = () => metricValue(live.server.url, 'orchestrator_subscriptions_open');

  it('SSE: 200 clients that read one event of a run at RECEIVED and disconnect leave no listener, timer or count', async () => {
    const id = await quietRun('RECEIVED');
    const seen = await inBatches(200, 25, () => subscribeAndLeave(live.server.url, PROGRESS, { runId: id }));
    expect(seen.map((s) => stageOf(s.first))).toEqual(Array(200).fill('RECEIVED'));
    await expect.poll(() => listeners(id), { timeout: 10_000 }).toBe(0);
    await expect.poll(openGauge).toBe(0);
  });

  it('SSE: the same at EXTRACTED', async () => {
    const id = await quietRun('EXTRACTED');
    await inBatches(40, 20, () => subscribeAndLeave(live.server.url, PROGRESS, { runId: id }));
    await expect.poll(() => listeners(id), { timeout: 10_000 }).toBe(0);
    await expect.poll(openGauge).toBe(0);
  });

  it('SSE: dashboards on pipelineEvents that leave a quiet server leave nothing behind', async () => {
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const responses = await Promise.all(
      controllers.map((c) => subscribeSse(live.server.url, ALL_EVENTS, {}, c.signal)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    await expect.poll(() => live.t.app.runtime.bus.listenerCount('all')).toBe(20);
    await expect.poll(openGauge).toBe(20);
    for (const c of controllers) c.abort();
    await expect.poll(() => live.t.app.runtime.bus.listenerCount('all'), { timeout: 10_000 }).toBe(0);
    await expect.poll(openGauge).toBe(0);
  });

  it('WebSocket: `complete` ends each subscription at once, and the socket keeps serving', async () => {
    const id = await quietRun('RECEIVED');
    const socket = await openRawSocket(live.server.url);
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
      for (const sid of ids) {
        socket.send({ id: sid, type: 'subscribe', payload: { query: PROGRESS, variables: { runId: id } } });
      }
      await Promise.all(ids.map((sid) => socket.next((m) => m.id === sid && m.type === 'next')));
      expect(listeners(id)).toBe(50);
      await expect.poll(openGauge).toBe(50);
      for (const sid of ids) socket.send({ id: sid, type: 'complete' });
      await expect.poll(() => listeners(id), { timeout: 10_000 }).toBe(0);
      await expect.poll(openGauge).toBe(0);
      // the connection itself is untouched
      socket.send({ id: 'q', type: 'subscribe', payload: { query: '{ runs(first: 1) { edges { node { id } } } }' } });
      const answer = await socket.next((m: WsMessage) => m.id === 'q' && m.type === 'next');
      expect(answer.payload).toHaveProperty('data.runs');
    } finally {
      socket.close();
    }
  });

  it('WebSocket: a client that vanishes (connection dropped) leaves nothing behind', async () => {
    const id = await quietRun('EXTRACTED');
    const socket = await openRawSocket(live.server.url);
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const sid of ids) {
      socket.send({ id: sid, type: 'subscribe', payload: { query: PROGRESS, variables: { runId: id } } });
    }
    await Promise.all(ids.map((sid) => socket.next((m) => m.id === sid && m.type === 'next')));
    expect(listeners(id)).toBe(50);
    socket.terminate();
    await expect.poll(() => listeners(id), { timeout: 10_000 }).toBe(0);
    await expect.poll(openGauge).toBe(0);
  });

  it('a subscriber that stays still gets the rest of the run, then the end', async () => {
    const id = await quietRun('RECEIVED');
    const res = await subscribeSse(live.server.url, PROGRESS, { runId: id });
    const stages: string[] = [];
    const reading = (async () => {
      for await (const e of sseEvents(res)) {
        if (e.event === 'next') stages.push(stageOf(e.data) as string);
      }
    })();
    await expect.poll(() => stages).toEqual(['RECEIVED']);
    await live.t.app.runtime.orchestrator.ensureStage(id, 'specialization');
    await reading;
    expect(stages).toEqual(['RECEIVED', 'EXTRACTING', 'EXTRACTED', 'SPECIALIZING', 'COMPLETE']);
    expect(listeners(id)).toBe(0);
    await expect.poll(openGauge).toBe(0);
  });
});

describe('refused subscriptions are never counted as open', () => {
  const live = serveTestApp();
  const codeOf = (first: unknown) =>
    (first as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;

  it('over SSE: an unknown run and a malformed id each get their code, and the gauge stays at 0', async () => {
    const unknown = await inBatches(20, 10, () => subscribeAndLeave(live.server.url, PROGRESS, { runId: UNKNOWN_RUN }));
    const malformed = await inBatches(20, 10, () =>
      subscribeAndLeave(live.server.url, PROGRESS, { runId: 'not-a-run' }),
    );
    expect(unknown.map((u) => codeOf(u.first))).toEqual(Array(20).fill('RUN_NOT_FOUND'));
    expect(malformed.map((u) => codeOf(u.first))).toEqual(Array(20).fill('BAD_USER_INPUT'));
    await expect.poll(() => metricValue(live.server.url, 'orchestrator_subscriptions_open')).toBe(0);
    expect(live.t.app.runtime.bus.listenerCount({ runId: UNKNOWN_RUN })).toBe(0);
  });

  it('over WebSocket too', async () => {
    const socket = await openRawSocket(live.server.url);
    try {
      for (let i = 0; i < 10; i++) {
        const runId = i % 2 ? UNKNOWN_RUN : 'not-a-run';
        socket.send({ id: `r${i}`, type: 'subscribe', payload: { query: PROGRESS, variables: { runId } } });
      }
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => socket.next((m) => m.id === `r${i}` && m.type !== 'next')),
      );
      await expect.poll(() => metricValue(live.server.url, 'orchestrator_subscriptions_open')).toBe(0);
    } finally {
      socket.close();
    }
  });
});
