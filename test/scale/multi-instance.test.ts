import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { graphql } from '../gql/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { collectSse } from '../helpers/sse.js';
import { simulatorEnv } from '../helpers/test-app.js';

const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';
const FULL_HISTORY = ['RECEIVED', 'EXTRACTING', 'EXTRACTED', 'SPECIALIZING', 'COMPLETE'];

const Create = graphql(`
  mutation ScaleCreate($text: String!) {
    orchestrate(input: { text: $text }) { id }
  }
`);

const Finish = graphql(`
  mutation ScaleFinish($id: ID!) {
    resumeRun(id: $id) { stage error { code } specialization { isValid } }
  }
`);

const Read = graphql(`
  query ScaleRead($id: ID!) {
    run(id: $id) { stage error { code } events { seq stage } }
  }
`);

const Watch = graphql(`
  subscription ScaleWatch($runId: ID!) {
    pipelineProgress(runId: $runId) { seq stage }
  }
`);

// biome-ignore lint/suspicious/noExplicitAny: answers of several operations, read loosely by the assertions
type Json = Record<string, any>;

async function gql(server: ServerProcess, query: string, variables: Record<string, unknown>): Promise<Json> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Json;
}

const watch = (server: ServerProcess, runId: string) =>
  fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: print(Watch), variables: { runId } }),
  }).then((res) => collectSse<{ pipelineProgress: { seq: number; stage: string } }>(res));

describe('several instances on one Redis behave as one server', () => {
  let redis: RedisServer;
  let sim: Simulator;
  let servers: ServerProcess[];
  // slow stages below outlast a lease, never a gateway attempt
  const env = () =>
    simulatorEnv(sim, {
      REDIS_URL: redis.url,
      STAGE_LEASE_MS: '1500',
      SHUTDOWN_GRACE_MS: '1000',
      GATEWAY_TIMEOUT_MS: '30000',
      LOG_LEVEL: 'info',
    });

  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    sim = await startSimulator();
    servers = await Promise.all([startServerProcess(env()), startServerProcess(env()), startServerProcess(env())]);
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) s.proc.kill('SIGKILL');
    await sim.close();
    await redis.close();
  });
  beforeEach(() => {
    sim.resetStats();
    sim.clearFaults();
    sim.setLatency(0);
  });

  it('a run driven on A streams live on B, and a late subscriber on C gets the whole history', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    sim.setLatency(100);
    const id = (await gql(a, print(Create), { text: SEED })).data.orchestrate.id as string;
    const onB = watch(b, id);
    await new Promise((r) => setTimeout(r, 200));
    const finished = await gql(a, print(Finish), { id });
    expect(finished.data.resumeRun.stage).toBe('COMPLETE');
    expect((await onB).map((e) => e.pipelineProgress.stage)).toEqual(FULL_HISTORY);
    expect((await watch(c, id)).map((e) => e.pipelineProgress.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('50 concurrent resumeRuns spread over all instances make one model call per stage', async () => {
    sim.setLatency(80);
    const id = (await gql(servers[0] as ServerProcess, print(Create), { text: SEED })).data.orchestrate.id as string;
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => gql(servers[i % 3] as ServerProcess, print(Finish), { id })),
    );
    for (const res of all) expect(res.data.resumeRun.specialization.isValid).toBe(true);
    expect(sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
  });

  it('Redis away for longer than the lease while a stage is in flight: its live holder keeps it, one call per stage', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const id = (await gql(a, print(Create), { text: SEED })).data.orchestrate.id as string;
    // the answer comes long after Redis is back: the others see the lapsed lease first, and the holder
    // must take it back (waiting out their grace alone would not do)
    sim.fault({ kind: 'slow', ms: 10_000, model: 'sim-extractor' });
    const finishing = gql(a, print(Finish), { id });
    await expect.poll(() => sim.stats.modelCalls).toBe(1);
    await redis.stop();
    await expect.poll(async () => (await fetch(`${b.url}/ready`)).status).toBe(503);
    const refused = await gql(b, print(Read), { id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
    // longer than STAGE_LEASE_MS: the holder cannot renew its lease, which runs out
    await new Promise((r) => setTimeout(r, 2500));
    await redis.start();
    await expect.poll(async () => (await fetch(`${b.url}/ready`)).status).toBe(200);
    // another instance asked to finish the run as soon as Redis is back waits for the holder, it does not call again
    const alsoFinishing = gql(b, print(Finish), { id });

    const finished = await finishing;
    expect(finished.data.resumeRun).toEqual({ stage: 'COMPLETE', error: null, specialization: { isValid: true } });
    expect((await alsoFinishing).data.resumeRun).toEqual(finished.data.resumeRun);
    const read = await gql(b, print(Read), { id });
    expect(read.data.run.error).toBeNull();
    expect(read.data.run.events).toEqual(FULL_HISTORY.map((stage, i) => ({ seq: i + 1, stage })));
    expect(sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
  }, 60_000);

  it('an instance killed in the middle of a slow stage: another takes the stage over and finishes the run', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const id = (await gql(a, print(Create), { text: SEED })).data.orchestrate.id as string;
    sim.fault({ kind: 'slow', ms: 5000, model: 'sim-extractor' });
    void gql(a, print(Finish), { id }).catch(() => {});
    await expect.poll(() => sim.stats.modelCalls).toBe(1);
    a.proc.kill('SIGKILL');
    await a.exited;
    const finished = await gql(b, print(Finish), { id });
    expect(finished.data.resumeRun.stage).toBe('COMPLETE');
    const read = await gql(b, print(Read), { id });
    const events = read.data.run.events as Array<{ seq: number; stage: string }>;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.stage).toBe('COMPLETE');
    // the call lost with the killed instance is the one case paid twice
    expect(sim.stats.callsByModel['sim-extractor']).toBe(2);
  }, 30_000);

  it('a run whose instance died with nobody waiting on it ends FAILED (RUN_INTERRUPTED), resumable', async () => {
    const [, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const id = (await gql(b, print(Create), { text: SEED })).data.orchestrate.id as string;
    sim.fault({ kind: 'slow', ms: 5000, model: 'sim-extractor' });
    void gql(b, print(Finish), { id }).catch(() => {});
    await expect.poll(() => sim.stats.modelCalls).toBe(1);
    b.proc.kill('SIGKILL');
    await expect
      .poll(async () => (await gql(c, print(Read), { id })).data.run.error?.code, { timeout: 30_000 })
      .toBe('RUN_INTERRUPTED');
    const resumed = await gql(c, print(Finish), { id });
    expect(resumed.data.resumeRun.stage).toBe('COMPLETE');
  }, 30_000);
});
