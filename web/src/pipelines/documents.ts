import { graphql } from '../gql/index.js';

/**
 * The console's operations on the pipeline fields (docs/pipelines.md):
 * today's operations plus `pipeline { name version }` on runs, the
 * `decidedBy` / `rule` of a verdict, the `pipeline` filter of `runs` and
 * input of `orchestrate`, and `Query.pipelines` for the pickers.
 */

export const PipelinesDocument = graphql(`
  query ConsolePipelines {
    pipelines {
      name
      version
      description
      ruleIds
      extractionModel
      specializationModel
    }
  }
`);

export const RunsPageWithPipelinesDocument = graphql(`
  query ConsoleRunsWithPipelines($first: Int!, $after: String, $stage: PipelineStage, $pipeline: String) {
    runs(first: $first, after: $after, stage: $stage, pipeline: $pipeline) {
      edges {
        cursor
        node {
          ...ConsoleRunRow
          pipeline {
            name
            version
          }
          specialization {
            decidedBy
            rule
          }
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

export const RunDetailWithPipelineDocument = graphql(`
  query ConsoleRunDetailWithPipeline($id: ID!) {
    run(id: $id) {
      ...ConsoleRunDetail
      pipeline {
        name
        version
      }
      specialization {
        decidedBy
        rule
      }
    }
  }
`);

/** The desk pattern of ../desk/desk-run.ts, on a pipeline the agent picks. */
export const DeskRunOnPipelineDocument = graphql(`
  mutation DeskRunOnPipeline($text: String!, $pipeline: String) {
    orchestrate(input: { text: $text, pipeline: $pipeline }) {
      id
      pipeline {
        name
        version
      }
      ... @defer {
        extraction {
          entities
          model
          latencyMs
        }
      }
      ... @defer {
        stage
        specialization {
          isValid
          reason
          nextSteps
          model
          decidedBy
          rule
        }
        error {
          code
          message
          retryable
        }
      }
    }
  }
`);
