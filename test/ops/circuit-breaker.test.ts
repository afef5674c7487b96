import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const Extract = graphql(`
  mutation BreakerRun($text: String!) {
    orchestrate(input: { text: $text }) { id extraction { entities } }
  }
`);

const circuits = async (t: TestApp) =>
  ((await (await t.fetch('/ready')).json()) as { circuits: Array<{ model: string; state: string }> }).circuits;

describe('circuit breaker: a model that keeps failing fails fast, then one probe decides', () => {
  let t: TestApp;
  // the app's clock, moved by hand: a busy machine cannot run the cool-down out between two steps
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const coolDown = () => {
    clock += 450;
  };
  beforeAll(async () => {
    t = await createTestApp({
      env: { GATEWAY_MAX_ATTEMPTS: '2', BREAKER_FAILURE_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '400' },
      deps: { now: () => new Date(clock) },
    });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.sim.clearFaults();
    t.sim.resetStats();
  });

  it('opens after consecutive failed calls, fails fast without calling, and closes after a good probe', async () => {
    // three calls, each retried once, all unavailable: six requests, then the circuit opens
    t.sim.fault({ kind: 'status', status: 503, model: 'sim-extractor', times: 8 });
    for (let i = 0; i < 3; i++) {
      const failed = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
      expect(failed.errors?.[0]?.extensions?.code).toBe('GATEWAY_UNAVAILABLE');
    }
    expect(t.sim.stats.modelCalls).toBe(6);
    expect(await circuits(t)).toContainEqual({ model: 'sim-extractor', state: 'open' });
    expect(await (await t.fetch('/metrics')).text()).toContain(
      'orchestrator_gateway_circuit_state{model="sim-extractor"} 1',
    );

    t.sim.resetStats();
    const fast = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(fast.errors?.[0]?.extensions?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(fast.errors?.[0]?.message).toMatch(/circuit is open/);
    expect(t.sim.stats.modelCalls).toBe(0);

    coolDown();
    // the probe call (with its retry) meets the last two queued 503s: open again
    const probe = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(probe.errors?.[0]?.extensions?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(t.sim.stats.modelCalls).toBe(2);
    expect(await circuits(t)).toContainEqual({ model: 'sim-extractor', state: 'open' });

    coolDown();
    const healed = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(healed.errors).toBeUndefined();
    expect(healed.data?.orchestrate.extraction?.entities).toMatchObject({ action: 'cancel_booking' });
    expect(await circuits(t)).toContainEqual({ model: 'sim-extractor', state: 'closed' });
  });

  it('a model answering 429 is busy, not down: rate limiting never opens the circuit', async () => {
    t.sim.fault({ kind: 'status', status: 429, model: 'sim-specialist', retryAfterMs: 1, times: 10 });
    const run = graphql(`
      mutation BreakerBusy($text: String!) {
        orchestrate(input: { text: $text }) { specialization { isValid } }
      }
    `);
    for (let i = 0; i < 5; i++) {
      const res = await t.gql(run, { text: 'cancel booking XK4P9Q' });
      expect(res.errors?.[0]?.extensions?.code).toBe('GATEWAY_RATE_LIMITED');
    }
    expect(t.sim.stats.callsByModel['sim-specialist']).toBe(10);
    expect(await circuits(t)).not.toContainEqual({ model: 'sim-specialist', state: 'open' });
  });
});
