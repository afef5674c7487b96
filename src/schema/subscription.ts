import { parseRunId } from '../pipeline/input.js';
import { allEvents, pipelineProgress } from '../pipeline/progress.js';
import { builder } from './builder.js';
import { StageEventRef } from './stage-event.js';

builder.subscriptionType({
  fields: (t) => ({
    pipelineProgress: t.field({
      type: StageEventRef,
      description: "A run's past events first, then live ones; ends after COMPLETE or FAILED",
      args: { runId: t.arg.id({ required: true }) },
      subscribe: (_, { runId }, ctx) => pipelineProgress(ctx.progress, parseRunId(String(runId))),
      resolve: (event) => event,
    }),
    pipelineEvents: t.field({
      type: StageEventRef,
      description: "Every run's events, live",
      subscribe: (_, __, ctx) => allEvents(ctx.progress),
      resolve: (event) => event,
    }),
  }),
});
