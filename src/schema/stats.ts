import { AppError } from '../errors.js';
import type { CircuitState } from '../gateway/circuit-breaker.js';
import { collectStats, type RunStats } from '../pipeline/stats.js';
import { builder } from './builder.js';
import { PipelineStageEnum } from './pipeline-stage.js';

/** The longest window, and the most runs read for one answer: a dashboard's question, not an export. */
const MAX_MINUTES = 24 * 60;
const MAX_RUNS = 5000;

type StatsView = RunStats & { circuits: Array<{ model: string; state: CircuitState }> };

const CircuitStateEnum = builder.enumType('CircuitState', {
  description: 'CLOSED: calls go out; OPEN: calls fail fast; HALF_OPEN: one probe call decides',
  values: { CLOSED: { value: 'closed' }, OPEN: { value: 'open' }, HALF_OPEN: { value: 'half-open' } } as const,
});

const ModelCircuitRef = builder.objectRef<StatsView['circuits'][number]>('ModelCircuit').implement({
  description: "A model's circuit in the process that answered (each instance keeps its own)",
  fields: (t) => ({
    model: t.exposeString('model'),
    state: t.expose('state', { type: CircuitStateEnum }),
  }),
});

const StageCountRef = builder.objectRef<RunStats['byStage'][number]>('StageCount').implement({
  fields: (t) => ({
    stage: t.expose('stage', { type: PipelineStageEnum }),
    runs: t.exposeInt('runs'),
  }),
});

const CodeCountRef = builder.objectRef<RunStats['failuresByCode'][number]>('FailureCount').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    runs: t.exposeInt('runs'),
  }),
});

const StageLatencyRef = builder.objectRef<RunStats['stageLatency'][number]>('StageLatency').implement({
  description: 'Latency of the stages that produced a result (retries included), nearest-rank percentiles',
  fields: (t) => ({
    stage: t.expose('stage', { type: PipelineStageEnum, description: 'EXTRACTING or SPECIALIZING' }),
    count: t.exposeInt('count'),
    p50Ms: t.exposeInt('p50Ms'),
    p95Ms: t.exposeInt('p95Ms'),
  }),
});

const ModelTokensRef = builder.objectRef<RunStats['tokensByModel'][number]>('ModelTokens').implement({
  description: "Tokens paid to one model, failed stages' included",
  fields: (t) => ({
    model: t.exposeString('model'),
    calls: t.exposeInt('calls', { description: 'stages that called it (a stage may make several attempts)' }),
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.exposeInt('totalTokens'),
  }),
});

const RunBucketRef = builder.objectRef<RunStats['timeline'][number]>('RunBucket').implement({
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    runs: t.exposeInt('runs', { description: 'runs created in the bucket' }),
    failed: t.exposeInt('failed', { description: 'of them, those that stand FAILED' }),
  }),
});

const RunStatsRef = builder.objectRef<StatsView>('RunStats').implement({
  description: 'The recent past, from the stored runs of a window (circuits: this process)',
  fields: (t) => ({
    since: t.expose('since', { type: 'DateTime' }),
    until: t.expose('until', { type: 'DateTime' }),
    runs: t.exposeInt('runs', { description: 'runs created in the window (at most 5000 are read)' }),
    truncated: t.exposeBoolean('truncated', {
      description: 'true when the window held more runs than were read: the figures cover the newest',
    }),
    byStage: t.expose('byStage', { type: [StageCountRef], description: 'runs by the stage they stand at' }),
    failuresByCode: t.expose('failuresByCode', { type: [CodeCountRef], description: 'FAILED runs by error code' }),
    stageLatency: t.expose('stageLatency', { type: [StageLatencyRef] }),
    tokensByModel: t.expose('tokensByModel', { type: [ModelTokensRef] }),
    timeline: t.expose('timeline', { type: [RunBucketRef], description: 'runs per bucket, oldest first' }),
    bucketMinutes: t.exposeInt('bucketMinutes'),
    circuits: t.expose('circuits', { type: [ModelCircuitRef] }),
  }),
});

builder.queryField('stats', (t) =>
  t.field({
    type: RunStatsRef,
    description: 'Runs, failures, latency and tokens of the last minutes, and each model circuit: for dashboards',
    args: { sinceMinutes: t.arg.int({ defaultValue: 60, description: `1 to ${MAX_MINUTES}` }) },
    resolve: async (_, { sinceMinutes }, ctx) => {
      const minutes = sinceMinutes ?? 60;
      if (minutes < 1 || minutes > MAX_MINUTES)
        throw new AppError('BAD_USER_INPUT', `sinceMinutes must be between 1 and ${MAX_MINUTES}`);
      const stats = await collectStats(ctx.runs, {
        sinceMinutes: minutes,
        now: ctx.orchestrator.now(),
        cap: MAX_RUNS,
      });
      return { ...stats, circuits: ctx.circuits() };
    },
  }),
);
