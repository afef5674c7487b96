/** What GraphiQL opens with: a run with @defer, and a subscription to watch one. */
export const GRAPHIQL_TABS = [
  {
    query: `# Runs the extraction, sends it at once, then the specialization when it is ready.
# Only the stages you select are paid for.
# pipeline names one of the pipelines served (query { pipelines { name description ruleIds } });
# absent: the default (travel).
mutation Orchestrate {
  orchestrate(input: { text: "I need to change my flight to next Tuesday and update my seat to 14A", pipeline: "travel" }) {
    id
    stage
    pipeline { name version }
    extraction { entities model latencyMs usage { totalTokens } }
    ... @defer {
      specialization { isValid reason nextSteps decidedBy rule model latencyMs }
    }
  }
}
`,
  },

  {
    query: `# Paste a run id from the Orchestrate tab: its history, then live events.
subscription Progress {
  pipelineProgress(runId: "paste-a-run-id") {
    stage
    at
    attempt
    message
    error { code message retryable }
  }
}
`,
  },
];
