import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// ws's client, not the global WebSocket: Node 20 has that only behind --experimental-websocket (22+ unflagged)
import WebSocket from 'ws';
import type { RunningServer } from '../../src/server.js';
import allowList from '../gql/persisted-documents.json' with { type: 'json' };
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';
import { openRawSocket } from '../helpers/ws-protocol.js';

const post = (t: TestApp, body: unknown) =>
  t.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const idOf = (name: string) => {
  const entry = Object.entries(allowList as Record<string, string>).find(
    ([, doc]) => doc.includes(` ${name}(`) || doc.includes(` ${name} `),
  );
  if (!entry) throw new Error(`${name} is not in the allow-list`);
  return entry[0];
};

describe('persisted-operations mode: only the allow-list runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    const file = fileURLToPath(new URL('../gql/persisted-documents.json', import.meta.url));
    t = await createTestApp({ env: { PERSISTED_OPERATIONS_FILE: file } });
  });
  afterAll(() => t.close());

  it('runs an operation of the allow-list by documentId', async () => {
    const res = await post(t, { documentId: idOf('ExtractOnly'), variables: { text: 'cancel booking XK4P9Q' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { orchestrate: { extraction: { entities: unknown } } } };
    expect(body.data.orchestrate.extraction.entities).toMatchObject({ action: 'cancel_booking' });
  });

  it('accepts the APQ form too', async () => {
    const hash = idOf('RunById').replace('sha256:', '');
    const res = await post(t, {
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      variables: { id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(((await res.json()) as { data: { run: null } }).data.run).toBeNull();
  });

  it('refuses arbitrary query text and unknown ids', async () => {
    t.sim.resetStats();
    const text = await post(t, { query: 'mutation { orchestrate(input: {text: "x"}) { extraction { model } } }' });
    expect(text.status).toBe(400);
    expect(JSON.stringify(await text.json())).toContain('PERSISTED_QUERY_ONLY');
    const unknown = await post(t, { documentId: 'sha256:0000' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(await unknown.json())).toContain('PERSISTED_QUERY_NOT_FOUND');
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  // last: closing its listener drains the shared app
  it('holds over WebSocket too: query text refused, an allow-listed id served', async () => {
    const server = await listen(t.app);
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const once = (payload: Record<string, unknown>) =>
      new Promise<unknown>((resolve) => {
        client.subscribe(payload as never, { next: resolve, error: resolve, complete: () => {} });
      });
    try {
      const refused = await once({ query: 'mutation { orchestrate(input: {text: "x"}) { id } }' });
      expect(JSON.stringify(refused)).toContain('PERSISTED_QUERY_ONLY');
      const served = await once({
        query: '',
        documentId: idOf('RunById'),
        variables: { id: '00000000-0000-4000-8000-000000000000' },
      });
      expect(served).toEqual({ data: { run: null } });
    } finally {
      await client.dispose();
      await server.close(0);
    }
  });
});

describe('persisted-operations mode over WebSocket: a documentId needs no query', () => {
  let t: TestApp;
  let server: RunningServer;
  beforeAll(async () => {
    const file = fileURLToPath(new URL('../gql/persisted-documents.json', import.meta.url));
    t = await createTestApp({ env: { PERSISTED_OPERATIONS_FILE: file } });
    server = await listen(t.app);
  });
  afterAll(async () => {
    await server.close(0);
    await t.sim.close();
  });
  const variables = { id: '00000000-0000-4000-8000-000000000000' };

  it('a subscribe message with documentId and no query is served, and the socket stays open', async () => {
    const socket = await openRawSocket(server.url);
    try {
      socket.send({ id: '1', type: 'subscribe', payload: { documentId: idOf('RunById'), variables } });
      const answer = await socket.next((m) => m.id === '1');
      expect(answer).toEqual({ id: '1', type: 'next', payload: { data: { run: null } } });
      // the APQ form, and an unknown id, answered without closing anything
      const hash = idOf('RunById').replace('sha256:', '');
      socket.send({
        id: '2',
        type: 'subscribe',
        payload: { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables },
      });
      expect((await socket.next((m) => m.id === '2')).payload).toEqual({ data: { run: null } });
      socket.send({ id: '3', type: 'subscribe', payload: { documentId: 'sha256:0000' } });
      expect(JSON.stringify((await socket.next((m) => m.id === '3')).payload)).toContain('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      socket.close();
    }
  });

  it('a graphql-ws client that leaves the query off the wire is served', async () => {
    // graphql-ws's client insists on a query string before it sends; its replacer can still keep it off the wire
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      jsonMessageReplacer: (key, value) => (key === 'query' && value === '' ? undefined : value),
    });
    try {
      const served = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: '', documentId: idOf('RunById'), variables } as never, {
          next: resolve,
          error: reject,
          complete: () => {},
        });
      });
      expect(served).toEqual({ data: { run: null } });
    } finally {
      await client.dispose();
    }
  });
});
