import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// ws's client, not the global WebSocket: Node 20 has that only behind --experimental-websocket (22+ unflagged)
import WebSocket from 'ws';
import type { RunningServer } from '../../src/server.js';
import { graphql } from '../gql/index.js';
import { collectSse, subscribeSse } from '../helpers/sse.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

const DESK_KEY = 'k-desk-7f3a9c21';
const WALL_KEY = 'k-wall-5be04d88';

const Create = graphql(`
  mutation CreateWithKey($text: String!) {
    orchestrate(input: { text: $text }) { id }
  }
`);

const ListRuns = graphql(`
  query ListRunsWithKey {
    runs(first: 1) { edges { node { id } } }
  }
`);

const Watch = graphql(`
  subscription WatchWithKey($runId: ID!) {
    pipelineProgress(runId: $runId) { stage }
  }
`);

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys: who may call, and what a read key may do', () => {
  let t: TestApp;
  let server: RunningServer;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_KEYS: `desk:orchestrate:${DESK_KEY},wall:read:${WALL_KEY}` } });
    server = await listen(t.app);
  });
  afterAll(async () => {
    await server.close(0);
    await t.sim.close();
  });

  it('no key: 401 UNAUTHENTICATED with WWW-Authenticate, on GraphQL and REST', async () => {
    const res = await t.gql(ListRuns, undefined);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const rest = await t.fetch('/v1/orchestrate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await rest.json()).toMatchObject({ status: 'error', code: 'UNAUTHENTICATED' });
  });

  it('a wrong key: 401, and the key is not echoed', async () => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer('k-wrong-guess-0000') },
      body: JSON.stringify({ query: print(ListRuns) }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('k-wrong-guess-0000');
  });

  it('an orchestrate key runs pipelines, by Authorization: Bearer or x-api-key', async () => {
    expect((await t.gql(Create, { text: 'cancel booking XK4P9Q' }, bearer(DESK_KEY))).errors).toBeUndefined();
    expect((await t.gql(Create, { text: 'cancel booking XK4P9Q' }, { 'x-api-key': DESK_KEY })).errors).toBeUndefined();
  });

  it('a read key queries, but a mutation gets 403 FORBIDDEN (GraphQL and REST)', async () => {
    const read = await t.gql(ListRuns, undefined, bearer(WALL_KEY));
    expect(read.status).toBe(200);
    expect(read.errors).toBeUndefined();
    const write = await t.gql(Create, { text: 'cancel booking XK4P9Q' }, bearer(WALL_KEY));
    expect(write.status).toBe(403);
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const rest = await t.fetch('/v1/orchestrate', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(WALL_KEY) },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(rest.status).toBe(403);
    expect(await rest.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('SSE subscriptions authenticate the same way', async () => {
    const id = (await t.gql(Create, { text: 'cancel booking XK4P9Q' }, bearer(DESK_KEY))).data?.orchestrate
      .id as string;
    const refused = await subscribeSse(server.url, print(Watch), { runId: id });
    expect(refused.status).toBe(401);
    await refused.body?.cancel();
    await t.app.runtime.orchestrator.ensureStage(id, 'specialization');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(WALL_KEY) },
      body: JSON.stringify({ query: print(Watch), variables: { runId: id } }),
    });
    const events = await collectSse<{ pipelineProgress: { stage: string } }>(res);
    expect(events.at(-1)?.pipelineProgress.stage).toBe('COMPLETE');
  });

  it('WebSocket subscriptions authenticate through connectionParams', async () => {
    const id = (await t.gql(Create, { text: 'cancel booking XK4P9Q' }, bearer(DESK_KEY))).data?.orchestrate
      .id as string;
    await t.app.runtime.orchestrator.ensureStage(id, 'specialization');
    const wsUrl = `${server.url.replace('http', 'ws')}/graphql`;
    const run = (connectionParams: Record<string, string>) => {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
      return new Promise<string[]>((resolve, reject) => {
        const stages: string[] = [];
        client.subscribe<{ pipelineProgress: { stage: string } }>(
          { query: print(Watch), variables: { runId: id } },
          {
            next: (v) => stages.push(v.data?.pipelineProgress.stage as string),
            error: (e) => reject(e),
            complete: () => resolve(stages),
          },
        );
      }).finally(() => client.dispose());
    };
    await expect(run({})).rejects.toMatchObject({ code: 4403 });
    await expect(run({ authorization: 'Bearer nope' })).rejects.toMatchObject({ code: 4403 });
    expect((await run({ authorization: `Bearer ${WALL_KEY}` })).at(-1)).toBe('COMPLETE');
    expect((await run({ 'x-api-key': WALL_KEY })).at(-1)).toBe('COMPLETE');
  });

  it('WebSocket connectionParams take Authorization and X-API-Key in any letter case, as HTTP headers do', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}/graphql`;
    const runs = (connectionParams: Record<string, string>) => {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
      return new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: print(ListRuns) }, { next: resolve, error: reject, complete: () => {} });
      }).finally(() => client.dispose());
    };
    const spellings: Array<Record<string, string>> = [
      { Authorization: `Bearer ${WALL_KEY}` },
      { AUTHORIZATION: `bearer ${WALL_KEY}` },
      { 'X-API-Key': WALL_KEY },
      { 'X-Api-Key': WALL_KEY },
    ];
    for (const params of spellings) {
      expect(await runs(params), JSON.stringify(Object.keys(params))).toHaveProperty('data.runs');
    }
    await expect(runs({ Authorization: 'Bearer nope' })).rejects.toMatchObject({ code: 4403 });
  });

  it('no spelling of the path gets past the key check', async () => {
    for (const path of ['/graphql/', '//graphql']) {
      const res = await t.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: print(ListRuns) }),
      });
      expect(res.status, path).toBe(401);
    }
  });

  it('a bad operation over WebSocket answers that operation and leaves the socket serving', async () => {
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${WALL_KEY}` },
    });
    try {
      const bad = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { pipelineEvents { nope' },
          { next: resolve, error: resolve, complete: () => {} },
        );
      });
      expect(JSON.stringify(bad)).toMatch(/Syntax Error|Expected/);
      const good = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: print(ListRuns) }, { next: resolve, error: reject, complete: () => {} });
      });
      expect(good).toHaveProperty('data.runs');
    } finally {
      await client.dispose();
    }
  });

  it('GraphiQL opens in a browser without a key (its operations carry one)', async () => {
    const res = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('genesys-llm-orchestrator');
  });
});

