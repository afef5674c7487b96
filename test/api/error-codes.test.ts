import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/types.js';
import type { RunningServer } from '../../src/server.js';
import type { Simulator } from '../../src/simulator/server.js';
import type { RunStore } from '../../src/store/run-store.js';
import { SqliteRunStore } from '../../src/store/sqlite-store.js';
import { errorTable, restStatusOf } from '../helpers/error-table.js';
import { sseEvents, subscribeSse } from '../helpers/sse.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

/**
 * docs/api.md "Error codes": every code of its table, driven through the real
 * server on a loopback port, as a GraphQL client (`extensions.code`, and
 * `stage`/`retryable` for a stage) and a REST client (`POST /v1/orchestrate`:
 * the table's HTTP status and `{status: "error", code}`) see it. The expected
 * REST statuses are read from the docs themselves, so the table cannot drift.
 */

const EXTRACTOR = 'sim-extractor';
const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';

const TABLE = errorTable();
/** every code a test below saw the server answer with, checked against the table at the end */
const seen = new Set<string>();

// biome-ignore lint/suspicious/noExplicitAny: GraphQL and REST answers, read loosely by the assertions
type Json = Record<string, any>;
interface Answer {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Json, text };
}

function gql(url: string, query: string, variables: Json = {}, headers: Record<string, string> = {}) {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  }).then(answer);
}

