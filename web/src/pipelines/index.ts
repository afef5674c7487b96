import type { ConsoleOperations } from '../api/shapes.js';
import {
  DeskRunOnPipelineDocument,
  PipelinesDocument,
  RunDetailWithPipelineDocument,
  RunsPageWithPipelinesDocument,
} from './documents.js';

/**
 * The console's operations on the pipeline fields: the pipeline column,
 * filter and picker and the decided-by column show wherever
 * `operations.pipelines` is set.
 */
export const pipelineOperations: ConsoleOperations = {
  runsPage: RunsPageWithPipelinesDocument,
  runDetail: RunDetailWithPipelineDocument,
  tryRun: DeskRunOnPipelineDocument,
  pipelines: PipelinesDocument,
};
