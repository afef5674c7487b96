import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULT_MODELS, type Simulator, startSimulator } from '../../src/simulator/server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** Fallbacks, the response cache and coalescing, budgets and usage (docs/pipelines.md, docs/operations.md). */

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers, read loosely by the assertions
type Loose = Record<string, any>;

const SIM_MODELS = { ...DEFAULT_MODELS, 'backup-extractor': 'extractor', 'backup-specialist': 'specialist' } as const;
const TEXT = 'I need to change my flight to next Tuesday and update my seat to 14A';

const RUN = `mutation ($text: String!, $key: String) {
  orchestrate(input: { text: $text, idempotencyKey: $key }) {
    id stage error { code }
    extraction { entities model modelsTried cached cachedFrom usage { totalTokens } }
    specialization { isValid model modelsTried cached cachedFrom decidedBy usage { totalTokens } }
    events { stage message }
  }
}`;

async function post(t: TestApp, query: string, variables: Loose = {}, headers: Record<string, string> = {}) {
  const res = await t.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Loose };
}

/** A pipelines directory whose travel pipeline has fallbacks and, when asked, a cache on both stages. */
async function pipelinesWith(change: (travel: Loose) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pipelines-'));
  await cp('pipelines', dir, { recursive: true });
  const travel = parse(await readFile('pipelines/travel.yaml', 'utf8')) as Loose;
  change(travel);
  await writeFile(join(dir, 'travel.yaml'), stringify(travel));
  return dir;
}

