import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const Keyed = graphql(`
  mutation Keyed($text: String!, $key: String) {
    orchestrate(input: { text: $text, idempotencyKey: $key }) { id stage specialization { isValid } }
  }
`);

describe('idempotencyKey: the same request twice is the same run, paid once', () => {
  let t: TestApp;
  let now = new Date('2026-11-28T12:00:00Z');
  beforeAll(async () => {
    t = await createTestApp({ deps: { now: () => now } });
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.resetStats());

  it('same key and same input: the same run and no new model calls', async () => {
    const a = await t.gql(Keyed, { text: 'cancel booking XK4P9Q', key: 'desk-42-call-1' });
    const b = await t.gql(Keyed, { text: 'cancel booking XK4P9Q', key: 'desk-42-call-1' });
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data?.orchestrate.id).toBe(a.data?.orchestrate.id);
    expect(b.data?.orchestrate.specialization).toEqual(a.data?.orchestrate.specialization);
    expect(t.sim.stats.modelCalls).toBe(2);
  });

  it('same key with other input: IDEMPOTENCY_KEY_REUSED and no call', async () => {
    await t.gql(Keyed, { text: 'cancel booking XK4P9Q', key: 'desk-42-call-2' });
    t.sim.resetStats();
    const b = await t.gql(Keyed, { text: 'refund booking XK4P9Q', key: 'desk-42-call-2' });
    expect(b.data).toBeNull();
    expect(b.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('concurrent requests with one key make one run', async () => {
    const all = await Promise.all(
      Array.from({ length: 20 }, () => t.gql(Keyed, { text: 'my bag was lost on UA123', key: 'burst-1' })),
    );
    expect(new Set(all.map((r) => r.data?.orchestrate.id)).size).toBe(1);
    expect(t.sim.stats.modelCalls).toBe(2);
  });

  it('after 24 hours the key makes a new run', async () => {
    const a = await t.gql(Keyed, { text: 'cancel booking XK4P9Q', key: 'desk-42-call-3' });
    now = new Date(now.getTime() + 25 * 60 * 60 * 1000);
    const b = await t.gql(Keyed, { text: 'cancel booking XK4P9Q', key: 'desk-42-call-3' });
    expect(b.data?.orchestrate.id).not.toBe(a.data?.orchestrate.id);
  });
});