function rest(url: string, body: Json, headers: Record<string, string> = {}) {
  return fetch(`${url}/v1/orchestrate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(answer);
}

const ORCHESTRATE =
  'mutation ($text: String!, $key: String) { orchestrate(input: { text: $text, idempotencyKey: $key }) { id extraction { entities } } }';
const LIST_RUNS = '{ runs(first: 1) { edges { cursor } } }';

/** Every GraphQL error carries the code (and `extra`, e.g. stage and retryable). */
function expectGraphQLCode(res: Answer, code: string, extra: Json = {}): void {
  expect(res.body.errors?.length, res.text).toBeGreaterThan(0);
  for (const e of res.body.errors) expect(e.extensions, res.text).toMatchObject({ code, ...extra });
  seen.add(code);
}

/** The REST answer: the table's status for the code and the unified error body. */
function expectRestCode(res: Answer, code: string, status = restStatusOf(code)): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body, res.text).toMatchObject({ status: 'error', code, metadata: { pipelineStage: 'failed' } });
  expect(typeof res.body.message).toBe('string');
  seen.add(code);
}

interface Served {
  t: TestApp;
  url: string;
  close(): Promise<void>;
}

/** An app with its simulator (or the one given), listening on a loopback port. */
async function serve(opts: Parameters<typeof createTestApp>[0] = {}): Promise<Served> {
  const t = await createTestApp(opts);
  let server: RunningServer;
  try {
    server = await listen(t.app);
  } catch (err) {
    await t.close();
    throw err;
  }
  return {
    t,
    url: server.url,
    async close() {
      await server.close(0);
      if (!opts.sim) await t.sim.close();
    },
  };
}

// a retried failure must last every attempt; the breaker must not turn later cases into fail-fast answers
const GATEWAY_ENV = { GATEWAY_MAX_ATTEMPTS: '2', BREAKER_FAILURE_THRESHOLD: '1000' };

describe('error table: input and gateway codes, over GraphQL and REST', () => {
  let main: Served;
  // a short attempt limit on its own app, so no other case can time out on a busy machine
  let hasty: Served;
  beforeAll(async () => {
    main = await serve({ env: GATEWAY_ENV });
    hasty = await serve({ sim: main.t.sim, env: { ...GATEWAY_ENV, GATEWAY_TIMEOUT_MS: '200' } });
  });
  afterAll(async () => {
    await hasty?.close();
    await main?.close();
  });
  beforeEach(() => main.t.sim.clearFaults());

  interface StageCase {
    code: string;
    when: string;
    retryable: boolean;
    fault: (sim: Simulator) => void;
    timeouts?: boolean;
  }
  const status =
    (s: number, times = 1) =>
    (sim: Simulator) =>
      sim.fault({ kind: 'status', status: s, model: EXTRACTOR, times });
  const CASES: StageCase[] = [
    { code: 'GATEWAY_AUTH_FAILED', when: 'a 401 survives a fresh token', retryable: false, fault: status(401, 2) },
    {
      code: 'GATEWAY_AUTH_FAILED',
      when: 'the token endpoint refuses the credentials',
      retryable: false,
      fault: (sim) => {
        // the cached token is refused, and so is the request for a fresh one
        sim.expireTokens();
        sim.fault({ kind: 'status', status: 401, endpoint: 'token' });
      },
    },
    { code: 'GATEWAY_FORBIDDEN', when: '403', retryable: false, fault: status(403) },
    { code: 'MODEL_NOT_FOUND', when: '404', retryable: false, fault: status(404) },
    { code: 'GATEWAY_REJECTED', when: '400', retryable: false, fault: status(400) },
    { code: 'GATEWAY_REJECTED', when: '422', retryable: false, fault: status(422) },
    { code: 'GATEWAY_RATE_LIMITED', when: '429 on every attempt', retryable: true, fault: status(429, 2) },
    { code: 'GATEWAY_UNAVAILABLE', when: '503 on every attempt', retryable: true, fault: status(503, 2) },
    {
      code: 'GATEWAY_UNAVAILABLE',
      when: 'the connection dropped on every attempt',
      retryable: true,
      fault: (sim) => sim.fault({ kind: 'drop', model: EXTRACTOR, times: 2 }),
    },
    {
      code: 'GATEWAY_TIMEOUT',
      when: 'every attempt outlives GATEWAY_TIMEOUT_MS',
      retryable: true,
      timeouts: true,
      fault: (sim) => sim.fault({ kind: 'slow', ms: 60_000, model: EXTRACTOR, times: 2 }),
    },
    {
      code: 'MODEL_OUTPUT_INVALID',
      when: 'the output is not JSON, even after the repair request',
      retryable: false,
      fault: (sim) => sim.fault({ kind: 'malformed', model: EXTRACTOR, times: 2 }),
    },
    {
      code: 'MODEL_OUTPUT_INVALID',
      when: "the output is not of the stage's schema, even after the repair request",
      retryable: false,
      fault: (sim) => sim.fault({ kind: 'wrong-shape', model: EXTRACTOR, times: 2 }),
    },
  ];

  it.each(CASES)('$code when $when', async ({ code, retryable, fault, timeouts }) => {
    const { url, t } = timeouts ? hasty : main;
    fault(t.sim);
    const viaGraphQL = await gql(url, ORCHESTRATE, { text: SEED });
    expect(viaGraphQL.body.data?.orchestrate?.extraction, viaGraphQL.text).toBeNull();
    expect(viaGraphQL.body.errors?.[0]?.path).toEqual(['orchestrate', 'extraction']);
    expectGraphQLCode(viaGraphQL, code, { stage: 'EXTRACTING', retryable });

    fault(t.sim);
    const viaRest = await rest(url, { text: SEED });
    expectRestCode(viaRest, code);
    // the run that failed is named, and stored with the same code
    const runId = viaRest.body.metadata.requestId as string;
    expect((await t.app.runtime.store.get(runId))?.error).toMatchObject({ code, stage: 'EXTRACTING', retryable });
  });

  it('BAD_USER_INPUT: blank or too long text, a malformed id, options or cursor', async () => {
    const tooLong = 'x'.repeat(main.t.app.runtime.config.maxInputChars + 1);
    for (const [query, variables] of [
      [ORCHESTRATE, { text: '   ' }],
      [ORCHESTRATE, { text: tooLong }],
      ['mutation { resumeRun(id: "nope") { id } }', {}],
      ['mutation { orchestrate(input: { text: "hi", primaryModelId: "no spaces allowed" }) { id } }', {}],
      ['{ runs(first: 0) { edges { cursor } } }', {}],
      ['{ runs(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }', {}],
    ] as const) {
      expectGraphQLCode(await gql(main.url, query, variables), 'BAD_USER_INPUT');
    }
    expectRestCode(await rest(main.url, { text: '   ' }), 'BAD_USER_INPUT');
    expectRestCode(await rest(main.url, { text: tooLong }), 'BAD_USER_INPUT');
    expectRestCode(await rest(main.url, { text: 'hello', idempotencyKey: 'has spaces' }), 'BAD_USER_INPUT');
  });

  it('IDEMPOTENCY_KEY_REUSED: a key sent again with other input', async () => {
    const first = await rest(main.url, { text: 'cancel booking XK4P9Q', idempotencyKey: 'codes-key-1' });
    expect(first.status, first.text).toBe(200);
    expectRestCode(
      await rest(main.url, { text: 'cancel booking ZZ1111', idempotencyKey: 'codes-key-1' }),
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectGraphQLCode(
      await gql(main.url, ORCHESTRATE, { text: 'cancel booking ZZ1111', key: 'codes-key-1' }),
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('RUN_NOT_FOUND: a subscription to a run id nobody knows (no REST route takes an id)', async () => {
    expect(TABLE.get('RUN_NOT_FOUND')).toBeNull();
    const res = await subscribeSse(
      main.url,
      'subscription ($runId: ID!) { pipelineProgress(runId: $runId) { stage } }',
      {
        runId: '00000000-0000-4000-8000-000000000000',
      },
    );
    const events: Array<{ event: string; data: unknown }> = [];
    for await (const e of sseEvents(res)) events.push(e);
    const first = events[0]?.data as Json;
    expect(first?.errors?.[0]?.extensions?.code, JSON.stringify(events)).toBe('RUN_NOT_FOUND');
    seen.add('RUN_NOT_FOUND');
  });
});

describe('error table: pipelines', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(() => s?.close());

  it('PIPELINE_NOT_FOUND: a pipeline name nobody serves, before any model call', async () => {
    const calls = s.t.sim.stats.modelCalls;
    const viaGraphQL = await gql(
      s.url,
      'mutation ($text: String!) { orchestrate(input: { text: $text, pipeline: "nope" }) { id extraction { entities } } }',
      { text: SEED },
    );
    expect(viaGraphQL.body.data, viaGraphQL.text).toBeNull();
    expectGraphQLCode(viaGraphQL, 'PIPELINE_NOT_FOUND');
    // the message lists the pipelines served
    expect(viaGraphQL.body.errors[0].message).toContain('travel');
    const viaRest = await rest(s.url, { text: SEED, pipeline: 'nope' });
    expectRestCode(viaRest, 'PIPELINE_NOT_FOUND');
    expect(viaRest.body.metadata.requestId).toBeNull();
    expect(s.t.sim.stats.modelCalls).toBe(calls);
  });
});

describe('error table: daily token budgets, over GraphQL and REST', () => {
  const SPENDER = 'k-codes-spender-6d1a';
  let s: Served;
  beforeAll(async () => {
    // a budget of one token: the first run spends more, and the key is done for the day
    s = await serve({ env: { API_KEYS: `spender:orchestrate:${SPENDER}:1` } });
  });
  afterAll(() => s?.close());
  const headers = { authorization: `Bearer ${SPENDER}` };

  it('BUDGET_EXCEEDED: the key spent its daily tokens, with Retry-After to the next UTC midnight', async () => {
    const first = await gql(s.url, ORCHESTRATE, { text: SEED }, headers);
    expect(first.body.data?.orchestrate?.extraction, first.text).not.toBeNull();
    const calls = s.t.sim.stats.modelCalls;

    const viaGraphQL = await gql(s.url, ORCHESTRATE, { text: SEED }, headers);
    expect(viaGraphQL.status).toBe(restStatusOf('BUDGET_EXCEEDED'));
    expectGraphQLCode(viaGraphQL, 'BUDGET_EXCEEDED');
    const viaRest = await rest(s.url, { text: SEED }, headers);
    expectRestCode(viaRest, 'BUDGET_EXCEEDED');
    for (const res of [viaGraphQL, viaRest]) {
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter, res.text).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(24 * 60 * 60);
    }
    expect(s.t.sim.stats.modelCalls, 'no model call').toBe(calls);
    // a query costs nothing: it still goes through
    const read = await gql(s.url, LIST_RUNS, {}, headers);
    expect(read.status, read.text).toBe(200);
  });
});

describe('error table: subscription limits', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ env: { MAX_SUBSCRIPTIONS_PER_KEY: '1' } });
  });
  afterAll(() => s?.close());

  it('TOO_MANY_SUBSCRIPTIONS: the second live subscription of one client, over SSE, as HTTP 429', async () => {
    expect(TABLE.get('TOO_MANY_SUBSCRIPTIONS')).toBeNull();
    const holder = new AbortController();
    const held = await subscribeSse(s.url, 'subscription { pipelineEvents { runId } }', {}, holder.signal);
    expect(held.status).toBe(200);
    try {
      const refused = await subscribeSse(s.url, 'subscription { pipelineEvents { runId } }');
      const events: Array<{ event: string; data: unknown }> = [];
      for await (const e of sseEvents(refused)) events.push(e);
      expect(refused.status).toBe(429);
      const first = events[0]?.data as Json;
      expect(first?.errors?.[0]?.extensions?.code, JSON.stringify(events)).toBe('TOO_MANY_SUBSCRIPTIONS');
      seen.add('TOO_MANY_SUBSCRIPTIONS');
    } finally {
      holder.abort();
    }
  });
});

describe('error table: API keys, roles and the rate limit, over GraphQL and REST', () => {
  const DESK = 'k-codes-desk-51c0';
  const WALL = 'k-codes-wall-9e12';
  const TICK = 'k-codes-tick-77aa';
  const TOCK = 'k-codes-tock-03bd';
  let s: Served;
  beforeAll(async () => {
    s = await serve({
      env: {
        API_KEYS: `desk:orchestrate:${DESK},wall:read:${WALL},tick:orchestrate:${TICK},tock:orchestrate:${TOCK}`,
        RATE_LIMIT_PER_MINUTE: '3',
      },
    });
  });
  afterAll(() => s?.close());
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('UNAUTHENTICATED: no key, or a wrong one', async () => {
    for (const headers of [{}, bearer('k-not-a-key-0000')]) {
      const viaGraphQL = await gql(s.url, LIST_RUNS, {}, headers);
      expect(viaGraphQL.status).toBe(restStatusOf('UNAUTHENTICATED'));
      expectGraphQLCode(viaGraphQL, 'UNAUTHENTICATED');
      const viaRest = await rest(s.url, { text: 'hello' }, headers);
      expectRestCode(viaRest, 'UNAUTHENTICATED');
      expect(viaRest.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it("FORBIDDEN: a read key's mutation", async () => {
    const viaGraphQL = await gql(s.url, ORCHESTRATE, { text: 'hello' }, bearer(WALL));
    expect(viaGraphQL.status).toBe(restStatusOf('FORBIDDEN'));
    expectGraphQLCode(viaGraphQL, 'FORBIDDEN');
    expectRestCode(await rest(s.url, { text: 'hello' }, bearer(WALL)), 'FORBIDDEN');
  });

  /** Sends until the server stops answering `allowed` (a few tries: the limit's exact burst is not the point). */
  async function untilRefused(send: () => Promise<Answer>, allowed: number): Promise<Answer> {
    for (let i = 0; i < 10; i++) {
      const res = await send();
      if (res.status !== allowed) return res;
    }
    throw new Error('10 operations in a row were let through a limit of 3 a minute');
  }

  it('RATE_LIMITED: the key spent its operations, with Retry-After', async () => {
    const viaGraphQL = await untilRefused(() => gql(s.url, LIST_RUNS, {}, bearer(TICK)), 200);
    expect(viaGraphQL.status).toBe(restStatusOf('RATE_LIMITED'));
    expectGraphQLCode(viaGraphQL, 'RATE_LIMITED');
    expect(Number(viaGraphQL.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // blank text: refused (422) before any model call while the key still has operations left
    const viaRest = await untilRefused(() => rest(s.url, { text: ' ' }, bearer(TOCK)), 422);
    expectRestCode(viaRest, 'RATE_LIMITED');
    expect(Number(viaRest.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('error table: a shutdown, over GraphQL and REST', () => {
  let s: Served;
  beforeAll(async () => {
    // attempts never time out here: only the shutdown ends them
    s = await serve({ env: { GATEWAY_TIMEOUT_MS: '120000', GATEWAY_MAX_ATTEMPTS: '1' } });
  });
  afterAll(() => s?.close());

  it('RUN_INTERRUPTED for stages cut off when the grace runs out, then SHUTTING_DOWN for new work', async () => {
    const { sim, app } = s.t;
    sim.fault({ kind: 'slow', ms: 600_000, model: EXTRACTOR, times: 2 });
    const viaGraphQLPending = gql(s.url, ORCHESTRATE, { text: SEED });
    const viaRestPending = rest(s.url, { text: SEED });
    await expect.poll(() => sim.stats.modelCalls, { timeout: 15_000 }).toBe(2);

    await app.drain(0);
    const viaGraphQL = await viaGraphQLPending;
    expectGraphQLCode(viaGraphQL, 'RUN_INTERRUPTED', { stage: 'EXTRACTING', retryable: true });
    expectRestCode(await viaRestPending, 'RUN_INTERRUPTED');

    const refused = await gql(s.url, ORCHESTRATE, { text: SEED });
    expect(refused.status).toBe(restStatusOf('SHUTTING_DOWN'));
    expectGraphQLCode(refused, 'SHUTTING_DOWN');
    expectRestCode(await rest(s.url, { text: SEED }), 'SHUTTING_DOWN');
    expect(sim.stats.modelCalls).toBe(2);
  });
});

describe('error table: anything unexpected is INTERNAL_SERVER_ERROR, without details', () => {
  // what a bug's error might carry: it must reach the log, never the client
  const SECRET = 'postgres://orchestrator:hunter2-c0ffee@10.0.0.12/runs';
  const leak = () => new Error(`connection refused by ${SECRET}`);
  let failing: keyof RunStore | undefined;
  let s: Served;
  beforeAll(async () => {
    const real = new SqliteRunStore(':memory:');
    // the real store, except that the method named by `failing` throws a plain Error
    const store = new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (name === failing) throw leak();
          return value.apply(target, args);
        };
      },
    });
    const gateway: Gateway = {
      complete: async () => {
        throw leak();
      },
      close: async () => {},
    };
    s = await serve({ deps: { store, gateway } });
  });
  afterAll(() => s?.close());
  beforeEach(() => {
    failing = undefined;
  });

  /** Nothing of the error but its code: no message text, no stack, no file, no extra extensions. */
  function expectMasked(res: Answer): void {
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('10.0.0.12');
    expect(res.text).not.toMatch(/\bat \S+ \(|\.ts:\d+|node:internal|stack/i);
  }

  it('a store failing before the run exists (GraphQL: the field; REST: 500)', async () => {
    failing = 'create';
    const viaGraphQL = await gql(s.url, ORCHESTRATE, { text: SEED });
    expectMasked(viaGraphQL);
    expectGraphQLCode(viaGraphQL, 'INTERNAL_SERVER_ERROR');
    expect(viaGraphQL.body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(viaGraphQL.body.errors[0].path).toEqual(['orchestrate']);
    const viaRest = await rest(s.url, { text: SEED });
    expectMasked(viaRest);
    expectRestCode(viaRest, 'INTERNAL_SERVER_ERROR', 500);
    // logged whole, for whoever has to fix it
    expect(s.t.logs.text()).toContain(SECRET);
  });

  it('a store failing once the run exists', async () => {
    // a stage's start reads the run and takes its lease in one store operation
    failing = 'claimStage';
    const viaGraphQL = await gql(s.url, ORCHESTRATE, { text: SEED });
    expectMasked(viaGraphQL);
    expectGraphQLCode(viaGraphQL, 'INTERNAL_SERVER_ERROR');
    expect(viaGraphQL.body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    const viaRest = await rest(s.url, { text: SEED });
    expectMasked(viaRest);
    expectRestCode(viaRest, 'INTERNAL_SERVER_ERROR', 500);
  });

  it('an unexpected error inside a stage: the run fails with the code, and stores no detail either', async () => {
    const viaGraphQL = await gql(s.url, ORCHESTRATE, { text: SEED });
    expectMasked(viaGraphQL);
    expectGraphQLCode(viaGraphQL, 'INTERNAL_SERVER_ERROR', { stage: 'EXTRACTING' });
    const viaRest = await rest(s.url, { text: SEED });
    expectMasked(viaRest);
    expectRestCode(viaRest, 'INTERNAL_SERVER_ERROR', 500);
    const runId = viaGraphQL.body.data.orchestrate.id as string;
    const read = await gql(s.url, 'query ($id: ID!) { run(id: $id) { stage error { code message } } }', { id: runId });
    expectMasked(read);
    expect(read.body.data.run).toMatchObject({ stage: 'FAILED', error: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('a subscription whose store read fails', async () => {
    failing = 'get';
    const res = await subscribeSse(s.url, 'subscription ($runId: ID!) { pipelineProgress(runId: $runId) { stage } }', {
      runId: '00000000-0000-4000-8000-000000000000',
    });
    const events: Array<{ event: string; data: unknown }> = [];
    for await (const e of sseEvents(res)) events.push(e);
    const text = JSON.stringify(events);
    expectMasked({ status: res.status, headers: res.headers, body: {}, text });
    const first = events[0]?.data as Json;
    expect(first?.errors?.[0]?.extensions, text).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });
});

describe('error table: coverage', () => {
  // STORE_UNAVAILABLE needs a real Redis going away: test/store/redis-outage.test.ts drives it through
  // the server over GraphQL and REST (that file is left out where redis-server is not installed)
  const ELSEWHERE = new Map([['STORE_UNAVAILABLE', '../store/redis-outage.test.ts']]);

  it('the table was found, and every code in it was answered by a test above', () => {
    expect(TABLE.size).toBeGreaterThanOrEqual(21);
    for (const [code, file] of ELSEWHERE) {
      expect(readFileSync(new URL(file, import.meta.url), 'utf8')).toContain(`restStatusOf('${code}')`);
    }
    const missing = [...TABLE.keys()].filter((code) => !seen.has(code) && !ELSEWHERE.has(code));
    expect(missing).toEqual([]);
  });
});
