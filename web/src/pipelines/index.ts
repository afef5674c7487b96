import type { ConsoleOperations } from '../api/shapes.js';
import {
  DeskRunOnPipelineDocument,
  PipelinesDocument,
  RunDetailWithPipelineDocument,
  RunsPageWithPipelinesDocument,
} from './documents.js';

/**
 * The operations once the server has the pipeline fields. To switch the
 * console to them:
 * 1. codegen.ts: drop `'!web/src/pipelines/**'` from the web/src/gql/ documents;
 * 2. web/tsconfig.json: drop `"exclude": ["src/pipelines"]`;
 * 3. web/src/features.ts: `export { pipelineOperations as operations } from './pipelines/index.js';`
 *    in place of its object (and its imports)
 * then `npm run codegen`. The pipeline column, filter and picker and the
 * decided-by column appear (they show wherever `operations.pipelines` is set).
 */
export const pipelineOperations: ConsoleOperations = {
  runsPage: RunsPageWithPipelinesDocument,
  runDetail: RunDetailWithPipelineDocument,
  tryRun: DeskRunOnPipelineDocument,
  pipelines: PipelinesDocument,
};