describe('fallbacks', () => {
  let sim: Simulator;
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ models: SIM_MODELS });
    dir = await pipelinesWith((p) => {
      p.extraction.fallbacks = ['backup-extractor'];
      p.extraction.fallbackOn = ['GATEWAY_UNAVAILABLE', 'MODEL_OUTPUT_INVALID'];
      p.specialization.fallbacks = ['backup-specialist'];
    });
    t = await createTestApp({ sim, env: { PIPELINES_DIR: dir } });
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a model still unavailable after its retries gives way to the next: the answer names it and those tried', async () => {
    sim.fault({ kind: 'status', status: 503, model: 'sim-extractor', times: 3 });
    const { body } = await post(t, RUN, { text: TEXT });
    const run = body.data.orchestrate;
    expect(run.stage).toBe('COMPLETE');
    expect(run.extraction).toMatchObject({ model: 'backup-extractor', modelsTried: ['sim-extractor'] });
    expect(run.extraction.entities).toEqual({ action: 'modify_flight', date: 'next Tuesday', seat: '14A' });
    expect(run.specialization).toMatchObject({ model: 'sim-specialist', modelsTried: [] });
    expect(sim.stats.callsByModel['sim-extractor']).toBe(3);
    expect(sim.stats.callsByModel['backup-extractor']).toBe(1);
    const switched = (run.events as Loose[]).find((e) => /falling back/.test(e.message ?? ''));
    expect(switched?.message).toBe(
      'falling back from model "sim-extractor" to "backup-extractor": GATEWAY_UNAVAILABLE',
    );
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(
      /orchestrator_fallbacks_total\{stage="extraction",from="sim-extractor",to="backup-extractor",code="GATEWAY_UNAVAILABLE"\} 1/,
    );
  });

  it('tokens a failed model was paid (MODEL_OUTPUT_INVALID) stay in the stage usage and are counted to that model', async () => {
    const paidByModel = async () => {
      const d = new Date().toISOString();
      const rows = (
        await post(
          t,
          'query ($d: DateTime!) { usage(from: $d, to: $d, groupBy: [MODEL]) { model promptTokens completionTokens } }',
          { d },
        )
      ).body.data.usage as Loose[];
      return new Map(rows.map((r) => [r.model as string, (r.promptTokens + r.completionTokens) as number]));
    };
    const before = await paidByModel();
    sim.fault({ kind: 'malformed', model: 'sim-extractor', times: 2 });
    const { body } = await post(
      t,
      'mutation ($text: String!) { orchestrate(input: { text: $text }) { extraction { model modelsTried usage { totalTokens } } } }',
      {
        text: `${TEXT} (malformed)`,
      },
    );
    const extraction = body.data.orchestrate.extraction;
    expect(extraction).toMatchObject({ model: 'backup-extractor', modelsTried: ['sim-extractor'] });
    const after = await paidByModel();
    const delta = (model: string) => (after.get(model) ?? 0) - (before.get(model) ?? 0);
    expect(delta('sim-extractor'), 'the two bad answers are counted to the model that gave them').toBeGreaterThan(0);
    expect(delta('backup-extractor')).toBeGreaterThan(0);
    expect(extraction.usage.totalTokens, 'the stage paid for all three answers').toBe(
      delta('sim-extractor') + delta('backup-extractor'),
    );
  });

  it('a stage whose every model failed keeps in the run’s usage what it paid them', async () => {
    sim.fault({ kind: 'malformed', model: 'sim-extractor', times: 2 });
    sim.fault({ kind: 'status', status: 503, model: 'backup-extractor', times: 3 });
    const { body } = await post(
      t,
      'mutation ($text: String!) { orchestrate(input: { text: $text }) { stage error { code } usage { totalTokens } extraction { model } } }',
      {
        text: `${TEXT} (all fail)`,
      },
    );
    const run = body.data.orchestrate;
    expect(run.stage).toBe('FAILED');
    expect(run.error.code).toBe('GATEWAY_UNAVAILABLE');
    expect(run.usage.totalTokens, 'the two bad answers of the first model').toBeGreaterThan(0);
  });

  it('a run is counted once in usage, however often its extraction is tried', async () => {
    const count = async () =>
      (
        await post(t, 'query ($d: DateTime!) { usage(from: $d, to: $d, groupBy: []) { runs } }', {
          d: new Date().toISOString(),
        })
      ).body.data.usage[0].runs as number;
    const before = await count();
    sim.fault({ kind: 'status', status: 503, model: 'sim-extractor', times: 3 });
    sim.fault({ kind: 'status', status: 503, model: 'backup-extractor', times: 3 });
    const failed = await post(
      t,
      'mutation ($text: String!) { orchestrate(input: { text: $text }) { id stage extraction { model } } }',
      { text: `${TEXT} (retried)` },
    );
    expect(failed.body.data.orchestrate.stage).toBe('FAILED');
    expect(await count()).toBe(before + 1);
    const id = failed.body.data.orchestrate.id as string;
    const resumed = await post(t, `mutation { resumeRun(id: "${id}") { stage extraction { model } } }`);
    expect(resumed.body.data.resumeRun.stage).toBe('EXTRACTED');
    expect(await count(), 'the retry did not count the run again').toBe(before + 1);
  });

  it('a 403 does not fall back: the operator must fix it, and every model would fail alike', async () => {
    const backupCalls = sim.stats.callsByModel['backup-specialist'] ?? 0;
    sim.fault({ kind: 'status', status: 403, model: 'sim-specialist' });
    const { body } = await post(t, RUN, { text: TEXT });
    expect(body.data.orchestrate.stage).toBe('FAILED');
    expect(body.data.orchestrate.error.code).toBe('GATEWAY_FORBIDDEN');
    expect(sim.stats.callsByModel['backup-specialist'] ?? 0).toBe(backupCalls);
  });
});

