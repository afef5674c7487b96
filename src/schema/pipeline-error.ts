import type { PipelineError } from '../pipeline/types.js';
import { builder } from './builder.js';
import { PipelineStageEnum } from './pipeline-stage.js';

export const PipelineErrorRef = builder.objectRef<PipelineError>('PipelineError').implement({
  description: 'Why a run failed, with a code a client can switch on',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    stage: t.expose('stage', { type: PipelineStageEnum, description: 'EXTRACTING or SPECIALIZING' }),
    retryable: t.exposeBoolean('retryable', { description: 'true when resumeRun may succeed' }),
  }),
});
