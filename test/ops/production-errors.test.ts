import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../src/server.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

/**
 * In production an error says what was wrong with the request, not what the
 * schema holds (introspection is off there: "Did you mean" would give it
 * back field by field), and it does not repeat a body it could not read.
 */

const RUNS_BY_STAGE = 'query ($s: PipelineStage) { runs(first: 1, stage: $s) { edges { cursor } } }';
const ORCHESTRATE = 'mutation ($i: OrchestrateInput!) { orchestrate(input: $i) { id } }';

/** Every way graphql-js suggests a name: fields, arguments, types, enum values, input fields; literal and variable. */
const WRONG: Array<[string, { query: string; variables?: Record<string, unknown> }, string]> = [
  ['a field', { query: '{ runz(first: 1) { edges { cursor } } }' }, 'runs'],
  ['an argument', { query: '{ runs(firs: 1) { edges { cursor } } }' }, 'first'],
  ['an enum value, literal', { query: '{ runs(first: 1, stage: FAILD) { edges { cursor } } }' }, 'FAILED'],
  ['an enum value, in variables', { query: RUNS_BY_STAGE, variables: { s: 'FAILD' } }, 'FAILED'],
  [
    'a variable type',
    { query: 'query ($s: PipelineStag) { runs(first: 1, stage: $s) { edges { cursor } } }' },
    'PipelineStage',
  ],
  [
    'a fragment type',
    { query: '{ runs(first: 1) { edges { node { ... on OrchestrationRn { id } } } } }' },
    'OrchestrationRun',
  ],
  ['an input field, literal', { query: 'mutation { orchestrate(input: { text: "hi", eagr: true }) { id } }' }, 'eager'],
  ['an input field, in variables', { query: ORCHESTRATE, variables: { i: { text: 'hi', eagr: true } } }, 'eager'],
  ['a subscription field', { query: 'subscription { pipelineEvent { runId } }' }, 'pipelineEvents'],
];

/** Every error message in an answer, one per line. */
function messagesIn(value: unknown): string {
  if (Array.isArray(value)) return value.map(messagesIn).join('\n');
  if (value === null || typeof value !== 'object') return '';
  return Object.entries(value)
    .map(([k, v]) => (k === 'message' && typeof v === 'string' ? v : messagesIn(v)))
    .filter(Boolean)
    .join('\n');
}

/** The JSON payloads of an SSE answer's data lines. */
function ssePayloads(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:') && line.length > 5)
    .map((line) => JSON.parse(line.slice(5)) as unknown);
}

function post(server: RunningServer, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('in production (NODE_ENV=production)', () => {
  let t: TestApp;
  let server: RunningServer;
  beforeAll(async () => {
    t = await createTestApp({ env: { NODE_ENV: 'production' } });
    server = await listen(t.app);
  });
  afterAll(async () => {
    await server.close(0);
    await t.sim.close();
  });

  it.each(WRONG)('a wrong name (%s) is refused without a suggestion, over HTTP', async (_what, body, right) => {
    const messages = messagesIn(await (await post(server, JSON.stringify(body))).json());
    expect(messages).not.toBe('');
    expect(messages).not.toMatch(/did you mean/i);
    expect(messages).not.toContain(right);
  });

  it.each(WRONG)('... and over SSE (%s)', async (_what, body, right) => {
    const res = await post(server, JSON.stringify(body), { accept: 'text/event-stream' });
    const text = await res.text();
    const messages = messagesIn(ssePayloads(text));
    expect(messages, text).not.toBe('');
    expect(messages).not.toMatch(/did you mean/i);
    expect(messages).not.toContain(right);
  });

  it.each(WRONG)('... and over WebSocket (%s)', async (_what, body, right) => {
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const answer = await new Promise<unknown>((resolve) => {
        client.subscribe(body, { next: resolve, error: resolve, complete: () => resolve('completed without errors') });
      });
      const messages = messagesIn(answer);
      expect(messages, JSON.stringify(answer)).not.toBe('');
      expect(messages).not.toMatch(/did you mean/i);
      expect(messages).not.toContain(right);
    } finally {
      await client.dispose();
    }
  });

  it('a body that is not JSON is refused with 400 without repeating it', async () => {
    const res = await post(server, '{"query": "mutation { orchestrate(input: {text: \\"my card is 4111 1111');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('BAD_REQUEST');
    expect(text).not.toContain('4111');
    expect(text).not.toContain('orchestrate');
  });

  it('the REST route does not repeat it either', async () => {
    const res = await fetch(`${server.url}/v1/orchestrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text": "my card is 4111 1111',
    });
    expect(res.status).toBe(422);
    expect(await res.text()).not.toContain('4111');
  });
});

describe('in development, with introspection on', () => {
  it('suggestions stay: the schema is public there, and they help a person at a terminal', async () => {
    const t = await createTestApp();
    const server = await listen(t.app);
    try {
      const res = await post(server, JSON.stringify({ query: '{ runz(first: 1) { edges { cursor } } }' }));
      expect(messagesIn(await res.json())).toMatch(/Did you mean .*"runs"/);
    } finally {
      await server.close(0);
      await t.sim.close();
    }
  });
});