describe('the response cache and coalescing', () => {
  let sim: Simulator;
  let dbDir: string;
  let dir: string;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    sim = await startSimulator();
    dir = await pipelinesWith((p) => {
      p.extraction.cache = { ttlSeconds: 3600 };
      p.specialization.cache = { ttlSeconds: 3600 };
    });
    dbDir = await mkdtemp(join(tmpdir(), 'cache-store-'));
    // two instances on one store: the cache is the store's, shared by the fleet
    const env = { PIPELINES_DIR: dir, SQLITE_PATH: join(dbDir, 'runs.sqlite') };
    a = await createTestApp({ sim, env });
    b = await createTestApp({ sim, env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await sim.close();
    await rm(dir, { recursive: true, force: true });
    await rm(dbDir, { recursive: true, force: true });
  });

  it('an identical request is answered from the cache on another instance: no call, no tokens, cachedFrom the run that paid', async () => {
    const text = `${TEXT} (cache ${Date.now()})`;
    const first = (await post(a, RUN, { text })).body.data.orchestrate;
    expect(first.extraction.cached).toBe(false);
    const calls = sim.stats.modelCalls;

    const second = (await post(b, RUN, { text })).body.data.orchestrate;
    expect(sim.stats.modelCalls, 'no model call').toBe(calls);
    expect(second.id).not.toBe(first.id);
    expect(second.extraction).toMatchObject({ cached: true, cachedFrom: first.id, usage: { totalTokens: 0 } });
    expect(second.specialization).toMatchObject({ cached: true, cachedFrom: first.id, usage: { totalTokens: 0 } });
    expect(second.extraction.entities).toEqual(first.extraction.entities);
    const metrics = await (await b.fetch('/metrics')).text();
    expect(metrics).toMatch(/orchestrator_cache_requests_total\{stage="extraction",result="hit"\} 1/);
  });

  it('two identical requests at once on one instance make one call', async () => {
    const text = `${TEXT} (together ${Date.now()})`;
    sim.fault({ kind: 'slow', ms: 500, model: 'sim-extractor' });
    const calls = sim.stats.callsByModel['sim-extractor'] ?? 0;
    const [x, y] = await Promise.all([post(a, RUN, { text }), post(a, RUN, { text })]);
    expect(sim.stats.callsByModel['sim-extractor'], 'one extraction call for both').toBe(calls + 1);
    const cached = [x.body.data.orchestrate.extraction.cached, y.body.data.orchestrate.extraction.cached].sort();
    expect(cached).toEqual([false, true]);
    const metrics = await (await a.fetch('/metrics')).text();
    expect(metrics).toMatch(/orchestrator_cache_requests_total\{stage="extraction",result="coalesced"\} 1/);
  });

  it('an edited prompt is a new version and never gets an old answer', async () => {
    const text = `${TEXT} (edit ${Date.now()})`;
    await post(a, RUN, { text });
    const travel = parse(await readFile(join(dir, 'travel.yaml'), 'utf8')) as Loose;
    travel.extraction.prompt = `${travel.extraction.prompt}\nBe brief.`;
    await writeFile(join(dir, 'travel.yaml'), stringify(travel));
    expect((await a.app.runtime.pipelines.reload()).ok).toBe(true);
    const calls = sim.stats.modelCalls;
    const again = (await post(a, RUN, { text })).body.data.orchestrate;
    expect(again.extraction.cached).toBe(false);
    expect(sim.stats.modelCalls).toBeGreaterThan(calls);
  });
});