describe('with GraphiQL off (the production default)', () => {
  it('a GET asking for HTML runs nothing without a key', async () => {
    const t = await createTestApp({ env: { API_KEYS: `wall:read:${WALL_KEY}`, GRAPHIQL: 'false' } });
    try {
      const res = await t.fetch('/graphql?query=%7Bruns%7Bedges%7Bcursor%7D%7D%7D', {
        headers: { accept: 'text/html, application/json', 'x-requested-with': 'x' },
      });
      expect(res.status).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('API_KEYS_FILE: hashed keys, none in plain text on disk', () => {
  it('accepts a key whose sha256 is listed, with its role', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrator-keys-'));
    const file = join(dir, 'keys.json');
    const sha256 = createHash('sha256').update('file-key-0042').digest('hex');
    writeFileSync(file, JSON.stringify([{ name: 'wallboard', role: 'read', sha256 }]));
    const t = await createTestApp({ env: { API_KEYS_FILE: file } });
    try {
      expect((await t.gql(ListRuns, undefined, bearer('file-key-0042'))).status).toBe(200);
      expect((await t.gql(Create, { text: 'x' }, bearer('file-key-0042'))).status).toBe(403);
      expect((await t.gql(ListRuns, undefined, bearer('other'))).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('rate limit: RATE_LIMIT_PER_MINUTE operations per key', () => {
  it('past the limit: 429 RATE_LIMITED with Retry-After; another key is unaffected', async () => {
    const t = await createTestApp({
      env: { API_KEYS: `desk:orchestrate:${DESK_KEY},wall:read:${WALL_KEY}`, RATE_LIMIT_PER_MINUTE: '3' },
    });
    try {
      for (let i = 0; i < 3; i++) expect((await t.gql(ListRuns, undefined, bearer(WALL_KEY))).status).toBe(200);
      const res = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(WALL_KEY) },
        body: JSON.stringify({ query: print(ListRuns) }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
      expect((await t.gql(ListRuns, undefined, bearer(DESK_KEY))).status).toBe(200);
      const rest = await t.fetch('/v1/orchestrate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(WALL_KEY) },
        body: JSON.stringify({ text: 'hello' }),
      });
      expect(rest.status).toBe(403);
    } finally {
      await t.close();
    }
  });
});

describe('rate limit: each mutation field counts, since each starts a paid run', () => {
  const aliased = (n: number) =>
    JSON.stringify({
      query: `mutation { ${Array.from({ length: n }, (_, i) => `r${i}: orchestrate(input: { text: "cancel booking XK4P9Q" }) { extraction { model } }`).join(' ')} }`,
    });
  const send = (server: RunningServer, body: string, key: string) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body,
    });

  it('an operation with more orchestrate fields than tokens left is refused whole, and spends nothing', async () => {
    const t = await createTestApp({
      env: { API_KEYS: `desk:orchestrate:${DESK_KEY}`, RATE_LIMIT_PER_MINUTE: '4' },
    });
    const server = await listen(t.app);
    try {
      expect((await send(server, aliased(3), DESK_KEY)).status).toBe(200);
      expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 3 });

      // one token left: three more runs are refused, none of them started
      const refused = await send(server, aliased(3), DESK_KEY);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await refused.json()) as { data?: unknown; errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
      expect(body.data ?? null).toBeNull();
      expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 3 });

      // the refusal took no token: the last one still buys one run
      expect((await send(server, aliased(1), DESK_KEY)).status).toBe(200);
      expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 4 });
    } finally {
      await server.close(0);
      await t.sim.close();
    }
  });

  it('an operation with more mutation fields than the whole limit is refused, with no Retry-After to wait for', async () => {
    const t = await createTestApp({ env: { API_KEYS: `desk:orchestrate:${DESK_KEY}`, RATE_LIMIT_PER_MINUTE: '4' } });
    const server = await listen(t.app);
    try {
      const refused = await send(server, aliased(5), DESK_KEY);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeNull();
      const body = (await refused.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
      expect(body.errors[0]?.message).toMatch(/5 .*4/);
      expect(t.sim.stats.modelCalls).toBe(0);
      // a query still counts one, whatever its fields
      const query = JSON.stringify({
        query: '{ a: runs(first: 1) { edges { cursor } } b: runs(first: 2) { edges { cursor } } }',
      });
      for (let i = 0; i < 4; i++) expect((await send(server, query, DESK_KEY)).status).toBe(200);
      expect((await send(server, query, DESK_KEY)).status).toBe(429);
    } finally {
      await server.close(0);
      await t.sim.close();
    }
  });
});
