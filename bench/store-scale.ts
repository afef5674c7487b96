/**
 * Does a run's store work cost the same with 1,000 and with 100,000 runs
 * stored? Drives each store (SQLite file, and a real redis-server when one is
 * on PATH) with a run's writes as the server makes them (create, then per
 * stage a claim, the first attempt's event, and the outcome with the lease's
 * release and the usage), 32 runs at a time, and reports the CPU per run of
 * this process (the store's client side; for Redis the server's own CPU is
 * not counted) with 1,000 and then 100,000 runs stored. Run ids are the
 * server's own (time-ordered: see src/pipeline/run-id.ts).
 *
 *   npx tsx bench/store-scale.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newRunId } from '../src/pipeline/run-id.js';
import type { ExtractionResult, SpecializationResult, StageName } from '../src/pipeline/types.js';
import { RedisRunStore } from '../src/store/redis-store.js';
import type { RunStore } from '../src/store/run-store.js';
import { SqliteRunStore } from '../src/store/sqlite-store.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const CONCURRENCY = 32;
const MEASURED_RUNS = 4000;
const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15 };
const extraction: ExtractionResult = {
  entities: { action: 'modify_flight', seat: '14A' },
  model: 'sim-extractor',
  usage,
  latencyMs: 1,
  attempts: 1,
  raw: '{"action":"modify_flight","seat":"14A"}',
  correlationId: null,
};
const specialization: SpecializationResult = {
  isValid: true,
  reason: 'ok',
  nextSteps: ['a'],
  model: 'sim-specialist',
  usage,
  latencyMs: 1,
  attempts: 1,
  raw: '{}',
  correlationId: null,
  decidedBy: 'MODEL',
  rule: null,
};

async function oneRun(store: RunStore): Promise<void> {
  const now = () => new Date().toISOString();
  const { run } = await store.create(
    {
      id: newRunId(),
      text: 'I need to change my flight to next Tuesday and update my seat to 14A',
      pipeline: { name: 'travel', version: 'v1' },
      apiKey: null,
      primaryModelId: 'sim-extractor',
      secondaryModelId: 'sim-specialist',
      idempotencyKey: null,
      inputHash: 'h',
      createdAt: now(),
    },
    new Date(Date.now() - 86_400_000).toISOString(),
  );
  for (const stage of ['extraction', 'specialization'] as StageName[]) {
    const claim = await store.claimStage(run.id, stage, 'me', 60_000, 60_000, (r) => r[stage] === null);
    if (!claim?.needed || !claim.leased) throw new Error('claim failed');
    const running = stage === 'extraction' ? 'EXTRACTING' : 'SPECIALIZING';
    await store.transition(run.id, { stage: running, at: now(), attempt: 1, running: stage, clearError: true });
    await store.transition(run.id, {
      stage: stage === 'extraction' ? 'EXTRACTED' : 'COMPLETE',
      at: now(),
      ...(stage === 'extraction' ? { extraction } : { specialization }),
      running: null,
      key: randomUUID(),
      release: { stage, owner: 'me' },
      usage: [
        {
          key: null,
          pipeline: 'travel',
          model: 'm',
          day: now().slice(0, 10),
          runs: stage === 'extraction' ? 1 : 0,
          promptTokens: 10,
          completionTokens: 5,
          cacheHits: 0,
          rulesDecisions: 0,
        },
      ],
    });
  }
}

async function drive(store: RunStore, runs: number): Promise<number> {
  let left = runs;
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await oneRun(store);
    }),
  );
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / runs;
}

async function measure(name: string, store: RunStore): Promise<void> {
  await drive(store, 1000);
  const small = await drive(store, MEASURED_RUNS);
  await drive(store, 100_000 - 1000 - 2 * MEASURED_RUNS);
  const large = await drive(store, MEASURED_RUNS);
  console.log(
    `${name}: CPU ms per run with ~1,000 runs stored ${small.toFixed(3)}, with ~100,000 ${large.toFixed(3)} (ratio ${(large / small).toFixed(2)})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'store-scale-'));
try {
  const sqlite = new SqliteRunStore(join(dir, 'runs.sqlite'));
  await measure('SQLite', sqlite);
  await sqlite.close();
  const server = await startRedisServer().catch(() => undefined);
  if (server) {
    const redis = new RedisRunStore(`redis://127.0.0.1:${server.port}`, { retentionDays: 30 });
    await measure('Redis (client side)', redis);
    await redis.close();
    await server.close();
  } else console.log('Redis: no redis-server on PATH, skipped');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
