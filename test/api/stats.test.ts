import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/pipeline/run.js';
import { percentile, summarize } from '../../src/pipeline/stats.js';
import { graphql } from '../gql/index.js';
import { createTestApp } from '../helpers/test-app.js';

const Stats = graphql(`
  query StatsForDashboard($sinceMinutes: Int) {
    stats(sinceMinutes: $sinceMinutes) {
      runs
      truncated
      byStage { stage runs }
      failuresByCode { code runs }
      stageLatency { stage count p50Ms p95Ms }
      tokensByModel { model calls promptTokens completionTokens totalTokens }
      timeline { start runs failed }
      bucketMinutes
      circuits { model state }
    }
  }
`);

const RunBoth = graphql(`
  mutation RunBothForStats($text: String!) {
    orchestrate(input: { text: $text }) { id stage specialization { isValid } }
  }
`);

const Viewer = graphql(`
  query WhoAmI {
    viewer { name role }
  }
`);

const TEXT = 'I need to change my flight to next Tuesday and update my seat to 14A';
const usage = (p: number, c: number) => ({ promptTokens: p, completionTokens: c, totalTokens: p + c });

function run(over: Partial<RunRecord>): RunRecord {
  return {
    id: crypto.randomUUID(),
    text: 'x',
    pipeline: { name: 'travel', version: 'test' },
    apiKey: null,
    primaryModelId: 'ex',
    secondaryModelId: 'sp',
    idempotencyKey: null,
    inputHash: 'h',
    stage: 'COMPLETE',
    createdAt: '2026-01-01T10:30:00.000Z',
    updatedAt: '2026-01-01T10:30:01.000Z',
    extraction: null,
    specialization: null,
    error: null,
    running: null,
    ...over,
  };
}

const stageResult = (model: string, latencyMs: number, u = usage(10, 5)) => ({
  model,
  latencyMs,
  usage: u,
  attempts: 1,
  raw: '',
  correlationId: null,
});

describe('the figures of a set of runs (summarize)', () => {
  it('percentiles are nearest-rank: p50 of 1..10 is 5, p95 is 10; none is 0', () => {
    const tenValues = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(tenValues, 50)).toBe(5);
    expect(percentile(tenValues, 95)).toBe(10);
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([], 50)).toBe(0);
  });

  it('counts stages and failure codes, latency of stages with a result, and tokens a failed stage paid to its model', () => {
    const runs = [
      run({
        extraction: { ...stageResult('ex', 100), entities: {} },
        specialization: {
          ...stageResult('sp', 300),
          isValid: true,
          reason: '',
          nextSteps: [],
          decidedBy: 'MODEL',
          rule: null,
        },
      }),
      run({
        stage: 'FAILED',
        extraction: { ...stageResult('ex', 200), entities: {} },
        error: { code: 'GATEWAY_TIMEOUT', message: '', stage: 'SPECIALIZING', retryable: true, usage: usage(7, 0) },
      }),
      run({
        stage: 'FAILED',
        createdAt: '2026-01-01T10:59:00.000Z',
        error: { code: 'MODEL_OUTPUT_INVALID', message: '', stage: 'EXTRACTING', retryable: false, usage: usage(3, 4) },
      }),
    ];
    const s = summarize(runs, {
      since: new Date('2026-01-01T10:00:00.000Z'),
      until: new Date('2026-01-01T11:00:00.000Z'),
      truncated: false,
    });
    expect(s.runs).toBe(3);
    expect(s.byStage.find((b) => b.stage === 'COMPLETE')?.runs).toBe(1);
    expect(s.byStage.find((b) => b.stage === 'FAILED')?.runs).toBe(2);
    expect(s.failuresByCode).toEqual([
      { code: 'GATEWAY_TIMEOUT', runs: 1 },
      { code: 'MODEL_OUTPUT_INVALID', runs: 1 },
    ]);
    expect(s.stageLatency).toEqual([
      { stage: 'EXTRACTING', count: 2, p50Ms: 100, p95Ms: 200 },
      { stage: 'SPECIALIZING', count: 1, p50Ms: 300, p95Ms: 300 },
    ]);
    // ex: two extractions (15 each) and the invalid output's 7; sp: one verdict (15) and the timed-out stage's 7
    expect(s.tokensByModel).toEqual([
      { model: 'ex', calls: 3, promptTokens: 23, completionTokens: 14, totalTokens: 37 },
      { model: 'sp', calls: 2, promptTokens: 17, completionTokens: 5, totalTokens: 22 },
    ]);
    expect(s.bucketMinutes).toBe(1);
    expect(s.timeline).toHaveLength(60);
    expect(s.timeline[30]).toEqual({ start: '2026-01-01T10:30:00.000Z', runs: 2, failed: 1 });
    expect(s.timeline[59]).toEqual({ start: '2026-01-01T10:59:00.000Z', runs: 1, failed: 1 });
  });
});

