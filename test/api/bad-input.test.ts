import { request } from 'node:http';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_LIMITS } from '../../src/app.js';
import { graphql } from '../gql/index.js';
import { createTestApp, listen, serveTestApp, type TestApp } from '../helpers/test-app.js';

const Orchestrate = graphql(`
  mutation OrchestrateInputCheck($input: OrchestrateInput!) {
    orchestrate(input: $input) { id stage }
  }
`);

const Runs = graphql(`
  query RunsPage($first: Int, $after: String) {
    runs(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
  }
`);

const post = (t: TestApp, body: string, headers: Record<string, string> = {}) =>
  t.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('bad input gets a clear, coded error and the server keeps serving', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_INPUT_CHARS: '200' } });
  });
  afterAll(() => t.close());

  it.each([
    ['blank text', { text: '   ' }, /text must not be blank/],
    ['text over MAX_INPUT_CHARS', { text: 'x'.repeat(201) }, /at most 200 characters/],
    ['a malformed idempotency key', { text: 'hello', idempotencyKey: 'has spaces in it' }, /idempotencyKey/],
    ['a malformed model id', { text: 'hello', primaryModelId: 'bad model!' }, /primaryModelId/],
  ])('%s: BAD_USER_INPUT naming the field', async (_name, input, message) => {
    const res = await t.gql(Orchestrate, { input });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('a broken JSON body is refused with 400', async () => {
    const res = await post(t, '{"query": "mutation {');
    expect(res.status).toBe(400);
  });

  it('an operation past the depth, alias or token limits is refused before any resolver runs', async () => {
    const aliases = Array.from(
      { length: OPERATION_LIMITS.maxAliases + 1 },
      (_, i) => `a${i}: extraction { model }`,
    ).join(' ');
    const res = await post(
      t,
      JSON.stringify({ query: `mutation { orchestrate(input: {text: "hi"}) { ${aliases} } }` }),
    );
    const body = (await res.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toMatch(/alias/i);
    const tokens = await post(
      t,
      JSON.stringify({ query: `{ ${'__typename '.repeat(OPERATION_LIMITS.maxTokens + 1)} }` }),
    );
    expect(((await tokens.json()) as { errors: Array<{ message: string }> }).errors[0]?.message).toMatch(/token/i);
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('a body over the size limit is refused with 413', async () => {
    const res = await post(
      t,
      JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(OPERATION_LIMITS.maxBodyBytes) }),
    );
    expect(res.status).toBe(413);
  });

  it('a form post (CSRF) is refused', async () => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=mutation%20%7B%20orchestrate(input%3A%7Btext%3A%22x%22%7D)%20%7B%20id%20%7D%20%7D',
    });
    expect(res.status).toBe(403);
  });

  it('runs(first) outside 1..100 and a foreign cursor are BAD_USER_INPUT', async () => {
    const big = await t.gql(Runs, { first: 1000 });
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const cursor = await t.gql(Runs, { first: 5, after: 'bm90LWEtY3Vyc29y' });
    expect(cursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('after all of that, a good request still works', async () => {
    const res = await t.gql(Orchestrate, { input: { text: 'cancel booking XK4P9Q' } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.orchestrate.stage).toBe('RECEIVED');
  });
});

describe('text a person cannot see, or that is not Unicode, is refused, not stored', () => {
  const live = serveTestApp();

  const graphqlOrchestrate = async (text: string) => {
    const res = await fetch(`${live.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // JSON.stringify writes a lone surrogate as an escape (\ud800): what a client's JSON carries
      body: JSON.stringify({ query: print(Orchestrate), variables: { input: { text } } }),
    });
    return (await res.json()) as {
      data?: unknown;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
  };
  const restOrchestrate = async (text: string) => {
    const res = await fetch(`${live.server.url}/v1/orchestrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
  };

  it.each([
    ['zero-width space, non-joiner, joiner', '\u200B\u200C\u200D'],
    ['word joiner, BOM, soft hyphen', '\u2060\uFEFF\u00AD'],
    ['spaces among invisible format characters', ' \u200B \u200E\u200F \u202A\u202C \u2061 '],
    ['fillers and a blank braille pattern', '\u3164\u115F\uFFA0\u2800'],
    ['variation selectors and a combining grapheme joiner', '\uFE0F\u034F\u180E'],
  ])('only %s: blank, BAD_USER_INPUT over GraphQL and REST', async (_what, text) => {
    const gql = await graphqlOrchestrate(text);
    expect(gql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gql.errors?.[0]?.message).toMatch(/text must not be blank/);
    const rest = await restOrchestrate(text);
    expect(rest.status).toBe(422);
    expect(rest.body).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/blank/) });
  });

  it.each([
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate inside words', 'cancel booking \uDC00 XK4P9Q'],
    ['a high surrogate at the end', 'cancel booking XK4P9Q \uD83D'],
  ])('%s: BAD_USER_INPUT over GraphQL and REST, rather than silently changed', async (_what, text) => {
    const gql = await graphqlOrchestrate(text);
    expect(gql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gql.errors?.[0]?.message).toMatch(/surrogate/);
    const rest = await restOrchestrate(text);
    expect(rest.status).toBe(422);
    expect(rest.body).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/surrogate/) });
  });

  it('visible text with emoji, joiners and variation selectors inside is taken as it is', async () => {
    const text = 'Family of 👨\u200D👩\u200D👧 flying ✈\uFE0F, change seat to 14A';
    const res = (await graphqlOrchestrate(text)) as { data?: { orchestrate: { id: string } }; errors?: unknown };
    expect(res.errors).toBeUndefined();
    const stored = await live.t.app.runtime.store.get(res.data?.orchestrate.id as string);
    expect(stored?.text).toBe(text);
  });
});

describe('runs: newest first, a Relay connection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('pages through every run once, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.gql(Orchestrate, { input: { text: `request ${i}` } });
      ids.push(res.data?.orchestrate.id as string);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await t.gql(Runs, { first: 3, after });
      seen.push(...(page.data?.runs.edges.map((e) => e.node.id) ?? []));
      if (!page.data?.runs.pageInfo.hasNextPage) break;
      after = page.data.runs.pageInfo.endCursor ?? undefined;
    }
    expect(seen).toEqual([...ids].reverse());
  });
});

describe('a body without a declared length (chunked)', () => {
  it('is refused with 411 before anything reads it, so no body escapes the size limit', async () => {
    const t = await createTestApp();
    const server = await listen(t.app);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write('{"query":');
        req.end('"{ __typename }"}');
      });
      expect(status).toBe(411);
    } finally {
      await server.close(0);
      await t.sim.close();
    }
  });
});
