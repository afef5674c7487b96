import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { multipartParts } from '../helpers/multipart.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const DeferSpecialization = graphql(`
  mutation DeferSpecialization($text: String!) {
    orchestrate(input: { text: $text }) {
      id
      extraction { entities }
      ... @defer {
        specialization { isValid reason nextSteps }
        stage
      }
    }
  }
`);

describe('@defer on specialization: the extraction first, the specialization when it is ready', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers multipart/mixed with the extraction in the first part, before the specialization exists', async () => {
    t.sim.fault({ kind: 'slow', ms: 400, model: 'sim-specialist' });
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: print(DeferSpecialization),
        variables: { text: 'I need to change my flight to next Tuesday and update my seat to 14A' },
      }),
    });
    expect(res.headers.get('content-type')).toContain('multipart/mixed');
    const parts: Array<Record<string, unknown>> = [];
    let stageWhenFirstPartArrived: string | undefined;
    for await (const part of multipartParts(res)) {
      if (parts.length === 0) {
        const id = (part.data as { orchestrate: { id: string } }).orchestrate.id;
        stageWhenFirstPartArrived = (await t.app.runtime.store.get(id))?.stage;
      }
      parts.push(part);
    }
    expect(parts).toHaveLength(2);
    const first = parts[0] as { data: { orchestrate: Record<string, unknown> }; hasNext: boolean };
    expect(first.hasNext).toBe(true);
    expect(first.data.orchestrate.extraction).toEqual({
      entities: { action: 'modify_flight', date: 'next Tuesday', seat: '14A' },
    });
    expect(first.data.orchestrate).not.toHaveProperty('specialization');
    expect(stageWhenFirstPartArrived).toBe('SPECIALIZING');

    const second = parts[1] as {
      incremental: Array<{ data: { specialization: { isValid: boolean }; stage: string }; path: string[] }>;
      hasNext: boolean;
    };
    expect(second.hasNext).toBe(false);
    expect(second.incremental[0]?.path).toEqual(['orchestrate']);
    expect(second.incremental[0]?.data.specialization.isValid).toBe(true);
    expect(second.incremental[0]?.data.stage).toBe('COMPLETE');
    expect(t.sim.stats.modelCalls).toBe(2);
  });
});
