import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { RedisEventBus } from '../../src/events/redis-bus.js';
import type { StageEvent } from '../../src/pipeline/run.js';
import { RedisRunStore } from '../../src/store/redis-store.js';
import type { RunStore } from '../../src/store/run-store.js';
import { restStatusOf } from '../helpers/error-table.js';
import { captureLogs } from '../helpers/log-capture.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { createTestApp, listen } from '../helpers/test-app.js';
import { EPOCH } from './fixtures.js';
import { newRun } from './new-run.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const event = (runId: string): StageEvent => ({
  runId,
  seq: 2,
  stage: 'EXTRACTING',
  at: new Date().toISOString(),
  attempt: 1,
  message: null,
  error: null,
});

/** every method once, each expected to fail with STORE_UNAVAILABLE */
const calls = (store: RunStore, id: string): Array<[string, () => Promise<unknown>]> => [
  ['create', () => store.create(newRun(), EPOCH)],
  ['get', () => store.get(id)],
  ['getMany', () => store.getMany([id, 'x'])],
  ['list', () => store.list({ first: 5 })],
  ['transition', () => store.transition(id, { stage: 'EXTRACTING', at: new Date().toISOString() })],
  ['events', () => store.events(id)],
  ['eventsOfMany', () => store.eventsOfMany([id])],
  ['acquireLease', () => store.acquireLease(id, 'extraction', 'o', 1_000)],
  ['renewLease', () => store.renewLease(id, 'extraction', 'o', 1_000)],
  ['releaseLease', () => store.releaseLease(id, 'extraction', 'o')],
  [
    'markInterrupted',
    () =>
      store.markInterrupted(new Date().toISOString(), () => ({
        code: 'RUN_INTERRUPTED',
        message: 'x',
        stage: 'EXTRACTING',
        retryable: true,
      })),
  ],
  ['deleteCreatedBefore', () => store.deleteCreatedBefore(EPOCH)],
  ['ping', () => store.ping()],
];

