import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';

const OrchestrateFull = graphql(`
  mutation OrchestrateFull($text: String!) {
    orchestrate(input: { text: $text }) {
      id
      stage
      error { code message stage retryable }
      extraction { entities }
      specialization { isValid }
    }
  }
`);

const ResumeFull = graphql(`
  mutation ResumeFull($id: ID!) {
    resumeRun(id: $id) {
      id
      stage
      error { code }
      extraction { entities attempts }
      specialization { isValid attempts }
      events { stage attempt message error { code } }
    }
  }
`);

const ReadFailed = graphql(`
  query ReadFailed($id: ID!) {
    run(id: $id) { stage error { code stage retryable } extraction { entities } specialization { isValid } }
  }
`);

describe('a failed stage: its field null with a coded error, the other stage intact', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { GATEWAY_MAX_ATTEMPTS: '2' } });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.sim.resetStats();
    t.sim.clearFaults();
  });

  it('specialization failing leaves extraction intact, the run FAILED and the error coded', async () => {
    t.sim.fault({ kind: 'status', status: 503, model: 'sim-specialist', times: 2 });
    const res = await t.gql(OrchestrateFull, { text: SEED });
    const run = res.data?.orchestrate;
    expect(run?.extraction?.entities).toMatchObject({ action: 'modify_flight' });
    expect(run?.specialization).toBeNull();
    expect(run?.stage).toBe('FAILED');
    expect(run?.error).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', stage: 'SPECIALIZING', retryable: true });
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.path).toEqual(['orchestrate', 'specialization']);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'GATEWAY_UNAVAILABLE', stage: 'SPECIALIZING' });
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 2 });
  });

  it('resumeRun retries a retryable failure, and only the failed stage', async () => {
    t.sim.fault({ kind: 'status', status: 429, model: 'sim-specialist', times: 2 });
    const first = await t.gql(OrchestrateFull, { text: SEED });
    const id = first.data?.orchestrate.id as string;
    expect(first.data?.orchestrate.error?.code).toBe('GATEWAY_RATE_LIMITED');
    t.sim.resetStats();

    const res = await t.gql(ResumeFull, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data?.resumeRun?.stage).toBe('COMPLETE');
    expect(res.data?.resumeRun?.error).toBeNull();
    expect(res.data?.resumeRun?.specialization?.isValid).toBe(true);
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-specialist': 1 });
    const stages = res.data?.resumeRun?.events.map((e) => e.stage);
    expect(stages?.slice(-3)).toEqual(['FAILED', 'SPECIALIZING', 'COMPLETE']);
  });

  it('a query shows the stored failure without calling a model', async () => {
    t.sim.fault({ kind: 'status', status: 404, model: 'sim-extractor' });
    const first = await t.gql(OrchestrateFull, { text: SEED });
    const id = first.data?.orchestrate.id as string;
    expect(first.errors?.map((e) => e.extensions?.code)).toEqual(['MODEL_NOT_FOUND', 'MODEL_NOT_FOUND']);
    t.sim.resetStats();
    const read = await t.gql(ReadFailed, { id });
    expect(read.errors).toBeUndefined();
    expect(read.data?.run).toMatchObject({
      stage: 'FAILED',
      error: { code: 'MODEL_NOT_FOUND', stage: 'EXTRACTING', retryable: false },
      extraction: null,
      specialization: null,
    });
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('resumeRun does not retry a failure that is not retryable', async () => {
    t.sim.fault({ kind: 'status', status: 403, model: 'sim-extractor' });
    const first = await t.gql(OrchestrateFull, { text: SEED });
    const id = first.data?.orchestrate.id as string;
    expect(first.errors?.[0]?.extensions?.code).toBe('GATEWAY_FORBIDDEN');
    expect(first.errors?.[0]?.message).toContain('llm:gateway:invoke');
    t.sim.resetStats();
    const res = await t.gql(ResumeFull, { id });
    expect(res.data?.resumeRun?.stage).toBe('FAILED');
    expect(res.errors?.[0]?.extensions?.code).toBe('GATEWAY_FORBIDDEN');
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('malformed output is repaired once, then MODEL_OUTPUT_INVALID keeps the raw text on the run', async () => {
    t.sim.fault({ kind: 'malformed', model: 'sim-extractor', times: 2 });
    const first = await t.gql(OrchestrateFull, { text: SEED });
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_OUTPUT_INVALID', stage: 'EXTRACTING' });
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 2 });
    const stored = await t.app.runtime.store.get(first.data?.orchestrate.id as string);
    expect(stored?.error?.raw).toBeTruthy();
  });

  it('a retry is visible as events with the attempt number and why it waits', async () => {
    t.sim.fault({ kind: 'status', status: 503, model: 'sim-extractor', retryAfterMs: 10 });
    const first = await t.gql(OrchestrateFull, { text: SEED });
    const id = first.data?.orchestrate.id as string;
    const res = await t.gql(ResumeFull, { id });
    const extracting = res.data?.resumeRun?.events.filter((e) => e.stage === 'EXTRACTING');
    expect(extracting?.map((e) => e.attempt)).toEqual([1, 2]);
    expect(extracting?.[1]?.message).toMatch(/503.*waiting 10 ms/);
    expect(res.data?.resumeRun?.extraction?.attempts).toBe(2);
  });
});
