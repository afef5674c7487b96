import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import type { RunRecord } from '../pipeline/run.js';
import { addUsage, type StageName, ZERO_USAGE } from '../pipeline/types.js';
import { builder } from './builder.js';
import { ExtractionRef } from './extraction.js';
import { PipelineRefRef } from './pipeline.js';
import { PipelineErrorRef } from './pipeline-error.js';
import { PipelineStageEnum } from './pipeline-stage.js';
import type { RunWork } from './run-work.js';
import { SpecializationRef } from './specialization.js';
import { StageEventRef } from './stage-event.js';
import { TokenUsageRef } from './token-usage.js';

/**
 * A run as a resolver sees it: as stored (queries only read), or, in the
 * result of `orchestrate` and `resumeRun`, with the stage work its selection
 * started (`resumeRun`'s also retries a retryable failure).
 */
export type RunView = { record: RunRecord; work?: undefined } | { record: RunRecord; work: RunWork };

export const OrchestrationRunRef = builder.objectRef<RunView>('OrchestrationRun');

OrchestrationRunRef.implement({
  description: 'One customer utterance taken through extraction and specialization',
  fields: (t) => ({
    id: t.id({ resolve: (v) => v.record.id }),
    text: t.string({ resolve: (v) => v.record.text }),
    pipeline: t.field({ type: PipelineRefRef, resolve: (v) => v.record.pipeline }),
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
      resolve: (v) => stageResult(v, 'extraction'),
    }),
    specialization: t.field({
      type: SpecializationRef,
      nullable: true,
      description:
        'in orchestrate/resumeRun results, selecting this runs the extraction then the specialization as needed',
      resolve: (v) => stageResult(v, 'specialization'),
    }),
    error: t.field({
      type: PipelineErrorRef,
      nullable: true,
      resolve: async (v, _, ctx, info) => (await current(v, ctx, info)).error,
    }),
    events: t.field({
      type: [StageEventRef],
      resolve: async (v, _, ctx, info) => {
        if (!v.work) return ctx.loaders.events.load(v.record.id);
        await v.work.settled(v.work.plan.isDeferred(info));
        return ctx.runs.events(v.record.id);
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

function stageResult<S extends StageName>(view: RunView, stage: S) {
  if (!view.work) return view.record[stage];
  return view.work.result(stage) as Promise<NonNullable<RunRecord[S]>>;
}

/** In a mutation result: the run after the stage work its selection started. */
async function current(view: RunView, ctx: Context, info: GraphQLResolveInfo): Promise<RunRecord> {
  if (!view.work) return view.record;
  await view.work.settled(view.work.plan.isDeferred(info));
  return (await ctx.runs.get(view.record.id)) ?? view.record;
}
