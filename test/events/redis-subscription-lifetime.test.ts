import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { metricValue } from '../helpers/metrics-text.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { collectSse, subscribeAndLeave, subscribeSse } from '../helpers/sse.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';
import { openRawSocket } from '../helpers/ws-protocol.js';

const PROGRESS = 'subscription RedisLeave($runId: ID!) { pipelineProgress(runId: $runId) { seq stage } }';
const START = parse('mutation RedisLeaveStart($text: String!) { orchestrate(input: { text: $text }) { id } }');

describe('on the Redis event bus, a subscriber that leaves a quiet run lets go at once', () => {
  let redis: RedisServer;
  let a: TestApp;
  let b: TestApp;
  let serverB: RunningServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    // two instances on one Redis: runs are created on A, watched on B
    a = await createTestApp({ env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' } });
    b = await createTestApp({ env: { REDIS_URL: redis.url, LOG_LEVEL: 'info' }, sim: a.sim });
    serverB = await listen(b.app);
  });
  afterAll(async () => {
    await serverB?.close(0);
    await a?.close();
    await redis?.close();
  });

  it('SSE and WebSocket clients that leave leave no listener on the instance they used; live events still flow', async () => {
    const runId = ((await a.gql(START, { text: 'cancel booking XK4P9Q' })).data as { orchestrate: { id: string } })
      .orchestrate.id;
    const listeners = () => b.app.runtime.bus.listenerCount({ runId });

    for (let i = 0; i < 4; i++) {
      await Promise.all(Array.from({ length: 25 }, () => subscribeAndLeave(serverB.url, PROGRESS, { runId })));
    }
    const socket = await openRawSocket(serverB.url);
    for (let i = 0; i < 25; i++) {
      socket.send({ id: `s${i}`, type: 'subscribe', payload: { query: PROGRESS, variables: { runId } } });
    }
    await Promise.all(Array.from({ length: 25 }, (_, i) => socket.next((m) => m.id === `s${i}`)));
    for (let i = 0; i < 13; i++) socket.send({ id: `s${i}`, type: 'complete' });
    socket.terminate();

    await expect.poll(listeners, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => metricValue(serverB.url, 'orchestrator_subscriptions_open')).toBe(0);

    // the bus on B still hears A: a subscriber that stays sees the run finish there
    const watching = subscribeSse(serverB.url, PROGRESS, { runId }).then((res) =>
      collectSse<{ pipelineProgress: { stage: string } }>(res),
    );
    await expect.poll(listeners).toBe(1);
    await a.app.runtime.orchestrator.ensureStage(runId, 'specialization');
    expect((await watching).map((e) => e.pipelineProgress.stage)).toEqual([
      'RECEIVED',
      'EXTRACTING',
      'EXTRACTED',
      'SPECIALIZING',
      'COMPLETE',
    ]);
    expect(listeners()).toBe(0);
  });
});
