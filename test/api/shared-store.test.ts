import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../src/events/event-bus.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { graphql } from '../gql/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const Create = graphql(`
  mutation CreateShared($text: String!) {
    orchestrate(input: { text: $text }) { id }
  }
`);

const ResumeShared = graphql(`
  mutation ResumeShared($id: ID!) {
    resumeRun(id: $id) { stage specialization { isValid } }
  }
`);

describe('two processes on one store: each stage still runs once', () => {
  let dir: string;
  let sim: Simulator;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-shared-'));
    sim = await startSimulator();
    // one bus stands for a shared one (Redis): waiters hear the holder's events
    const bus = new LocalEventBus();
    const env = { SQLITE_PATH: join(dir, 'runs.sqlite') };
    // short enough to keep the takeover test quick, long enough that a busy machine's pauses never lose a live lease
    a = await createTestApp({ env, sim, deps: { bus, leaseTtlMs: 3_000 } });
    b = await createTestApp({ env, sim, deps: { bus, leaseTtlMs: 3_000 } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sim.resetStats();
    sim.setLatency(0);
  });

  it('concurrent resumeRuns spread over both make one call per stage', async () => {
    sim.setLatency(40);
    const id = (await a.gql(Create, { text: 'cancel booking XK4P9Q' })).data?.orchestrate.id as string;
    const all = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).gql(ResumeShared, { id })));
    for (const res of all) expect(res.data?.resumeRun?.specialization?.isValid).toBe(true);
    expect(sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
  });

  it('a stage whose holder died is taken over once its lease expires', async () => {
    const id = (await a.gql(Create, { text: 'cancel booking XK4P9Q' })).data?.orchestrate.id as string;
    // a holder that took the lease and then died without a word
    expect(await a.app.runtime.store.acquireLease(id, 'extraction', 'dead-instance', 300)).toBe(true);
    const res = await b.gql(ResumeShared, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data?.resumeRun?.stage).toBe('COMPLETE');
    expect(sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
  });
});
