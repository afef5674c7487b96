import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

/**
 * A request may name only the models an operator allows (ALLOWED_MODEL_IDS,
 * by default the configured ones): any other id is BAD_USER_INPUT before a
 * call, so it never reaches the gateway nor becomes a metric series.
 */

const ORCHESTRATE = `mutation ($input: OrchestrateInput!) {
  orchestrate(input: $input) { id extraction { model } specialization { model } }
}`;

interface GqlBody {
  data?: { orchestrate?: { id: string; extraction: { model: string } | null } | null } | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function gql(server: RunningServer, query: string, variables: Record<string, unknown>): Promise<GqlBody> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlBody;
}

async function rest(server: RunningServer, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/v1/orchestrate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('model ids a request names', () => {
  let sim: Simulator;
  let t: TestApp;
  let server: RunningServer;
  beforeAll(async () => {
    // the gateway knows one model more than the operator allows
    sim = await startSimulator({
      models: {
        'sim-extractor': 'extractor',
        'sim-specialist': 'specialist',
        'backup-extractor': 'extractor',
        'unlisted-extractor': 'extractor',
      },
    });
    t = await createTestApp({ sim, env: { ALLOWED_MODEL_IDS: 'backup-extractor' } });
    server = await listen(t.app);
  });
  afterAll(async () => {
    await server.close(0);
    await sim.close();
  });

  it.each([
    ['primaryModelId', 'unlisted-extractor'],
    ['secondaryModelId', 'unlisted-extractor'],
    ['primaryModelId', 'made-up-model'],
  ])('%s "%s", not allowed: BAD_USER_INPUT naming the field, before any call', async (field, id) => {
    sim.resetStats();
    const res = await gql(server, ORCHESTRATE, { input: { text: 'cancel booking XK4P9Q', [field]: id } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain(field);
    expect(res.data?.orchestrate ?? null).toBeNull();
    expect(sim.stats.modelCalls).toBe(0);
  });

  it('an allowed id is used: one of ALLOWED_MODEL_IDS, or a configured model named explicitly', async () => {
    sim.resetStats();
    const res = await gql(server, ORCHESTRATE, {
      input: { text: 'cancel booking XK4P9Q', primaryModelId: 'backup-extractor', secondaryModelId: 'sim-specialist' },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.orchestrate?.extraction?.model).toBe('backup-extractor');
    expect(sim.stats.callsByModel).toEqual({ 'backup-extractor': 1, 'sim-specialist': 1 });
  });

  it('REST takes the same ids, and refuses the same ones with 422 before any call', async () => {
    sim.resetStats();
    const refused = await rest(server, { text: 'cancel booking XK4P9Q', primaryModelId: 'unlisted-extractor' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 'error', code: 'BAD_USER_INPUT' });
    expect(sim.stats.modelCalls).toBe(0);
    const used = await rest(server, { text: 'cancel booking XK4P9Q', primaryModelId: 'backup-extractor' });
    expect(used.status).toBe(200);
    expect(sim.stats.callsByModel).toEqual({ 'backup-extractor': 1, 'sim-specialist': 1 });
  });

  it('made-up ids, however many, leave no series in /metrics', async () => {
    sim.resetStats();
    for (let i = 0; i < 40; i++) {
      await gql(server, ORCHESTRATE, { input: { text: 'cancel booking XK4P9Q', primaryModelId: `made-up-${i}` } });
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toContain('made-up-');
    const models = new Set([...metrics.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
    for (const model of models) expect(['sim-extractor', 'sim-specialist', 'backup-extractor']).toContain(model);
    expect(sim.stats.modelCalls).toBe(0);
  });
});

describe('a stored run that names a model no longer allowed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orchestrator-allow-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('resumeRun refuses to call it (BAD_USER_INPUT) and leaves the run as it was', async () => {
    const sim = await startSimulator({
      models: { 'sim-extractor': 'extractor', 'sim-specialist': 'specialist', 'old-extractor': 'extractor' },
    });
    const env = { SQLITE_PATH: join(dir, 'runs.sqlite') };
    try {
      const before = await createTestApp({ sim, env: { ...env, ALLOWED_MODEL_IDS: 'old-extractor' } });
      const first = await listen(before.app);
      const made = await gql(first, 'mutation ($input: OrchestrateInput!) { orchestrate(input: $input) { id } }', {
        input: { text: 'cancel booking XK4P9Q', primaryModelId: 'old-extractor' },
      });
      const id = made.data?.orchestrate?.id as string;
      await first.close(0);

      // the operator drops old-extractor from the list and restarts
      sim.resetStats();
      const after = await createTestApp({ sim, env });
      const second = await listen(after.app);
      try {
        const res = await gql(second, `mutation ($id: ID!) { resumeRun(id: $id) { stage extraction { model } } }`, {
          id,
        });
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toContain('old-extractor');
        expect(sim.stats.modelCalls).toBe(0);
        const read = await gql(second, `query ($id: ID!) { run(id: $id) { stage error { code } } }`, { id });
        expect(read.data).toEqual({ run: { stage: 'RECEIVED', error: null } });
      } finally {
        await second.close(0);
      }
    } finally {
      await sim.close();
    }
  });
});
