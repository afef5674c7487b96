import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';

const OrchestrateNothing = graphql(`
  mutation OrchestrateNothing($text: String!) {
    orchestrate(input: { text: $text }) { id stage createdAt }
  }
`);

const OrchestrateExtraction = graphql(`
  mutation OrchestrateExtraction($text: String!) {
    orchestrate(input: { text: $text }) {
      id
      stage
      extraction { entities model attempts usage { promptTokens completionTokens totalTokens } }
    }
  }
`);

const OrchestrateAliases = graphql(`
  mutation OrchestrateAliases($text: String!) {
    orchestrate(input: { text: $text }) {
      id
      a: extraction { entities }
      b: extraction { model }
      c: specialization { isValid }
      d: specialization { reason }
    }
  }
`);

const OrchestrateBoth = graphql(`
  mutation OrchestrateBoth($text: String!) {
    orchestrate(input: { text: $text }) {
      id
      stage
      error { code }
      extraction { entities }
      specialization { isValid reason nextSteps model }
      usage { totalTokens }
      events { stage attempt }
    }
  }
`);

const ReadRun = graphql(`
  query ReadRun($id: ID!) {
    run(id: $id) {
      id
      stage
      extraction { entities }
      specialization { isValid }
    }
  }
`);

const ResumeSpecialization = graphql(`
  mutation ResumeSpecialization($id: ID!) {
    resumeRun(id: $id) { id stage extraction { entities } specialization { isValid nextSteps } }
  }
`);

const OrchestrateEager = graphql(`
  mutation OrchestrateEager($text: String!) {
    orchestrate(input: { text: $text, eager: true }) { id stage }
  }
`);

describe('lazy stages: a stage nobody asks for is never paid for, and none is paid twice', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => t.sim.resetStats());

  it('selecting no stage makes no model call', async () => {
    const res = await t.gql(OrchestrateNothing, { text: SEED });
    expect(res.errors).toBeUndefined();
    expect(res.data?.orchestrate.stage).toBe('RECEIVED');
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('selecting extraction only makes one call, to the primary model', async () => {
    const res = await t.gql(OrchestrateExtraction, { text: SEED });
    expect(res.errors).toBeUndefined();
    expect(res.data?.orchestrate.extraction?.entities).toEqual({
      action: 'modify_flight',
      date: 'next Tuesday',
      seat: '14A',
    });
    expect(res.data?.orchestrate.extraction?.model).toBe('sim-extractor');
    expect(res.data?.orchestrate.stage).toBe('EXTRACTED');
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 1 });
  });

  it('aliases of both stages still make one call per stage', async () => {
    const res = await t.gql(OrchestrateAliases, { text: SEED });
    expect(res.errors).toBeUndefined();
    expect(res.data?.orchestrate.a?.entities).toMatchObject({ action: 'modify_flight' });
    expect(res.data?.orchestrate.c?.isValid).toBe(true);
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
  });

  it('selecting specialization runs extraction then specialization, and the run reads COMPLETE', async () => {
    const res = await t.gql(OrchestrateBoth, { text: SEED });
    expect(res.errors).toBeUndefined();
    const run = res.data?.orchestrate;
    expect(run?.stage).toBe('COMPLETE');
    expect(run?.error).toBeNull();
    expect(run?.specialization?.isValid).toBe(true);
    expect(run?.specialization?.model).toBe('sim-specialist');
    expect(run?.usage.totalTokens).toBeGreaterThan(0);
    expect(run?.events.map((e) => e.stage)).toEqual([
      'RECEIVED',
      'EXTRACTING',
      'EXTRACTED',
      'SPECIALIZING',
      'COMPLETE',
    ]);
    expect(t.sim.stats.modelCalls).toBe(2);
  });

  it('a query never calls a model, and shows null for a stage not yet run', async () => {
    const created = await t.gql(OrchestrateNothing, { text: SEED });
    const id = created.data?.orchestrate.id as string;
    const res = await t.gql(ReadRun, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data?.run?.extraction).toBeNull();
    expect(res.data?.run?.specialization).toBeNull();
    expect(t.sim.stats.modelCalls).toBe(0);
  });

  it('run(id) is null for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await t.gql(ReadRun, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.run).toBeNull();
    const malformed = await t.gql(ReadRun, { id: 'not-a-run-id' });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resumeRun runs only the missing stage', async () => {
    const first = await t.gql(OrchestrateExtraction, { text: SEED });
    const id = first.data?.orchestrate.id as string;
    t.sim.resetStats();
    const res = await t.gql(ResumeSpecialization, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data?.resumeRun?.stage).toBe('COMPLETE');
    expect(res.data?.resumeRun?.specialization?.isValid).toBe(true);
    expect(t.sim.stats.callsByModel).toEqual({ 'sim-specialist': 1 });
  });

  it('resumeRun of an unknown run is null', async () => {
    const res = await t.gql(ResumeSpecialization, { id: '00000000-0000-4000-8000-000000000000' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.resumeRun).toBeNull();
  });

  it('50 concurrent resumeRuns of one run make one call per stage', async () => {
    t.sim.setLatency(50);
    try {
      const created = await t.gql(OrchestrateNothing, { text: SEED });
      const id = created.data?.orchestrate.id as string;
      const all = await Promise.all(Array.from({ length: 50 }, () => t.gql(ResumeSpecialization, { id })));
      for (const res of all) {
        expect(res.errors).toBeUndefined();
        expect(res.data?.resumeRun?.specialization?.isValid).toBe(true);
      }
      expect(t.sim.stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1 });
    } finally {
      t.sim.setLatency(0);
    }
  });

  it('eager: true returns at once and completes the run in the background', async () => {
    t.sim.setLatency(100);
    try {
      const res = await t.gql(OrchestrateEager, { text: SEED });
      expect(res.errors).toBeUndefined();
      const id = res.data?.orchestrate.id as string;
      expect(res.data?.orchestrate.stage).not.toBe('COMPLETE');
      await expect
        .poll(async () => (await t.gql(ReadRun, { id })).data?.run?.stage, { timeout: 15_000 })
        .toBe('COMPLETE');
      expect(t.sim.stats.modelCalls).toBe(2);
    } finally {
      t.sim.setLatency(0);
    }
  });
});
