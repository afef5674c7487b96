import { RunDetailDocument, RunsPageDocument } from './api/documents.js';
import type { ConsoleOperations } from './api/shapes.js';
import { DeskRunDocument } from './desk/desk-run.js';

/**
 * The operations the console sends: these use today's schema. Once the
 * server has the pipeline fields (`OrchestrateInput.pipeline`,
 * `OrchestrationRun.pipeline`, `Query.pipelines`, `runs(pipeline:)`,
 * `Specialization.decidedBy` and `rule`), replace this object with
 * `pipelineOperations` of ./pipelines/index.ts (which says the two other
 * lines to drop); the pipeline column, filter and picker and the
 * decided-by column appear with them.
 */
export const operations: ConsoleOperations = {
  runsPage: RunsPageDocument,
  runDetail: RunDetailDocument,
  tryRun: DeskRunDocument,
};
