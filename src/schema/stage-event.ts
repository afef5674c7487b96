import type { StageEvent } from '../pipeline/run.js';
import { builder } from './builder.js';
import { PipelineErrorRef } from './pipeline-error.js';
import { PipelineStageEnum } from './pipeline-stage.js';

export const StageEventRef = builder.objectRef<StageEvent>('StageEvent').implement({
  description: 'One step of a run, in order',
  fields: (t) => ({
    runId: t.exposeID('runId'),
    seq: t.exposeInt('seq', { description: "1, 2, 3 ... within the run: skip what you've seen by it" }),
    stage: t.expose('stage', { type: PipelineStageEnum }),
    at: t.expose('at', { type: 'DateTime' }),
    attempt: t.exposeInt('attempt', { nullable: true, description: 'for EXTRACTING and SPECIALIZING: 1, 2, ...' }),
    message: t.exposeString('message', { nullable: true, description: 'for a retry: why, and how long it waits' }),
    error: t.expose('error', { type: PipelineErrorRef, nullable: true }),
  }),
});
