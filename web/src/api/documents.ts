import { graphql } from '../gql/index.js';

/**
 * The console's operations, typed by `npm run codegen` (web/src/gql/). The
 * "Try it" mutation and its progress live with the desk pattern in
 * ../desk/desk-run.ts.
 */

export const ViewerDocument = graphql(`
  query ConsoleViewer {
    viewer {
      name
      role
    }
  }
`);

/**
 * What a run's row and its page both show first: which run, where it is, on
 * which pipeline, why it failed. Spread beside ConsoleRunRow / ConsoleRunDetail
 * in the query, not inside them: the server's depth limit (8) counts each
 * fragment level.
 */
export const RunHeadFragment = graphql(`
  fragment ConsoleRunHead on OrchestrationRun {
    id
    text
    stage
    createdAt
    error {
      code
      message
      stage
      retryable
    }
    pipeline {
      name
      version
    }
  }
`);

/** What the Verdict component shows, on the run's page and in "Try it". */
export const VerdictFragment = graphql(`
  fragment ConsoleVerdict on Specialization {
    isValid
    reason
    nextSteps
    model
    decidedBy
    rule
  }
`);

export const RunRowFragment = graphql(`
  fragment ConsoleRunRow on OrchestrationRun {
    extraction {
      model
      latencyMs
    }
    specialization {
      model
      latencyMs
      isValid
      decidedBy
      rule
    }
    usage {
      totalTokens
    }
    events {
      at
    }
  }
`);

export const RunsPageDocument = graphql(`
  query ConsoleRuns($first: Int!, $after: String, $stage: PipelineStage, $pipeline: String) {
    runs(first: $first, after: $after, stage: $stage, pipeline: $pipeline) {
      edges {
        cursor
        node {
          ...ConsoleRunHead
          ...ConsoleRunRow
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

export const UsageFragment = graphql(`
  fragment ConsoleUsage on TokenUsage {
    promptTokens
    completionTokens
    totalTokens
  }
`);

/** A step of a run, as the detail page, the live table and the desk's progress line read it. */
export const StageEventFragment = graphql(`
  fragment ConsoleStageEvent on StageEvent {
    seq
    stage
    at
    attempt
    message
    error {
      code
      message
      retryable
      stage
    }
  }
`);

export const RunDetailFragment = graphql(`
  fragment ConsoleRunDetail on OrchestrationRun {
    extraction {
      entities
      model
      latencyMs
      attempts
      usage {
        ...ConsoleUsage
      }
    }
    specialization {
      ...ConsoleVerdict
      latencyMs
      attempts
      usage {
        ...ConsoleUsage
      }
    }
    usage {
      ...ConsoleUsage
    }
    events {
      ...ConsoleStageEvent
    }
  }
`);

export const RunDetailDocument = graphql(`
  query ConsoleRunDetail($id: ID!) {
    run(id: $id) {
      ...ConsoleRunHead
      ...ConsoleRunDetail
    }
  }
`);

/** Every run's events, live: the table and the detail page keep themselves current with it. */
export const EventsDocument = graphql(`
  subscription ConsoleEvents {
    pipelineEvents {
      runId
      ...ConsoleStageEvent
    }
  }
`);

export const ResumeDocument = graphql(`
  mutation ConsoleResume($id: ID!) {
    resumeRun(id: $id) {
      id
      stage
      specialization {
        isValid
      }
      error {
        code
        message
        retryable
      }
    }
  }
`);

export const StatsDocument = graphql(`
  query ConsoleStats($sinceMinutes: Int!) {
    stats(sinceMinutes: $sinceMinutes) {
      since
      until
      runs
      truncated
      bucketMinutes
      byStage {
        stage
        runs
      }
      failuresByCode {
        code
        runs
      }
      stageLatency {
        stage
        count
        p50Ms
        p95Ms
      }
      tokensByModel {
        model
        calls
        promptTokens
        completionTokens
        totalTokens
      }
      timeline {
        start
        runs
        failed
      }
      circuits {
        model
        state
      }
    }
  }
`);

/** The pipelines the server serves, for the pickers. */
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
