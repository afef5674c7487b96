import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const postJson = (t: TestApp, path: string, body: unknown) =>
  t.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/orchestrate: the unified JSON', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { GATEWAY_MAX_ATTEMPTS: '1' } });
  });
  afterAll(() => t.close());

  it('runs both stages and answers the shape conversational clients parse', async () => {
    const res = await postJson(t, '/v1/orchestrate', {
      text: 'I need to change my flight to next Tuesday and update my seat to 14A',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'success',
      extraction: { action: 'modify_flight', date: 'next Tuesday', seat: '14A' },
      specialization: { isValid: true },
      metadata: { pipelineStage: 'complete' },
    });
    const metadata = body.metadata as { requestId: string; timestamp: string };
    expect(Date.parse(metadata.timestamp)).not.toBeNaN();
    expect((await t.app.runtime.store.get(metadata.requestId))?.stage).toBe('COMPLETE');
  });

  it('a retry with the same idempotencyKey after a retryable failure tries the stage again, in the same run', async () => {
    t.sim.fault({ kind: 'status', status: 503, model: 'sim-extractor' });
    const body = { text: 'cancel booking XK4P9Q', idempotencyKey: 'rest-retry-after-503' };
    const first = await postJson(t, '/v1/orchestrate', body);
    expect(first.status).toBe(503);
    const firstId = ((await first.json()) as { metadata: { requestId: string } }).metadata.requestId;

    const again = await postJson(t, '/v1/orchestrate', body);
    expect(again.status, 'the 503 was retryable: the retry is worth a call').toBe(200);
    const answer = (await again.json()) as { status: string; metadata: { requestId: string } };
    expect(answer.status).toBe('success');
    expect(answer.metadata.requestId, 'the same run, finished').toBe(firstId);
  });

  it('a retry with the same idempotencyKey after a failure that is not retryable answers it again, with no call', async () => {
    t.sim.fault({ kind: 'status', status: 403, model: 'sim-extractor' });
    const body = { text: 'cancel booking XK4P9Q', idempotencyKey: 'rest-retry-after-403' };
    expect((await postJson(t, '/v1/orchestrate', body)).status).toBe(502);
    const calls = t.sim.stats.modelCalls;

    const again = await postJson(t, '/v1/orchestrate', body);
    expect(again.status).toBe(502);
    expect(t.sim.stats.modelCalls).toBe(calls);
  });

  it.each([
    [{ text: '' }, 422, 'BAD_USER_INPUT'],
    [{ kind: 'status', status: 429 }, 429, 'GATEWAY_RATE_LIMITED'],
    [{ kind: 'status', status: 503 }, 503, 'GATEWAY_UNAVAILABLE'],
    [{ kind: 'status', status: 403 }, 502, 'GATEWAY_FORBIDDEN'],
  ] as const)('failure %j: HTTP %i with code %s', async (setup, status, code) => {
    let text = 'cancel booking XK4P9Q';
    if ('kind' in setup) t.sim.fault({ kind: 'status', status: setup.status, model: 'sim-extractor' });
    else text = setup.text;
    const res = await postJson(t, '/v1/orchestrate', { text });
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', code, metadata: { pipelineStage: 'failed' } });
    expect(typeof body.message).toBe('string');
  });

  it("a 429 repeats the gateway's Retry-After (in whole seconds), and claims none the gateway did not give", async () => {
    t.sim.fault({ kind: 'status', status: 429, retryAfterMs: 1500, model: 'sim-extractor' });
    const hinted = await postJson(t, '/v1/orchestrate', { text: 'cancel booking XK4P9Q' });
    expect(hinted.status).toBe(429);
    expect(hinted.headers.get('retry-after')).toBe('2');
    expect(await hinted.json()).toMatchObject({ status: 'error', code: 'GATEWAY_RATE_LIMITED' });

    t.sim.fault({ kind: 'status', status: 429, model: 'sim-extractor' });
    const bare = await postJson(t, '/v1/orchestrate', { text: 'cancel booking XK4P9Q' });
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
  });

  it('a body that is not declared JSON is 415 (a browser form cannot start paid runs)', async () => {
    const res = await t.fetch('/v1/orchestrate', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ text: 'cancel booking XK4P9Q' }),
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ status: 'error', code: 'BAD_USER_INPUT' });
  });

  it('a body over the size limit is 413 in the unified shape', async () => {
    const res = await postJson(t, '/v1/orchestrate', { text: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 'error', code: 'BAD_USER_INPUT' });
  });

  it('a broken JSON body is 422 BAD_USER_INPUT', async () => {
    const res = await t.fetch('/v1/orchestrate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ status: 'error', code: 'BAD_USER_INPUT' });
  });
});

describe('health and readiness', () => {
  it('/health is 200 while the process lives; /ready is 200 when ready and 503 while draining', async () => {
    const t = await createTestApp();
    expect((await t.fetch('/health')).status).toBe(200);
    const ready = await t.fetch('/ready');
    expect(ready.status).toBe(200);
    const draining = t.app.shutdown(1000);
    const during = await t.fetch('/ready');
    expect(during.status).toBe(503);
    await draining;
    await t.sim.close();
  });
});
