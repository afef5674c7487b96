import { PIPELINE_STAGES } from '../pipeline/types.js';
import { builder } from './builder.js';

export const PipelineStageEnum = builder.enumType('PipelineStage', {
  description: 'Where a run stands: RECEIVED, then each stage running and done, then COMPLETE or FAILED',
  values: PIPELINE_STAGES,
});
