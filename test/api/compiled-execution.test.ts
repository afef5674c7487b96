import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedCache, COMPILED_DOCUMENTS_MAX, compilable } from '../../src/http/use-compiled-execution.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('which documents are compiled (graphql-jit)', () => {
  const yes = (doc: string) => expect(compilable(parse(doc)), doc).toBe(true);
  const no = (doc: string) => expect(compilable(parse(doc)), doc).toBe(false);

  it('one query or mutation, fragments last in their selection set', () => {
    yes('{ runs { nodes { id } } }');
    yes('mutation { orchestrate(input: {text: "x"}) { id ...F } } fragment F on OrchestrationRun { text }');
    yes('{ runs { nodes { id ... on OrchestrationRun { text } } } }');
  });

  it('not @defer or @stream anywhere, a fragment definition included', () => {
    no('mutation { orchestrate(input: {text: "x"}) { id ... @defer { specialization { isValid } } } }');
    no(
      'mutation { orchestrate(input: {text: "x"}) { id ...F } } fragment F on OrchestrationRun { ...G }' +
        ' fragment G on OrchestrationRun { ... @defer(if: false) { text } }',
    );
    no('{ runs { nodes { events @stream { seq } } } }');
  });

  it('not @skip or @include anywhere: graphql-jit keeps a condition on the shared field node', () => {
    no('{ runs { nodes { id text @skip(if: true) } } }');
    no('query($x: Boolean!) { runs { nodes { id ...F @include(if: $x) } } } fragment F on OrchestrationRun { text }');
  });

  it('not subscriptions, nor a document of several operations', () => {
    no('subscription { pipelineEvents { runId } }');
    no('query A { runs { nodes { id } } } query B { runs { nodes { text } } }');
  });

  it('not a fragment before another selection: graphql-jit would reorder the keys', () => {
    no('{ runs { nodes { ... on OrchestrationRun { text } id } } }');
    no(
      '{ runs { nodes { ...A ...B } } } fragment A on OrchestrationRun { id } fragment B on OrchestrationRun { text }',
    );
  });
});

describe('the compiled-document cache', () => {
  it('keeps at most its bound, dropping the least recently used', () => {
    const cache = new BoundedCache(3);
    const entry = { query: () => ({}), stringify: JSON.stringify };
    for (const k of ['a', 'b', 'c']) cache.set(k, entry);
    cache.get('a');
    cache.set('d', entry);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(entry);
    for (let i = 0; i < 10_000; i++) cache.set(`q${i}`, entry);
    expect(cache.size).toBe(3);
    expect(COMPILED_DOCUMENTS_MAX).toBeGreaterThan(0);
  });
});

describe('compiled and interpreted execution answer alike, byte for byte', () => {
  let sim: Simulator;
  let on: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    sim = await startSimulator();
    on = await createTestApp({ sim, env: { GRAPHQL_JIT: 'true' } });
    off = await createTestApp({ sim, env: { GRAPHQL_JIT: 'false' } });
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await sim?.close();
  });

  const post = async (t: TestApp, query: string, variables: Record<string, unknown>) => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    // ids and instants differ between the two apps; everything else must not
    return `${res.status} ${(await res.text()).replace(/"[0-9a-f-]{36}"|"\d{4}-\d\d-\d\dT[^"]*"/g, '"X"')}`;
  };

  it.each([
    [
      'both stages, aliases',
      'mutation($t: String!) { a: orchestrate(input: {text: $t}) { id stage extraction { entities } verdict: specialization { isValid reason nextSteps } } }',
    ],
    [
      'a fragment last',
      'mutation($t: String!) { orchestrate(input: {text: $t}) { id stage ...F } } fragment F on OrchestrationRun { text usage { totalTokens } }',
    ],
    [
      'a fragment first (interpreted)',
      'mutation($t: String!) { orchestrate(input: {text: $t}) { ...F id stage } } fragment F on OrchestrationRun { text }',
    ],
    [
      '@skip and @include',
      'query($s: Boolean!) { runs(first: 2) { nodes { id text @skip(if: $s) stage @include(if: $s) createdAt } } }',
    ],
    [
      'one fragment spread under two conditions (interpreted: graphql-jit would apply one to both)',
      '{ a: runs(first: 1) { nodes { ...F @skip(if: true) } } b: runs(first: 1) { nodes { ...F @skip(if: false) } } } fragment F on OrchestrationRun { text }',
    ],
    ['a field error: code, path and locations', '{ run(id: "nope") { id } }'],
    ['a non-null field error: data null', '{ runs(first: 0) { nodes { id } } }'],
    [
      'a bad custom scalar literal',
      '{ runs(first: 1) { nodes { id } } usage(from: "yesterday", to: "2026-01-01T00:00:00Z", groupBy: []) { day cacheHits } }',
    ],
    [
      'a bad custom scalar variable',
      'query($since: DateTime!) { usage(from: $since, to: $since, groupBy: []) { day cacheHits } }',
    ],
    ['__typename, and an enum', '{ viewer { __typename role } runs(first: 1) { nodes { __typename id } } }'],
  ])('%s', async (_name, query) => {
    const variables = { t: 'Please refund booking ABC123, amount 250 EUR', s: true, since: 'yesterday' };
    expect(await post(on, query, variables)).toBe(await post(off, query, variables));
  });
});
