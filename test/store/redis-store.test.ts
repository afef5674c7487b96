import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RedisEventBus } from '../../src/events/redis-bus.js';
import { createRuntime } from '../../src/runtime.js';
import { RedisRunStore } from '../../src/store/redis-store.js';
import { captureLogs } from '../helpers/log-capture.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { newRun } from './new-run.js';
import { describeRunStoreContract } from './run-store-contract.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.close();
});

const DAY_S = 24 * 60 * 60;
let stores = 0;
/** every store on its own key prefix: tests share the server, not their data */
const freshPrefix = () => `t${process.pid}-${++stores}:`;

describeRunStoreContract('Redis', () => new RedisRunStore(server.url, { retentionDays: 30, keyPrefix: freshPrefix() }));

const SINCE = new Date(0).toISOString();

describe('RedisRunStore on Redis', () => {
  let raw: Redis;
  let prefix: string;
  let a: RedisRunStore;
  let b: RedisRunStore;
  beforeAll(() => {
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    await raw.quit();
  });
  beforeEach(() => {
    prefix = freshPrefix();
    a = new RedisRunStore(server.url, { retentionDays: 7, keyPrefix: prefix });
    b = new RedisRunStore(server.url, { retentionDays: 7, keyPrefix: prefix });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('lays a run out as documented, every key of it with the retention TTL', async () => {
    const { run } = await a.create(newRun({ idempotencyKey: 'k1' }), SINCE);
    expect(await raw.type(`${prefix}run:${run.id}`)).toBe('hash');
    expect(await raw.type(`${prefix}events:${run.id}`)).toBe('stream');
    expect(await raw.get(`${prefix}idem:k1`)).toBe(run.id);
    expect(await raw.zscore(`${prefix}runs:all`, run.id)).toBe('1');
    expect(await raw.zscore(`${prefix}runs:stage:RECEIVED`, run.id)).toBe('1');
    expect(Number(await raw.zscore(`${prefix}runs:created`, run.id))).toBe(Date.parse(run.createdAt));
    expect(await raw.xrange(`${prefix}events:${run.id}`, '-', '+')).toEqual([
      [
        '1-0',
        ['e', JSON.stringify({ stage: 'RECEIVED', at: run.createdAt, attempt: null, message: null, error: null })],
      ],
    ]);
    for (const key of [`run:${run.id}`, `events:${run.id}`, 'idem:k1']) {
      const ttl = await raw.ttl(prefix + key);
      expect(ttl).toBeGreaterThan(7 * DAY_S - 60);
      expect(ttl).toBeLessThanOrEqual(7 * DAY_S);
    }
    // the counters and indexes outlive any one run
    expect(await raw.ttl(`${prefix}runs:seq`)).toBe(-1);
    expect(await raw.ttl(`${prefix}runs:all`)).toBe(-1);
  });

  it('refreshes the TTLs on each transition and keeps the running set', async () => {
    const { run } = await a.create(newRun({ idempotencyKey: 'k2' }), SINCE);
    for (const key of [`run:${run.id}`, `events:${run.id}`, 'idem:k2']) await raw.expire(prefix + key, 100);
    await b.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' });
    for (const key of [`run:${run.id}`, `events:${run.id}`, 'idem:k2']) {
      expect(await raw.ttl(prefix + key)).toBeGreaterThan(7 * DAY_S - 60);
    }
    expect(await raw.smembers(`${prefix}runs:running`)).toEqual([run.id]);
    expect(await raw.zscore(`${prefix}runs:stage:RECEIVED`, run.id)).toBeNull();
    expect(await raw.zscore(`${prefix}runs:stage:EXTRACTING`, run.id)).toBe('1');
    await a.transition(run.id, { stage: 'FAILED', at: new Date().toISOString(), running: null });
    expect(await raw.smembers(`${prefix}runs:running`)).toEqual([]);
  });

  it('leases are PX keys holding the owner', async () => {
    const { run } = await a.create(newRun(), SINCE);
    expect(await a.acquireLease(run.id, 'extraction', 'owner-a', 10_000)).toBe(true);
    expect(await raw.get(`${prefix}lease:${run.id}:extraction`)).toBe('owner-a');
    const pttl = await raw.pttl(`${prefix}lease:${run.id}:extraction`);
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('two instances racing: one run per key, gapless seqs, one lease holder', async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).create(newRun({ idempotencyKey: 'race' }), SINCE)),
    );
    expect(created.filter((c) => c.created)).toHaveLength(1);
    const id = created[0]?.run.id as string;
    expect(new Set(created.map((c) => c.run.id))).toEqual(new Set([id]));

    const moved = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).transition(id, { stage: 'EXTRACTING', at: new Date().toISOString(), attempt: i + 1 }),
      ),
    );
    expect(moved.map((m) => m.event.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect((await a.events(id)).map((e) => e.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));

    const wins = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).acquireLease(id, 'extraction', `o${i}`, 10_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('a run whose keys expired drops out of the indexes when met', async () => {
    const gone = await a.create(newRun(), SINCE);
    const kept = await a.create(newRun(), SINCE);
    await a.transition(gone.run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' });
    await raw.del(`${prefix}run:${gone.run.id}`, `${prefix}events:${gone.run.id}`);
    expect(await a.get(gone.run.id)).toBeNull();
    const page = await a.list({ first: 1 });
    expect(page.runs.map((r) => r.run.id)).toEqual([kept.run.id]);
    expect(page.hasNextPage).toBe(false);
    expect(await raw.zscore(`${prefix}runs:all`, gone.run.id)).toBeNull();
    expect(
      await a.markInterrupted(new Date().toISOString(), () => ({
        code: 'RUN_INTERRUPTED',
        message: 'x',
        stage: 'EXTRACTING',
        retryable: true,
      })),
    ).toEqual([]);
    expect(await raw.smembers(`${prefix}runs:running`)).toEqual([]);
    // the retention sweep removes what is left of it without counting it
    expect(await a.deleteCreatedBefore(new Date(Date.now() + 60_000).toISOString())).toBe(1);
    expect(await raw.zcard(`${prefix}runs:created`)).toBe(0);
  });

  it('deleteCreatedBefore works through more runs than one batch', async () => {
    const old = new Date(Date.now() - 3 * DAY_S * 1000).toISOString();
    await Promise.all(Array.from({ length: 450 }, () => a.create(newRun({ createdAt: old }), SINCE)));
    await a.create(newRun(), SINCE);
    expect(await b.deleteCreatedBefore(new Date(Date.now() - DAY_S * 1000).toISOString())).toBe(450);
    expect((await a.list({ first: 10 })).runs).toHaveLength(1);
  });
});

describe('runtime with REDIS_URL', () => {
  it('uses the Redis store and bus, and says so', async () => {
    const logs = captureLogs('info');
    const runtime = await createRuntime(loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'info' }), {
      logger: logs.logger,
    });
    try {
      expect(runtime.store).toBeInstanceOf(RedisRunStore);
      expect(runtime.bus).toBeInstanceOf(RedisEventBus);
      await runtime.store.ping();
      const line = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'run store');
      expect(line).toMatchObject({ store: 'redis', redis: `127.0.0.1:${server.port}` });
    } finally {
      await runtime.close();
    }
  });
});
