/**
 * The operations the console sends, with the pipeline fields: the pipeline
 * column, filter and picker, and the decided-by column.
 */
export { pipelineOperations as operations } from './pipelines/index.js';
