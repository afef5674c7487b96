import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RedisEventBus } from '../../src/events/redis-bus.js';
import { createRuntime } from '../../src/runtime.js';
import { RedisRunStore } from '../../src/store/redis-store.js';
import { captureLogs } from '../helpers/log-capture.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { EPOCH, extractionResult, usageIncrement } from './fixtures.js';
import { newRun } from './new-run.js';
import { describeLegacyRunsContract, describeRunStoreContract } from './run-store-contract.js';

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

describeRunStoreContract(
  'Redis',
  () => new RedisRunStore(server.url, { retentionDays: 30, keyPrefix: freshPrefix() }),
  async () => {
    // two servers' stores on one Redis
    const keyPrefix = freshPrefix();
    return [
      new RedisRunStore(server.url, { retentionDays: 30, keyPrefix }),
      new RedisRunStore(server.url, { retentionDays: 30, keyPrefix }),
    ];
  },
);

/**
 * What a server before pipelines left in Redis: the same layout without the
 * run hash's pipeline fields and without any `runs:pipeline*` key (runs made by
 * this store, then stripped of what it adds for pipelines).
 */
describeLegacyRunsContract('Redis', async (legacy) => {
  const prefix = freshPrefix();
  const writer = new RedisRunStore(server.url, { retentionDays: 30, keyPrefix: prefix });
  const raw = new Redis(server.url);
  try {
    for (const run of legacy) {
      await writer.create(run, EPOCH);
      await raw.hdel(`${prefix}run:${run.id}`, 'pipelineName', 'pipelineVersion');
    }
    const added = await raw.keys(`${prefix}runs:pipeline*`);
    expect(added.length).toBeGreaterThan(0);
    await raw.del(...added);
  } finally {
    await writer.close();
    await raw.quit();
  }
  return new RedisRunStore(server.url, { retentionDays: 30, keyPrefix: prefix });
});

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
    const { run } = await a.create(
      newRun({ idempotencyKey: 'k1', pipeline: { name: 'banking', version: 'b1' } }),
      EPOCH,
    );
    expect(await raw.type(`${prefix}run:${run.id}`)).toBe('hash');
    expect(await raw.hmget(`${prefix}run:${run.id}`, 'pipelineName', 'pipelineVersion')).toEqual(['banking', 'b1']);
    expect(await raw.zscore(`${prefix}runs:pipeline:banking`, run.id)).toBe('1');
    expect(await raw.zscore(`${prefix}runs:pipeline:banking:stage:RECEIVED`, run.id)).toBe('1');
    expect(await raw.smembers(`${prefix}runs:pipelines`)).toEqual(['banking']);
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
    expect(await raw.ttl(`${prefix}runs:pipeline:banking`)).toBe(-1);
  });

  it("keeps the run's API key in its hash, none for an open server's run", async () => {
    const keyed = await a.create(newRun({ apiKey: 'ops-team' }), EPOCH);
    const open = await a.create(newRun(), EPOCH);
    expect(await raw.hget(`${prefix}run:${keyed.run.id}`, 'apiKey')).toBe('ops-team');
    expect(await raw.hexists(`${prefix}run:${open.run.id}`, 'apiKey')).toBe(0);
    expect((await b.get(open.run.id))?.apiKey).toBeNull();
  });

  it('counts usage in one hash per day, and tokens per key in another, kept a little longer than the runs', async () => {
    const { run } = await a.create(newRun(), EPOCH);
    const usage = (key: string | null, model: string) => usageIncrement({ key, model, rulesDecisions: 2 });
    await b.transition(run.id, {
      stage: 'EXTRACTED',
      at: new Date().toISOString(),
      usage: [usage('ops', 'm|1'), usage(null, 'm|1')],
    });
    expect(await raw.hgetall(`${prefix}usage:2030-01-01`)).toEqual({
      '["ops","travel","m|1","runs"]': '1',
      '["ops","travel","m|1","promptTokens"]': '10',
      '["ops","travel","m|1","completionTokens"]': '5',
      '["ops","travel","m|1","cacheHits"]': '0',
      '["ops","travel","m|1","rulesDecisions"]': '2',
      '[null,"travel","m|1","runs"]': '1',
      '[null,"travel","m|1","promptTokens"]': '10',
      '[null,"travel","m|1","completionTokens"]': '5',
      '[null,"travel","m|1","cacheHits"]': '0',
      '[null,"travel","m|1","rulesDecisions"]': '2',
    });
    expect(await raw.hgetall(`${prefix}tokens:2030-01-01`)).toEqual({ '"ops"': '15', null: '15' });
    for (const key of ['usage:2030-01-01', 'tokens:2030-01-01']) {
      const ttl = await raw.ttl(prefix + key);
      expect(ttl).toBeGreaterThan(9 * DAY_S - 60);
      expect(ttl).toBeLessThanOrEqual(9 * DAY_S);
    }
  });

  it('keeps a cached answer as a PX string', async () => {
    const entry = { runId: 'r1', result: { ...extractionResult } };
    await a.cachePut('abc', entry, 10_000);
    expect(JSON.parse((await raw.get(`${prefix}cache:abc`)) as string)).toEqual(entry);
    const pttl = await raw.pttl(`${prefix}cache:abc`);
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('keeps a pipeline definition as its JSON, with no TTL, written once', async () => {
    await a.savePipeline({ name: 'banking', version: 'b1' }, { rules: [] });
    expect(await raw.get(`${prefix}pipeline:banking:b1`)).toBe('{"rules":[]}');
    expect(await raw.ttl(`${prefix}pipeline:banking:b1`)).toBe(-1);
    await b.savePipeline({ name: 'banking', version: 'b1' }, { rules: [1] });
    expect(await raw.get(`${prefix}pipeline:banking:b1`)).toBe('{"rules":[]}');
  });

  it('indexes the runs written before pipelines once per Redis, on the first listing by pipeline', async () => {
    const { run } = await a.create(newRun(), EPOCH);
    await raw.hdel(`${prefix}run:${run.id}`, 'pipelineName', 'pipelineVersion');
    await raw.del(...(await raw.keys(`${prefix}runs:pipeline*`)));
    expect((await a.list({ first: 5, pipeline: 'travel' })).runs.map((r) => r.run.id)).toEqual([run.id]);
    expect(await raw.get(`${prefix}runs:pipelines:indexed`)).toBe('1');
    expect(await raw.zscore(`${prefix}runs:pipeline:travel:stage:RECEIVED`, run.id)).toBe('1');
    // marked done: another instance does not walk the runs again
    await raw.zrem(`${prefix}runs:pipeline:travel`, run.id);
    expect((await b.list({ first: 5, pipeline: 'travel' })).runs).toEqual([]);
  });

  it('refreshes the TTLs on each transition and keeps the running set', async () => {
    const { run } = await a.create(newRun({ idempotencyKey: 'k2' }), EPOCH);
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
    const { run } = await a.create(newRun(), EPOCH);
    expect(await a.acquireLease(run.id, 'extraction', 'owner-a', 10_000)).toBe(true);
    expect(await raw.get(`${prefix}lease:${run.id}:extraction`)).toBe('owner-a');
    const pttl = await raw.pttl(`${prefix}lease:${run.id}:extraction`);
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('claims a stage in two round trips: the run, then the lease with the run read again', async () => {
    const client = new Redis(server.url);
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string }) => {
      sent.push(command.name);
      return send(command as never);
    }) as typeof client.sendCommand;
    const store = new RedisRunStore(client, { retentionDays: 7, keyPrefix: prefix });
    try {
      const needsExtraction = (r: { extraction: unknown }) => r.extraction === null;
      // the first use of a script on a Redis loads it (NOSCRIPT, then EVAL): not what is counted here
      const { run: first } = await store.create(newRun(), EPOCH);
      await store.claimStage(first.id, 'extraction', 'owner-a', 10_000, 0, needsExtraction);
      const { run } = await store.create(newRun(), EPOCH);
      sent.length = 0;
      expect(await store.claimStage(run.id, 'extraction', 'owner-a', 10_000, 0, needsExtraction)).toEqual({
        run,
        needed: true,
        leased: true,
      });
      expect(sent).toEqual(['hgetall', 'evalsha']);
      expect(await raw.get(`${prefix}lease:${run.id}:extraction`)).toBe('owner-a');

      // a stored result: one read, no lease
      await a.transition(run.id, {
        stage: 'EXTRACTED',
        at: new Date().toISOString(),
        extraction: extractionResult,
        running: null,
        release: { stage: 'extraction', owner: 'owner-a' },
      });
      sent.length = 0;
      expect(await store.claimStage(run.id, 'extraction', 'owner-b', 10_000, 0, needsExtraction)).toMatchObject({
        needed: false,
      });
      expect(sent).toEqual(['hgetall']);
      expect(await raw.exists(`${prefix}lease:${run.id}:extraction`)).toBe(0);
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  it('an instance whose check turns a stage down never holds its lease, so one that needs it is not kept waiting', async () => {
    const { run } = await a.create(newRun(), EPOCH);
    let other: Promise<unknown> | undefined;
    // a: a check that refuses (a stored failure it may not retry, a drain, a model it does not allow);
    // b asks for the same stage, needing it, while a's check runs
    const refused = a.claimStage(run.id, 'extraction', 'owner-a', 60_000, 60_000, () => {
      other = b.claimStage(run.id, 'extraction', 'owner-b', 60_000, 60_000, () => true);
      throw new Error('refused here');
    });
    await expect(refused).rejects.toThrow('refused here');
    expect(await other).toMatchObject({ needed: true, leased: true });
  });

  it("a claim whose check refuses leaves a lapsed holder's first sighting as it was", async () => {
    const { run } = await a.create(newRun(), EPOCH);
    // its holder marked it running, then died: no lease, and a sighting of that recorded a while ago
    await a.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' });
    const [s, us] = await raw.time();
    const sighting = String(Number(s) * 1000 + Math.floor(Number(us) / 1000) - 2_100);
    await raw.set(`${prefix}lapsed:${run.id}:extraction`, sighting, 'PX', 600_000);
    await expect(
      a.claimStage(run.id, 'extraction', 'owner-a', 60_000, 1, () => {
        throw new Error('SHUTTING_DOWN');
      }),
    ).rejects.toThrow('SHUTTING_DOWN');
    expect(await raw.get(`${prefix}lapsed:${run.id}:extraction`)).toBe(sighting);
    expect(await raw.exists(`${prefix}lease:${run.id}:extraction`)).toBe(0);
  });

  it('two instances racing: one run per key, gapless seqs, one lease holder', async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).create(newRun({ idempotencyKey: 'race' }), EPOCH)),
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
    const gone = await a.create(newRun(), EPOCH);
    const kept = await a.create(newRun(), EPOCH);
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
    // the retention sweep removes what is left of it, from every index, without counting it
    expect(await raw.zscore(`${prefix}runs:stage:EXTRACTING`, gone.run.id)).not.toBeNull();
    expect(await raw.zscore(`${prefix}runs:pipeline:travel`, gone.run.id)).not.toBeNull();
    expect(await a.deleteCreatedBefore(new Date(Date.now() + 60_000).toISOString())).toBe(1);
    expect(await raw.zcard(`${prefix}runs:created`)).toBe(0);
    for (const index of ['runs:stage:EXTRACTING', 'runs:pipeline:travel', 'runs:pipeline:travel:stage:EXTRACTING']) {
      expect(await raw.zcard(prefix + index)).toBe(0);
    }
  });

  it('a run written without pipeline by an older instance after the indexing joins the legacy indexes when it moves on', async () => {
    expect((await a.list({ first: 5, pipeline: 'travel' })).runs).toEqual([]);
    expect(await raw.get(`${prefix}runs:pipelines:indexed`)).toBe('1');
    // a rolling upgrade: an instance of the previous version creates a run (no pipeline fields or indexes)
    const { run } = await a.create(newRun(), EPOCH);
    await raw.hdel(`${prefix}run:${run.id}`, 'pipelineName', 'pipelineVersion');
    await raw.del(...(await raw.keys(`${prefix}runs:pipeline:*`)));
    await b.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' });
    expect((await b.list({ first: 5, pipeline: 'travel' })).runs.map((r) => r.run.id)).toEqual([run.id]);
    expect((await b.list({ first: 5, pipeline: 'travel', stage: 'EXTRACTING' })).runs.map((r) => r.run.id)).toEqual([
      run.id,
    ]);
    // found by the transition, not by indexing all runs again
    expect(await raw.get(`${prefix}runs:pipelines:indexed`)).toBe('1');
  });

  it('indexes runs written before pipelines through more runs than one batch', async () => {
    const created = await Promise.all(Array.from({ length: 1_100 }, () => a.create(newRun(), EPOCH)));
    const strip = raw.pipeline();
    for (const { run } of created) strip.hdel(`${prefix}run:${run.id}`, 'pipelineName', 'pipelineVersion');
    await strip.exec();
    await raw.del(...(await raw.keys(`${prefix}runs:pipeline*`)));
    const page = await b.list({ first: 2_000, pipeline: 'travel' });
    expect(page.runs).toHaveLength(1_100);
    expect(page.hasNextPage).toBe(false);
    expect(await raw.zcard(`${prefix}runs:pipeline:travel:stage:RECEIVED`)).toBe(1_100);
  });

  it('deleteCreatedBefore works through more runs than one batch', async () => {
    const old = new Date(Date.now() - 3 * DAY_S * 1000).toISOString();
    await Promise.all(Array.from({ length: 450 }, () => a.create(newRun({ createdAt: old }), EPOCH)));
    await a.create(newRun(), EPOCH);
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
