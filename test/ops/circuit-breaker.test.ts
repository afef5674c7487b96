import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const Extract = graphql(`
  mutation BreakerRun($text: String!) {
    orchestrate(input: { text: $text }) { id extraction { entities } }
  }
`);

describe('circuit breaker: a model that keeps failing fails fast, then one probe decides', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { GATEWAY_MAX_ATTEMPTS: '3', BREAKER_FAILURE_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '400' },
    });
  });
  afterAll(() => t.close());

  it('opens after consecutive retryable failures, fails fast without calling, and closes after a good probe', async () => {
    t.sim.fault({ kind: 'status', status: 503, model: 'sim-extractor', times: 4 });
    const first = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(first.errors?.[0]?.extensions?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(t.sim.stats.modelCalls).toBe(3);

    const ready = (await (await t.fetch('/ready')).json()) as { circuits: Array<{ model: string; state: string }> };
    expect(ready.circuits).toContainEqual({ model: 'sim-extractor', state: 'open' });
    expect(await (await t.fetch('/metrics')).text()).toContain(
      'orchestrator_gateway_circuit_state{model="sim-extractor"} 1',
    );

    t.sim.resetStats();
    const fast = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(fast.errors?.[0]?.extensions?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(fast.errors?.[0]?.message).toMatch(/circuit is open/);
    expect(t.sim.stats.modelCalls).toBe(0);

    await new Promise((r) => setTimeout(r, 450));
    // the probe meets the last queued 503: open again for another cool-down
    const probe = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(probe.errors?.[0]?.extensions?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(t.sim.stats.modelCalls).toBe(1);

    await new Promise((r) => setTimeout(r, 450));
    const healed = await t.gql(Extract, { text: 'cancel booking XK4P9Q' });
    expect(healed.errors).toBeUndefined();
    expect(healed.data?.orchestrate.extraction?.entities).toMatchObject({ action: 'cancel_booking' });
    const after = (await (await t.fetch('/ready')).json()) as { circuits: Array<{ model: string; state: string }> };
    expect(after.circuits).toContainEqual({ model: 'sim-extractor', state: 'closed' });
  });
});
