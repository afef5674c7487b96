import { type GraphQLField, type GraphQLObjectType, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
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
    let whenFirstPartArrived: { stage?: string; specialization?: unknown } | undefined;
    for await (const part of multipartParts(res)) {
      if (parts.length === 0) {
        const id = (part.data as { orchestrate: { id: string } }).orchestrate.id;
        const run = await t.app.runtime.store.get(id);
        whenFirstPartArrived = { stage: run?.stage, specialization: run?.specialization };
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
    // sent before the specialization exists (its first attempt's event may be in the store's next group commit)
    expect(whenFirstPartArrived?.specialization).toBeNull();
    expect(['EXTRACTED', 'SPECIALIZING']).toContain(whenFirstPartArrived?.stage);

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

const StageBeforeItsWork = graphql(`
  mutation StageBeforeItsWork($text: String!) {
    orchestrate(input: { text: $text }) {
      stage
      usage { totalTokens }
      extraction { entities }
      ... @defer {
        late: stage
        specialization { isValid }
      }
    }
  }
`);

describe('fields beside a stage describe the run after the work the selection decided', () => {
  let t: TestApp;
  const restore: Array<() => void> = [];
  beforeAll(async () => {
    t = await createTestApp();
    // an executor (or a plugin) that starts the stage fields a moment after their siblings
    const run = schema.getType('OrchestrationRun') as GraphQLObjectType;
    for (const name of ['extraction', 'specialization']) {
      const field = run.getFields()[name] as GraphQLField<unknown, unknown>;
      const original = field.resolve as NonNullable<typeof field.resolve>;
      field.resolve = async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return original(...args);
      };
      restore.push(() => {
        field.resolve = original;
      });
    }
  });
  afterAll(async () => {
    for (const undo of restore) undo();
    await t.close();
  });

  it('whatever the order and timing in which the executor starts sibling fields', async () => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: print(StageBeforeItsWork),
        variables: { text: 'I need to change my flight to next Tuesday and update my seat to 14A' },
      }),
    });
    const parts: Array<Record<string, unknown>> = [];
    for await (const part of multipartParts(res)) parts.push(part);

    const first = (parts[0] as { data: { orchestrate: { stage: string; usage: { totalTokens: number } } } }).data;
    expect(first.orchestrate.stage, 'the extraction was selected outside @defer: it ran first').toBe('EXTRACTED');
    expect(first.orchestrate.usage.totalTokens).toBeGreaterThan(0);
    const rest = parts.slice(1) as Array<{ incremental?: Array<{ data: Record<string, unknown> }> }>;
    const late = rest.flatMap((p) => p.incremental ?? []).find((i) => 'late' in i.data);
    expect(late?.data.late, 'a deferred sibling waits for the deferred stage').toBe('COMPLETE');
  });
});
