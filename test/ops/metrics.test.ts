import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { graphql } from '../gql/index.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';

const Both = graphql(`
  mutation MetricsRun($text: String!) {
    orchestrate(input: { text: $text }) { id specialization { isValid } }
  }
`);

const Everything = graphql(`
  subscription MetricsWatch {
    pipelineEvents { runId }
  }
`);

/** The value of one sample line of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(m[3]);
  }
  return 0;
}

describe('/metrics: counts after a known sequence of runs', () => {
  let t: TestApp;
  let server: RunningServer;
  let text = '';
  beforeAll(async () => {
    t = await createTestApp({ env: { API_KEYS: 'desk:orchestrate:k-desk-1' } });
    server = await listen(t.app);
    const auth = { authorization: 'Bearer k-desk-1' };
    await t.gql(Both, { text: 'cancel booking XK4P9Q' }, auth);
    t.sim.fault({ kind: 'status', status: 503, model: 'sim-extractor', retryAfterMs: 1 });
    await t.gql(Both, { text: 'I need to change my flight to next Tuesday' }, auth);
    t.sim.fault({ kind: 'status', status: 403, model: 'sim-extractor' });
    await t.gql(Both, { text: 'refund booking XK4P9Q $20' }, auth);
    await t.gql(Both, { text: 'no key' });
    text = await (await t.fetch('/metrics')).text();
  });
  afterAll(async () => {
    await server.close(0);
    await t.sim.close();
  });

  it('counts runs ended by final stage', () => {
    expect(sample(text, 'orchestrator_runs_total', { stage: 'COMPLETE' })).toBe(2);
    expect(sample(text, 'orchestrator_runs_total', { stage: 'FAILED' })).toBe(1);
  });

  it('counts gateway attempts by model and status, and retries by reason', () => {
    expect(sample(text, 'orchestrator_gateway_attempts_total', { model: 'sim-extractor', status: '200' })).toBe(2);
    expect(sample(text, 'orchestrator_gateway_attempts_total', { model: 'sim-extractor', status: '503' })).toBe(1);
    expect(sample(text, 'orchestrator_gateway_attempts_total', { model: 'sim-extractor', status: '403' })).toBe(1);
    expect(sample(text, 'orchestrator_gateway_attempts_total', { model: 'sim-specialist', status: '200' })).toBe(2);
    expect(sample(text, 'orchestrator_gateway_retries_total', { model: 'sim-extractor', reason: '503' })).toBe(1);
  });

  it('counts tokens by model and kind, and stage durations', () => {
    expect(sample(text, 'orchestrator_tokens_total', { model: 'sim-extractor', kind: 'prompt' })).toBeGreaterThan(0);
    expect(sample(text, 'orchestrator_tokens_total', { model: 'sim-specialist', kind: 'completion' })).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'orchestrator_stage_duration_seconds_count', { stage: 'extraction' })).toBe(3);
    expect(sample(text, 'orchestrator_stage_duration_seconds_count', { stage: 'specialization' })).toBe(2);
  });

  it('counts rejected operations by reason, and has gauges and process metrics', () => {
    expect(sample(text, 'orchestrator_operations_rejected_total', { reason: 'unauthenticated' })).toBe(1);
    expect(text).toContain('orchestrator_gateway_inflight 0');
    expect(text).toContain('orchestrator_gateway_queued 0');
    expect(text).toContain('orchestrator_process_cpu_user_seconds_total');
    expect(text).toContain('orchestrator_nodejs_eventloop_lag_seconds');
  });

  it('counts open subscriptions while they are open', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer k-desk-1' },
      body: JSON.stringify({ query: print(Everything) }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    await expect
      .poll(async () => sample(await (await t.fetch('/metrics')).text(), 'orchestrator_subscriptions_open'))
      .toBe(1);
    controller.abort();
    await expect
      .poll(async () => sample(await (await t.fetch('/metrics')).text(), 'orchestrator_subscriptions_open'))
      .toBe(0);
  });
});
