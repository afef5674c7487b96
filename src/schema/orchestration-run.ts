import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import type { RunRecord } from '../pipeline/run.js';
import { addUsage, type StageName, ZERO_USAGE } from '../pipeline/types.js';
import { builder } from './builder.js';
import { isDeferred } from './deferred.js';
import { ExtractionRef } from './extraction.js';
import { PipelineErrorRef } from './pipeline-error.js';
import { PipelineStageEnum } from './pipeline-stage.js';
import { SpecializationRef } from './specialization.js';
import { StageEventRef } from './stage-event.js';
import { TokenUsageRef } from './token-usage.js';

/**
 * A run as a resolver sees it. `mode` says where it came from: queries only
 * read (`read`); the results of `orchestrate` and `resumeRun` run the stages
 * their selection asks for, and `resume` also retries a retryable failure.
 */
export interface RunView {
  record: RunRecord;
  mode: 'read' | 'orchestrate' | 'resume';
}

export const OrchestrationRunRef = builder.objectRef<RunView>('OrchestrationRun');

OrchestrationRunRef.implement({
  description: 'One customer utterance taken through extraction and specialization',
  fields: (t) => ({
    id: t.id({ resolve: (v) => v.record.id }),
    text: t.string({ resolve: (v) => v.record.text }),
    stage: t.field({
      type: PipelineStageEnum,
      description: 'the latest stage reached',
      resolve: async (v, _, ctx, info) => (await current(v, ctx, info)).stage,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (v) => v.record.createdAt }),
    extraction: t.field({
      type: ExtractionRef,
      nullable: true,
      description: 'in orchestrate/resumeRun results, selecting this runs the extraction if it has not run',
      resolve: (v, _, ctx, info) => stageResult(v, 'extraction', ctx, info),
    }),
    specialization: t.field({
      type: SpecializationRef,
      nullable: true,
      description:
        'in orchestrate/resumeRun results, selecting this runs the extraction then the specialization as needed',
      resolve: (v, _, ctx, info) => stageResult(v, 'specialization', ctx, info),
    }),
    error: t.field({
      type: PipelineErrorRef,
      nullable: true,
      resolve: async (v, _, ctx, info) => (await current(v, ctx, info)).error,
    }),
    events: t.field({
      type: [StageEventRef],
      resolve: async (v, _, ctx, info) => {
        if (v.mode === 'read') return ctx.loaders.events.load(v.record.id);
        await ctx.work.settled(v.record.id, isDeferred(info));
        return ctx.orchestrator.store.events(v.record.id);
      },
    }),
    usage: t.field({
      type: TokenUsageRef,
      description: 'both stages together, with what a failed stage still paid for',
      resolve: async (v, _, ctx, info) => {
        const run = await current(v, ctx, info);
        let sum = ZERO_USAGE;
        if (run.extraction) sum = addUsage(sum, run.extraction.usage);
        if (run.specialization) sum = addUsage(sum, run.specialization.usage);
        if (run.error?.usage) sum = addUsage(sum, run.error.usage);
        return sum;
      },
    }),
  }),
});

async function stageResult<S extends StageName>(view: RunView, stage: S, ctx: Context, info: GraphQLResolveInfo) {
  if (view.mode === 'read') return view.record[stage];
  const retry = view.mode === 'resume' ? 'retry' : 'keep';
  const done = ctx.loaders.stage.load(`${view.record.id}:${stage}:${retry}`);
  ctx.work.track(view.record.id, done, isDeferred(info));
  return done as Promise<NonNullable<RunRecord[S]>>;
}

/** In a mutation result: the run after the stage work its selection started. */
async function current(view: RunView, ctx: Context, info: GraphQLResolveInfo): Promise<RunRecord> {
  if (view.mode === 'read') return view.record;
  await ctx.work.settled(view.record.id, isDeferred(info));
  return (await ctx.orchestrator.getRun(view.record.id)) ?? view.record;
}
