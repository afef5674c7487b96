import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, serveTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A page in an agent's browser must not reach a server on the internal
 * network: no cross-origin access unless CORS_ORIGINS lists the origin, over
 * HTTP and over the WebSocket upgrade. Clients that send no Origin (curl,
 * servers, the CLI) are not browsers and are not affected.
 */

const EVIL = 'https://evil.example';
const DESK = 'https://desk.example.com';
const MUTATION = JSON.stringify({
  query: 'mutation { orchestrate(input: { text: "cancel booking XK4P9Q" }) { id extraction { model } } }',
});

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-graphql-yoga-csrf, x-api-key',
    },
  });
}

function post(url: string, path: string, body: string, origin?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body,
  });
}

/** Opens a WebSocket to /graphql with the given Origin: 'open', or the HTTP status the upgrade was refused with. */
function upgrade(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

describe('with no CORS_ORIGINS (the default): same-origin only', () => {
  const live = serveTestApp();

  it('a preflight from another origin is not granted', async () => {
    const res = await preflight(live.server.url, EVIL);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('a mutation sent from another origin is refused with 403 and starts nothing', async () => {
    live.t.sim.resetStats();
    const res = await post(live.server.url, '/graphql', MUTATION, EVIL);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(live.t.sim.stats.modelCalls).toBe(0);
  });

  it('a query from another origin cannot read customers’ words', async () => {
    const res = await post(
      live.server.url,
      '/graphql',
      JSON.stringify({ query: '{ runs(first: 5) { edges { node { text } } } }' }),
      EVIL,
    );
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('XK4P9Q');
  });

  it('the REST route from another origin is refused with 403 in the unified shape', async () => {
    live.t.sim.resetStats();
    const res = await post(live.server.url, '/v1/orchestrate', JSON.stringify({ text: 'cancel booking XK4P9Q' }), EVIL);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 'error', code: 'FORBIDDEN' });
    expect(live.t.sim.stats.modelCalls).toBe(0);
  });

  it('a client that sends no Origin is not affected', async () => {
    const res = await post(live.server.url, '/graphql', MUTATION);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it('the same origin (a console or GraphiQL served by this server) is not affected', async () => {
    const res = await post(live.server.url, '/graphql', MUTATION, live.server.url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it('the WebSocket upgrade refuses another origin with 403, and takes the same origin or none', async () => {
    expect(await upgrade(live.server.url, EVIL)).toBe(403);
    expect(await upgrade(live.server.url, 'null')).toBe(403);
    expect(await upgrade(live.server.url, live.server.url)).toBe('open');
    expect(await upgrade(live.server.url)).toBe('open');
  });
});

describe('CORS_ORIGINS opens cross-origin access to the listed origins only', () => {
  const live = serveTestApp({ env: { CORS_ORIGINS: `${DESK}, http://localhost:5173` } });

  it('a preflight from a listed origin is granted, for that origin and without cookies', async () => {
    const res = await preflight(live.server.url, DESK);
    expect(res.headers.get('access-control-allow-origin')).toBe(DESK);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
    for (const h of ['content-type', 'authorization', 'x-api-key']) expect(allowed).toContain(h);
    expect(res.headers.get('vary')?.toLowerCase()).toContain('origin');
  });

  it('a listed origin runs operations and may read the answer', async () => {
    const res = await post(live.server.url, '/graphql', MUTATION, 'http://localhost:5173');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it('an origin not on the list is still refused', async () => {
    expect((await preflight(live.server.url, EVIL)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await post(live.server.url, '/graphql', MUTATION, EVIL)).status).toBe(403);
    // a look-alike is not the listed origin
    expect((await post(live.server.url, '/graphql', MUTATION, `${DESK}.evil.example`)).status).toBe(403);
  });

  it('the WebSocket upgrade takes a listed origin and refuses others', async () => {
    expect(await upgrade(live.server.url, DESK)).toBe('open');
    expect(await upgrade(live.server.url, EVIL)).toBe(403);
  });
});

describe('DNS rebinding: a page naming the server by a host name that resolves to it', () => {
  const rebound = (t: TestApp, host: string) =>
    t.fetch(`http://${host}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://${host}`, host },
      body: MUTATION,
    });

  it('on an open server is refused (its Origin matches the Host it sends, but a name can point anywhere)', async () => {
    const t = await createTestApp();
    try {
      const res = await rebound(t, 'attacker.example:4000');
      expect(res.status).toBe(403);
      // the server's own pages on an address or localhost stay same-origin
      expect((await rebound(t, '127.0.0.1:4000')).status).toBe(200);
      expect((await rebound(t, 'localhost:4000')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('with API keys a same-origin host name is the server’s own (a rebinding page has no key)', async () => {
    const t = await createTestApp({ env: { API_KEYS: 'desk:orchestrate:k-rebind-1' } });
    try {
      const res = await t.fetch('http://console.internal:4000/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: 'http://console.internal:4000',
          authorization: 'Bearer k-rebind-1',
        },
        body: MUTATION,
      });
      expect(res.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
