import { createSchema, createYoga, type Plugin, useReadinessCheck } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useReadiness } from '../../src/http/use-readiness.js';

const schema = () => createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });

function yogaWith(plugin: Plugin) {
  return createYoga({ schema: schema(), plugins: [plugin], logging: false });
}

const ready = (over: Partial<Parameters<typeof useReadiness>[0]> = {}) =>
  useReadiness({ state: () => 'ready', pingStore: async () => {}, circuits: () => ({}), ...over });

/** the paths whose answer says whether the plugin took the request (a readiness answer has a `status`) */
const PATHS = [
  ...['/ready', '/ready?probe=1', '/lb/ready', '/graphql?next=/ready', '/readyz', '/ready/', '/graphql'],
  ...['/%72eady', '/READY', '//ready', '/graphql#/ready', '/x/../ready', '/ready%20'],
];

async function takenBy(plugin: Plugin): Promise<boolean[]> {
  const yoga = yogaWith(plugin);
  const taken: boolean[] = [];
  for (const path of PATHS) {
    const res = await yoga.fetch(`http://yoga${path}`);
    taken.push(
      res.headers.get('content-type')?.includes('application/json') === true && 'status' in (await res.json()),
    );
  }
  return taken;
}

describe('GET /ready', () => {
  it("answers exactly the requests Yoga's own readiness plugin answers", async () => {
    // Yoga's plugin with a check answering in our shape: which requests reach the check
    const yogas = useReadinessCheck({
      endpoint: '/ready',
      check: () =>
        new Response(JSON.stringify({ status: 'ready' }), { headers: { 'content-type': 'application/json' } }),
    });
    const expected = await takenBy(yogas);
    expect(expected.slice(0, 7)).toEqual([true, true, true, true, false, false, false]);
    expect(await takenBy(ready())).toEqual(expected);
  });

  it('is 200 when ready, 503 when starting, draining or cut off from the store', async () => {
    expect((await yogaWith(ready()).fetch('http://yoga/ready')).status).toBe(200);
    for (const state of ['starting', 'draining'] as const) {
      const res = await yogaWith(ready({ state: () => state })).fetch('http://yoga/ready');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: state });
    }
    const cutOff = yogaWith(
      ready({
        pingStore: async () => {
          throw new Error('ECONNREFUSED 10.0.0.7:6379');
        },
      }),
    );
    const res = await cutOff.fetch('http://yoga/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'store unavailable' });
  });

  it('is 503, without the error, when the check itself throws', async () => {
    const yoga = yogaWith(
      ready({
        circuits: () => {
          throw new Error('secret internals');
        },
      }),
    );
    const res = await yoga.fetch('http://yoga/ready');
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ status: 'unavailable' });
    expect(body).not.toContain('secret');
  });
});