async function expectUnavailableFast(name: string, call: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const err = await call().then(
    () => new Error(`${name} resolved while Redis was down`),
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  expect(err, name).toBeInstanceOf(AppError);
  expect(err, name).toMatchObject({
    code: 'STORE_UNAVAILABLE',
    message: 'The run store (Redis) cannot be reached.',
    retryable: true,
  });
  // well under the 2 s a connect or command timeout would take, with room for a busy machine
  expect(ms, `${name} took ${ms.toFixed(0)} ms`).toBeLessThan(1_500);
}

async function eventually(check: () => Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

describe('RedisRunStore when Redis goes away and comes back', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('fails fast with STORE_UNAVAILABLE while Redis is down, logs once, and recovers by itself', async () => {
    const logs = captureLogs('info');
    const store = new RedisRunStore(server.url, { retentionDays: 1, keyPrefix: 'outage:', logger: logs.logger });
    const bus = new RedisEventBus(server.url, { logger: logs.logger });
    try {
      const { run } = await store.create(newRun(), EPOCH);
      await bus.ready;

      await server.stop();
      for (const [name, call] of calls(store, run.id)) await expectUnavailableFast(name, call);
      // publishing goes nowhere but never throws into the caller
      expect(() => bus.publish(event(run.id))).not.toThrow();
      // a second round: still fast, while the client keeps retrying in the background
      await sleep(300);
      for (const [name, call] of calls(store, run.id)) await expectUnavailableFast(name, call);
      const warned = logs.lines.filter((l) => l.includes('run store (Redis) unreachable'));
      expect(warned).toHaveLength(1);

      await server.start();
      // the server came back empty (no persistence): the store works again, scripts reloaded
      await eventually(() => store.ping());
      const again = await store.create(newRun(), EPOCH);
      expect(again.created).toBe(true);
      const moved = await store.transition(again.run.id, {
        stage: 'EXTRACTING',
        at: new Date().toISOString(),
        running: 'extraction',
      });
      expect(moved.event.seq).toBe(2);
      expect(await store.acquireLease(again.run.id, 'extraction', 'o', 1_000)).toBe(true);
      expect(logs.lines.filter((l) => l.includes('run store (Redis) reachable again'))).toHaveLength(1);
    } finally {
      await bus.close();
      await store.close();
    }
  });

  it('a store created while Redis is down fails fast, then works once Redis starts', async () => {
    await server.stop();
    const store = new RedisRunStore(server.url, { retentionDays: 1, keyPrefix: 'late:' });
    try {
      await expectUnavailableFast('get', () => store.get('x'));
      await expectUnavailableFast('ping', () => store.ping());
      await server.start();
      await eventually(() => store.ping());
      expect((await store.create(newRun(), EPOCH)).created).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a Redis that hangs: calls fail after the command timeout, then work when it answers again', async () => {
    const store = new RedisRunStore(server.url, { retentionDays: 1, keyPrefix: 'hang:', commandTimeoutMs: 300 });
    try {
      const { run } = await store.create(newRun(), EPOCH);
      server.pause();
      const started = performance.now();
      await expect(store.get(run.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      // two 300 ms timeouts, not the 2 s default's (nor a hang): room for a busy machine
      expect(performance.now() - started).toBeLessThan(3_000);
      server.resume();
      await eventually(() => store.ping());
      expect(await store.get(run.id)).toEqual(run);
    } finally {
      server.resume();
      await store.close();
    }
  });

  it('a lapsed lease seen before an outage is timed afresh after it: a live holder gets its grace once Redis is back', async () => {
    const store = new RedisRunStore(server.url, { retentionDays: 1, keyPrefix: 'lapse:', commandTimeoutMs: 300 });
    const GRACE_MS = 200;
    const sweep = () =>
      store.markInterrupted(
        new Date().toISOString(),
        (stage) => ({
          code: 'RUN_INTERRUPTED',
          message: 'x',
          stage: stage === 'extraction' ? 'EXTRACTING' : 'SPECIALIZING',
          retryable: true,
        }),
        GRACE_MS,
      );
    try {
      const { run } = await store.create(newRun(), EPOCH);
      await store.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' });
      expect(await store.acquireLease(run.id, 'extraction', 'holder', 50)).toBe(true);
      await sleep(150);
      // the lease is seen lapsed: its grace starts
      expect(await sweep()).toEqual([]);

      server.pause();
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      // longer than the grace and the store's reconnect allowance together: had the clock kept
      // running through the outage, the holder would be given up for dead at the next sweep
      await sleep(3_000);
      server.resume();
      await eventually(() => store.ping());
      expect(await sweep()).toEqual([]);

      // counted afresh from here, a holder that stays silent is still found
      await eventually(async () => expect((await sweep()).map((e) => e.runId)).toEqual([run.id]), 20_000);
    } finally {
      server.resume();
      await store.close();
    }
  });

  it('a store whose Redis never answers closes without hanging', async () => {
    const store = new RedisRunStore('redis://127.0.0.1:1', { retentionDays: 1 });
    await expectUnavailableFast('ping', () => store.ping());
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

describe('the server while its Redis is away: STORE_UNAVAILABLE, over GraphQL and REST', () => {
  it("answers the code and REST status of docs/api.md's error table, and says so on /ready", async () => {
    const redis = await startRedisServer();
    const t = await createTestApp({ env: { REDIS_URL: redis.url } });
    const server = await listen(t.app);
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    try {
      expect((await post('/v1/orchestrate', { text: 'cancel booking XK4P9Q' })).status).toBe(200);
      await redis.stop();

      const rest = await post('/v1/orchestrate', { text: 'cancel booking XK4P9Q' });
      expect(rest.status).toBe(restStatusOf('STORE_UNAVAILABLE'));
      expect(await rest.json()).toMatchObject({ status: 'error', code: 'STORE_UNAVAILABLE' });
      const gql = await post('/graphql', {
        query: 'mutation { orchestrate(input: { text: "cancel booking XK4P9Q" }) { id } }',
      });
      const body = (await gql.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      expect((await fetch(`${server.url}/ready`)).status).toBe(503);
    } finally {
      await server.close(0);
      await t.sim.close();
      await redis.close();
    }
  });
});
