import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// ws's client, not the global WebSocket: Node 20 has that only behind --experimental-websocket (22+ unflagged)
import WebSocket from 'ws';
import allowList from '../gql/persisted-documents.json' with { type: 'json' };
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

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