describe('budgets and usage', () => {
  let sim: Simulator;
  let t: TestApp;
  const DESK = 'k-budget-desk-1f2e';
  const WALL = 'k-budget-wall-8a7b';
  const BIG = 'k-budget-big-4c5d';
  const LATE = 'k-budget-late-9e0f';
  beforeAll(async () => {
    sim = await startSimulator();
    t = await createTestApp({
      sim,
      env: {
        API_KEYS: `desk:orchestrate:${DESK}:1,wall:read:${WALL},big:orchestrate:${BIG}:1000000,late:orchestrate:${LATE}:1`,
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('a key whose daily tokens are spent gets BUDGET_EXCEEDED (429, Retry-After to UTC midnight) before any model call', async () => {
    const first = await post(t, RUN, { text: TEXT }, bearer(DESK));
    expect(first.body.data.orchestrate.stage).toBe('COMPLETE');
    const calls = sim.stats.modelCalls;

    const refused = await post(t, RUN, { text: TEXT }, bearer(DESK));
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('BUDGET_EXCEEDED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    const rest = await t.fetch('/v1/orchestrate', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(DESK) },
      body: JSON.stringify({ text: TEXT }),
    });
    expect(rest.status).toBe(429);
    expect(await rest.json()).toMatchObject({ status: 'error', code: 'BUDGET_EXCEEDED' });
    expect(sim.stats.modelCalls, 'no model call').toBe(calls);
    // another key is not held back by this one's budget
    const other = await post(t, RUN, { text: TEXT }, bearer(BIG));
    expect(other.body.data.orchestrate.stage).toBe('COMPLETE');
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/orchestrator_budget_refusals_total\{key="desk"\} 2/);
  });

  it('a key past its budget is told so on every attempt: a mutation refused for its budget spends no rate-limit token', async () => {
    const KEY = 'k-budget-rate-3d4e';
    const limited = await createTestApp({
      sim,
      env: { API_KEYS: `desk:orchestrate:${KEY}:1`, RATE_LIMIT_PER_MINUTE: '3' },
    });
    try {
      expect((await post(limited, RUN, { text: TEXT }, bearer(KEY))).body.data.orchestrate.stage).toBe('COMPLETE');
      // two tokens left: more refusals than that all name the budget (Retry-After: midnight), never the rate limit
      for (let i = 0; i < 4; i++) {
        const refused = await post(limited, RUN, { text: TEXT }, bearer(KEY));
        expect(refused.status).toBe(429);
        expect(refused.body.errors[0].extensions.code).toBe('BUDGET_EXCEEDED');
      }
      // and the two tokens are still there: two queries run, the third is rate limited
      const query = () => post(limited, '{ runs(first: 1) { edges { cursor } } }', {}, bearer(KEY));
      expect((await query()).status).toBe(200);
      expect((await query()).status).toBe(200);
      const third = await query();
      expect(third.status).toBe(429);
      expect(third.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  it('a stage is paid by the key that asks for it: resuming another key’s run spends the resuming key’s budget', async () => {
    const created = await post(
      t,
      'mutation { orchestrate(input: { text: "cancel booking XK4P9Q" }) { id } }',
      {},
      bearer(BIG),
    );
    const id = created.body.data.orchestrate.id as string;
    const resume = (key: string) =>
      post(t, `mutation { resumeRun(id: "${id}") { stage specialization { isValid } } }`, {}, bearer(key));
    expect((await resume(LATE)).body.data.resumeRun.stage).toBe('COMPLETE');
    const today = new Date().toISOString();
    const rows = (
      await post(
        t,
        'query ($d: DateTime!) { usage(from: $d, to: $d, groupBy: [KEY]) { key promptTokens } }',
        { d: today },
        bearer(WALL),
      )
    ).body.data.usage as Loose[];
    expect(rows.find((r) => r.key === 'late')?.promptTokens, 'counted to the key that resumed').toBeGreaterThan(0);
    // and its budget of 1 is now spent: it cannot start or resume more work
    const again = await post(
      t,
      'mutation { orchestrate(input: { text: "cancel booking XK4P9Q" }) { id } }',
      {},
      bearer(LATE),
    );
    expect(again.body.errors[0].extensions.code).toBe('BUDGET_EXCEEDED');
  });

  it('usage rows, by key and model, add up to what the runs paid; a read key sees every key by name', async () => {
    const runs = (await post(t, '{ runs(first: 100) { edges { node { usage { totalTokens } } } } }', {}, bearer(WALL)))
      .body.data.runs.edges as Loose[];
    const paid = runs.reduce((n, e) => n + e.node.usage.totalTokens, 0);
    const today = new Date().toISOString();
    const { body } = await post(
      t,
      `query ($from: DateTime!, $to: DateTime!) {
        usage(from: $from, to: $to, groupBy: [KEY, MODEL]) {
          key pipeline model day runs promptTokens completionTokens cacheHits rulesDecisions
        }
      }`,
      { from: today, to: today },
      bearer(WALL),
    );
    const rows = body.data.usage as Loose[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set(['desk', 'big', 'late']));
    expect(rows.every((r) => r.pipeline === null && r.day === null)).toBe(true);
    const counted = rows.reduce((n, r) => n + r.promptTokens + r.completionTokens, 0);
    expect(counted).toBe(paid);
    expect(
      rows.reduce((n, r) => n + r.runs, 0),
      'each run counted once',
    ).toBe(runs.length);
    expect(JSON.stringify(body)).not.toContain(DESK);
  });
});
