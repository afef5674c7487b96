import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventQueue } from '../../src/events/event-queue.js';
import { RedisEventBus } from '../../src/events/redis-bus.js';
import type { StageEvent } from '../../src/pipeline/run.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const event = (runId: string, seq: number, over: Partial<StageEvent> = {}): StageEvent => ({
  runId,
  seq,
  stage: 'FAILED',
  at: '2030-01-01T00:00:00.000Z',
  attempt: null,
  message: 'why: "quoted" ünïcode',
  error: { code: 'MODEL_OUTPUT_INVALID', message: 'bad', stage: 'EXTRACTING', retryable: false, raw: '{oops' },
  ...over,
});

/** the next item, or a failure after `ms` */
async function next<T>(q: EventQueue<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
  });
  try {
    const r = await Promise.race([q.next(), timeout]);
    if (r.done) throw new Error('queue ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

/** nothing more arrives within `ms` */
async function nothingMore<T>(q: EventQueue<T>, ms = 150): Promise<void> {
  const r = await Promise.race([q.next(), new Promise<'none'>((resolve) => setTimeout(() => resolve('none'), ms))]);
  expect(r).toBe('none');
}

describe('RedisEventBus: two instances on one Redis', () => {
  let server: RedisServer;
  let a: RedisEventBus;
  let b: RedisEventBus;
  let channel = 0;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    channel += 1;
    a = new RedisEventBus(server.url, { channel: `test:${channel}` });
    b = new RedisEventBus(server.url, { channel: `test:${channel}` });
    await Promise.all([a.ready, b.ready]);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("an event published on A reaches B's run and all-runs subscribers as the plain object published", async () => {
    const byRun = b.subscribe({ runId: 'r1' });
    const all = b.subscribe('all');
    const other = b.subscribe({ runId: 'r2' });
    const published = event('r1', 3);
    a.publish(published);
    for (const q of [byRun, all]) {
      const got = await next(q);
      expect(got).toEqual(published);
      expect(got).not.toBe(published);
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(got.error)).toBe(Object.prototype);
    }
    await nothingMore(other);
    await nothingMore(byRun);
    for (const q of [byRun, all, other]) q.close();
  });

  it("the publisher's own subscribers hear each event once (no echo from Redis)", async () => {
    const mine = a.subscribe({ runId: 'r1' });
    const published = event('r1', 2, { stage: 'EXTRACTING', error: null, attempt: 1 });
    a.publish(published);
    expect(await next(mine)).toEqual(published);
    await nothingMore(mine, 300);
    mine.close();
  });

  it('events arrive in publish order; a subscription opened just before a publish misses nothing', async () => {
    const seen: number[] = [];
    for (let round = 0; round < 20; round++) {
      const q = b.subscribe({ runId: `run-${round}` });
      // no wait between subscribing and the other instance publishing
      for (let seq = 1; seq <= 5; seq++) a.publish(event(`run-${round}`, seq, { stage: 'EXTRACTING' }));
      for (let seq = 1; seq <= 5; seq++) seen.push((await next(q)).seq);
      q.close();
    }
    expect(seen).toEqual(Array.from({ length: 20 }, () => [1, 2, 3, 4, 5]).flat());
  });

  it('a closed subscription stops receiving', async () => {
    const q = b.subscribe('all');
    q.close();
    a.publish(event('r1', 1));
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('a stray message on the channel is ignored', async () => {
    const q = b.subscribe('all');
    const raw = new Redis(server.url);
    try {
      await raw.publish(`test:${channel}`, 'not json');
      await raw.publish(`test:${channel}`, JSON.stringify({ hello: 'world' }));
      a.publish(event('r1', 1));
      expect(await next(q)).toEqual(event('r1', 1));
    } finally {
      await raw.quit();
      q.close();
    }
  });
});

describe('RedisEventBus when Redis goes away', () => {
  it('publishing never throws, and fan-out resumes once Redis is back', async () => {
    const server = await startRedisServer();
    const a = new RedisEventBus(server.url, { channel: 'outage' });
    const b = new RedisEventBus(server.url, { channel: 'outage' });
    try {
      await Promise.all([a.ready, b.ready]);
      const q = b.subscribe('all');
      await server.stop();
      for (let i = 0; i < 20; i++) expect(() => a.publish(event('down', i))).not.toThrow();
      // local subscribers still hear local events
      const local = a.subscribe({ runId: 'local' });
      a.publish(event('local', 1));
      expect(await next(local)).toEqual(event('local', 1));
      local.close();

      await server.start();
      // b resubscribes by itself; keep publishing until it hears one
      const deadline = Date.now() + 20_000;
      let heard: StageEvent | undefined;
      while (!heard && Date.now() < deadline) {
        a.publish(event('back', 1));
        heard = await next(q, 200).catch(() => undefined);
      }
      // events dropped during the outage may arrive late or never; one after it arrives
      while (heard && heard.runId !== 'back') heard = await next(q);
      expect(heard).toEqual(event('back', 1));
      q.close();
    } finally {
      await a.close();
      await b.close();
      await server.close();
    }
  });

  it('closing while Redis is down does not hang', async () => {
    const server = await startRedisServer();
    const bus = new RedisEventBus(server.url);
    await bus.ready;
    await server.close();
    bus.publish(event('x', 1));
    const started = performance.now();
    await bus.close();
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