describe('Query.stats, from the stored runs of the window', () => {
  it('counts what happened in the window only, with the circuit of each model called', async () => {
    let clock = new Date('2026-03-01T08:00:00.000Z');
    // one call that ends unavailable opens a model's circuit
    // (the breaker reads the same clock: a cool-down of an hour keeps it open across the 30 minutes moved below)
    const t = await createTestApp({
      env: { BREAKER_FAILURE_THRESHOLD: '1', BREAKER_COOLDOWN_MS: '3600000' },
      deps: { now: () => clock },
    });
    try {
      // two hours before the window: not counted
      await t.gql(RunBoth, { text: `${TEXT} (old)` });
      clock = new Date('2026-03-01T10:00:00.000Z');
      await t.gql(RunBoth, { text: TEXT });
      t.sim.fault({ kind: 'status', status: 503, model: 'sim-specialist', times: 3 });
      const failed = await t.gql(RunBoth, { text: `${TEXT} (fails)` });
      expect(failed.data?.orchestrate.stage).toBe('FAILED');
      clock = new Date('2026-03-01T10:30:00.000Z');

      const res = await t.gql(Stats, { sinceMinutes: 60 });
      expect(res.errors).toBeUndefined();
      const s = res.data?.stats;
      expect(s?.runs).toBe(2);
      expect(s?.truncated).toBe(false);
      expect(s?.byStage.filter((b) => b.runs > 0)).toEqual([
        { stage: 'COMPLETE', runs: 1 },
        { stage: 'FAILED', runs: 1 },
      ]);
      expect(s?.failuresByCode).toEqual([{ code: 'GATEWAY_UNAVAILABLE', runs: 1 }]);
      expect(s?.stageLatency.map((l) => [l.stage, l.count])).toEqual([
        ['EXTRACTING', 2],
        ['SPECIALIZING', 1],
      ]);
      expect(s?.tokensByModel.map((m) => [m.model, m.calls])).toEqual(
        expect.arrayContaining([
          ['sim-extractor', 2],
          ['sim-specialist', 1],
        ]),
      );
      expect(s?.timeline.reduce((n, b) => n + b.runs, 0)).toBe(2);
      // a model has a circuit once a call to it failed: the domain model's is open
      expect(s?.circuits).toEqual([{ model: 'sim-specialist', state: 'OPEN' }]);
    } finally {
      await t.close();
    }
  });

  it('a window outside 1 to 1440 minutes is BAD_USER_INPUT', async () => {
    const t = await createTestApp();
    try {
      for (const sinceMinutes of [0, 1441]) {
        const res = await t.gql(Stats, { sinceMinutes });
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    } finally {
      await t.close();
    }
  });
});

describe('Query.viewer: the key the request was made with', () => {
  it('on an open server: anonymous, who may orchestrate', async () => {
    const t = await createTestApp();
    try {
      expect((await t.gql(Viewer)).data?.viewer).toEqual({ name: 'anonymous', role: 'ORCHESTRATE' });
    } finally {
      await t.close();
    }
  });

  it("with keys: the key's name and role; without one, 401", async () => {
    const t = await createTestApp({ env: { API_KEYS: 'desk:orchestrate:k-desk-123456,wall:read:k-wall-123456' } });
    try {
      const wall = await t.gql(Viewer, undefined, { authorization: 'Bearer k-wall-123456' });
      expect(wall.data?.viewer).toEqual({ name: 'wall', role: 'READ' });
      const desk = await t.gql(Viewer, undefined, { 'x-api-key': 'k-desk-123456' });
      expect(desk.data?.viewer).toEqual({ name: 'desk', role: 'ORCHESTRATE' });
      expect((await t.gql(Viewer)).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
