/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation ExtractOnly($text: String!, $idempotencyKey: String, $pipeline: String) {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    stage\n    pipeline {\n      name\n      version\n    }\n    extraction {\n      entities\n      model\n      latencyMs\n    }\n  }\n}\n\nmutation ExtractThenVerdict($text: String!, $idempotencyKey: String, $pipeline: String = \"travel\") {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    extraction {\n      entities\n    }\n    ... @defer {\n      stage\n      specialization {\n        isValid\n        reason\n        nextSteps\n        decidedBy\n        rule\n      }\n    }\n  }\n}\n\nmutation FinishRun($id: ID!) {\n  resumeRun(id: $id) {\n    id\n    stage\n    error {\n      code\n      message\n      retryable\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n  }\n}\n\nquery RunById($id: ID!) {\n  run(id: $id) {\n    id\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    extraction {\n      entities\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n    usage {\n      totalTokens\n    }\n  }\n}\n\nsubscription RunProgress($runId: ID!) {\n  pipelineProgress(runId: $runId) {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n    }\n  }\n}\n\nsubscription AllRunEvents {\n  pipelineEvents {\n    runId\n    seq\n    stage\n    at\n  }\n}\n\nquery Pipelines {\n  pipelines {\n    name\n    version\n    description\n    ruleIds\n    extractionModel\n    specializationModel\n  }\n}": typeof types.ExtractOnlyDocument,
    "\n  mutation OrchestrateInputCheck($input: OrchestrateInput!) {\n    orchestrate(input: $input) { id stage }\n  }\n": typeof types.OrchestrateInputCheckDocument,
    "\n  query RunsPage($first: Int, $after: String) {\n    runs(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }\n  }\n": typeof types.RunsPageDocument,
    "\n  mutation DeferSpecialization($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      extraction { entities }\n      ... @defer {\n        specialization { isValid reason nextSteps }\n        stage\n      }\n    }\n  }\n": typeof types.DeferSpecializationDocument,
    "\n  mutation StageBeforeItsWork($text: String!) {\n    orchestrate(input: { text: $text }) {\n      stage\n      usage { totalTokens }\n      extraction { entities }\n      ... @defer {\n        late: stage\n        specialization { isValid }\n      }\n    }\n  }\n": typeof types.StageBeforeItsWorkDocument,
    "\n  mutation Keyed($text: String!, $key: String) {\n    orchestrate(input: { text: $text, idempotencyKey: $key }) { id stage specialization { isValid } }\n  }\n": typeof types.KeyedDocument,
    "\n  mutation OrchestrateNothing($text: String!) {\n    orchestrate(input: { text: $text }) { id stage createdAt }\n  }\n": typeof types.OrchestrateNothingDocument,
    "\n  mutation OrchestrateExtraction($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      extraction { entities model attempts usage { promptTokens completionTokens totalTokens } }\n    }\n  }\n": typeof types.OrchestrateExtractionDocument,
    "\n  mutation OrchestrateAliases($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      a: extraction { entities }\n      b: extraction { model }\n      c: specialization { isValid }\n      d: specialization { reason }\n    }\n  }\n": typeof types.OrchestrateAliasesDocument,
    "\n  mutation OrchestrateBoth($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code }\n      extraction { entities }\n      specialization { isValid reason nextSteps model }\n      usage { totalTokens }\n      events { stage attempt }\n    }\n  }\n": typeof types.OrchestrateBothDocument,
    "\n  query ReadRun($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n": typeof types.ReadRunDocument,
    "\n  mutation ResumeSpecialization($id: ID!) {\n    resumeRun(id: $id) { id stage extraction { entities } specialization { isValid nextSteps } }\n  }\n": typeof types.ResumeSpecializationDocument,
    "\n  mutation OrchestrateEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id stage }\n  }\n": typeof types.OrchestrateEagerDocument,
    "\n  mutation Full($text: String!) {\n    orchestrate(input: { text: $text }) { id stage extraction { entities } specialization { isValid reason } }\n  }\n": typeof types.FullDocument,
    "\n  query Read($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      text\n      error { code stage retryable }\n      extraction { entities model attempts usage { totalTokens } }\n      specialization { isValid reason nextSteps }\n      events { seq stage }\n      usage { totalTokens }\n    }\n  }\n": typeof types.ReadDocument,
    "\n  mutation Resume($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n": typeof types.ResumeDocument,
    "\n  mutation CreateShared($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": typeof types.CreateSharedDocument,
    "\n  mutation ResumeShared($id: ID!) {\n    resumeRun(id: $id) { stage specialization { isValid } }\n  }\n": typeof types.ResumeSharedDocument,
    "\n  mutation OrchestrateFull($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code message stage retryable }\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n": typeof types.OrchestrateFullDocument,
    "\n  mutation ResumeFull($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      error { code }\n      extraction { entities attempts }\n      specialization { isValid attempts }\n      events { stage attempt message error { code } }\n    }\n  }\n": typeof types.ResumeFullDocument,
    "\n  query ReadFailed($id: ID!) {\n    run(id: $id) { stage error { code stage retryable } extraction { entities } specialization { isValid } }\n  }\n": typeof types.ReadFailedDocument,
    "\n  query StatsForDashboard($sinceMinutes: Int) {\n    stats(sinceMinutes: $sinceMinutes) {\n      runs\n      truncated\n      byStage { stage runs }\n      failuresByCode { code runs }\n      stageLatency { stage count p50Ms p95Ms }\n      tokensByModel { model calls promptTokens completionTokens totalTokens }\n      timeline { start runs failed }\n      bucketMinutes\n      circuits { model state }\n    }\n  }\n": typeof types.StatsForDashboardDocument,
    "\n  mutation RunBothForStats($text: String!) {\n    orchestrate(input: { text: $text }) { id stage specialization { isValid } }\n  }\n": typeof types.RunBothForStatsDocument,
    "\n  query WhoAmI {\n    viewer { name role }\n  }\n": typeof types.WhoAmIDocument,
    "\n  subscription Progress($runId: ID!) {\n    pipelineProgress(runId: $runId) { runId seq stage at attempt message error { code } }\n  }\n": typeof types.ProgressDocument,
    "\n  subscription AllEvents {\n    pipelineEvents { runId seq stage }\n  }\n": typeof types.AllEventsDocument,
    "\n  mutation StartEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id }\n  }\n": typeof types.StartEagerDocument,
    "\n  mutation StartLazy($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": typeof types.StartLazyDocument,
    "\n  mutation CreateWithKey($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": typeof types.CreateWithKeyDocument,
    "\n  query ListRunsWithKey {\n    runs(first: 1) { edges { node { id } } }\n  }\n": typeof types.ListRunsWithKeyDocument,
    "\n  subscription WatchWithKey($runId: ID!) {\n    pipelineProgress(runId: $runId) { stage }\n  }\n": typeof types.WatchWithKeyDocument,
    "\n  mutation BreakerRun($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n": typeof types.BreakerRunDocument,
    "\n      mutation BreakerBusy($text: String!) {\n        orchestrate(input: { text: $text }) { specialization { isValid } }\n      }\n    ": typeof types.BreakerBusyDocument,
    "\n  mutation MetricsRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n": typeof types.MetricsRunDocument,
    "\n  subscription MetricsWatch {\n    pipelineEvents { runId }\n  }\n": typeof types.MetricsWatchDocument,
    "\n  mutation ShutdownExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n": typeof types.ShutdownExtractDocument,
    "\n  query ShutdownReadBack($id: ID!) {\n    run(id: $id) { stage extraction { entities } }\n  }\n": typeof types.ShutdownReadBackDocument,
    "\n  subscription ShutdownWatch {\n    pipelineEvents { runId stage }\n  }\n": typeof types.ShutdownWatchDocument,
    "\n  mutation SignalBurstExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n": typeof types.SignalBurstExtractDocument,
    "\n  mutation TracedRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n": typeof types.TracedRunDocument,
    "\n  mutation ScaleCreate($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": typeof types.ScaleCreateDocument,
    "\n  mutation ScaleFinish($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n": typeof types.ScaleFinishDocument,
    "\n  query ScaleRead($id: ID!) {\n    run(id: $id) { stage error { code } events { seq stage } }\n  }\n": typeof types.ScaleReadDocument,
    "\n  subscription ScaleWatch($runId: ID!) {\n    pipelineProgress(runId: $runId) { seq stage }\n  }\n": typeof types.ScaleWatchDocument,
};
const documents: Documents = {
    "mutation ExtractOnly($text: String!, $idempotencyKey: String, $pipeline: String) {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    stage\n    pipeline {\n      name\n      version\n    }\n    extraction {\n      entities\n      model\n      latencyMs\n    }\n  }\n}\n\nmutation ExtractThenVerdict($text: String!, $idempotencyKey: String, $pipeline: String = \"travel\") {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    extraction {\n      entities\n    }\n    ... @defer {\n      stage\n      specialization {\n        isValid\n        reason\n        nextSteps\n        decidedBy\n        rule\n      }\n    }\n  }\n}\n\nmutation FinishRun($id: ID!) {\n  resumeRun(id: $id) {\n    id\n    stage\n    error {\n      code\n      message\n      retryable\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n  }\n}\n\nquery RunById($id: ID!) {\n  run(id: $id) {\n    id\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    extraction {\n      entities\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n    usage {\n      totalTokens\n    }\n  }\n}\n\nsubscription RunProgress($runId: ID!) {\n  pipelineProgress(runId: $runId) {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n    }\n  }\n}\n\nsubscription AllRunEvents {\n  pipelineEvents {\n    runId\n    seq\n    stage\n    at\n  }\n}\n\nquery Pipelines {\n  pipelines {\n    name\n    version\n    description\n    ruleIds\n    extractionModel\n    specializationModel\n  }\n}": types.ExtractOnlyDocument,
    "\n  mutation OrchestrateInputCheck($input: OrchestrateInput!) {\n    orchestrate(input: $input) { id stage }\n  }\n": types.OrchestrateInputCheckDocument,
    "\n  query RunsPage($first: Int, $after: String) {\n    runs(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }\n  }\n": types.RunsPageDocument,
    "\n  mutation DeferSpecialization($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      extraction { entities }\n      ... @defer {\n        specialization { isValid reason nextSteps }\n        stage\n      }\n    }\n  }\n": types.DeferSpecializationDocument,
    "\n  mutation StageBeforeItsWork($text: String!) {\n    orchestrate(input: { text: $text }) {\n      stage\n      usage { totalTokens }\n      extraction { entities }\n      ... @defer {\n        late: stage\n        specialization { isValid }\n      }\n    }\n  }\n": types.StageBeforeItsWorkDocument,
    "\n  mutation Keyed($text: String!, $key: String) {\n    orchestrate(input: { text: $text, idempotencyKey: $key }) { id stage specialization { isValid } }\n  }\n": types.KeyedDocument,
    "\n  mutation OrchestrateNothing($text: String!) {\n    orchestrate(input: { text: $text }) { id stage createdAt }\n  }\n": types.OrchestrateNothingDocument,
    "\n  mutation OrchestrateExtraction($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      extraction { entities model attempts usage { promptTokens completionTokens totalTokens } }\n    }\n  }\n": types.OrchestrateExtractionDocument,
    "\n  mutation OrchestrateAliases($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      a: extraction { entities }\n      b: extraction { model }\n      c: specialization { isValid }\n      d: specialization { reason }\n    }\n  }\n": types.OrchestrateAliasesDocument,
    "\n  mutation OrchestrateBoth($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code }\n      extraction { entities }\n      specialization { isValid reason nextSteps model }\n      usage { totalTokens }\n      events { stage attempt }\n    }\n  }\n": types.OrchestrateBothDocument,
    "\n  query ReadRun($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n": types.ReadRunDocument,
    "\n  mutation ResumeSpecialization($id: ID!) {\n    resumeRun(id: $id) { id stage extraction { entities } specialization { isValid nextSteps } }\n  }\n": types.ResumeSpecializationDocument,
    "\n  mutation OrchestrateEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id stage }\n  }\n": types.OrchestrateEagerDocument,
    "\n  mutation Full($text: String!) {\n    orchestrate(input: { text: $text }) { id stage extraction { entities } specialization { isValid reason } }\n  }\n": types.FullDocument,
    "\n  query Read($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      text\n      error { code stage retryable }\n      extraction { entities model attempts usage { totalTokens } }\n      specialization { isValid reason nextSteps }\n      events { seq stage }\n      usage { totalTokens }\n    }\n  }\n": types.ReadDocument,
    "\n  mutation Resume($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n": types.ResumeDocument,
    "\n  mutation CreateShared($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": types.CreateSharedDocument,
    "\n  mutation ResumeShared($id: ID!) {\n    resumeRun(id: $id) { stage specialization { isValid } }\n  }\n": types.ResumeSharedDocument,
    "\n  mutation OrchestrateFull($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code message stage retryable }\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n": types.OrchestrateFullDocument,
    "\n  mutation ResumeFull($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      error { code }\n      extraction { entities attempts }\n      specialization { isValid attempts }\n      events { stage attempt message error { code } }\n    }\n  }\n": types.ResumeFullDocument,
    "\n  query ReadFailed($id: ID!) {\n    run(id: $id) { stage error { code stage retryable } extraction { entities } specialization { isValid } }\n  }\n": types.ReadFailedDocument,
    "\n  query StatsForDashboard($sinceMinutes: Int) {\n    stats(sinceMinutes: $sinceMinutes) {\n      runs\n      truncated\n      byStage { stage runs }\n      failuresByCode { code runs }\n      stageLatency { stage count p50Ms p95Ms }\n      tokensByModel { model calls promptTokens completionTokens totalTokens }\n      timeline { start runs failed }\n      bucketMinutes\n      circuits { model state }\n    }\n  }\n": types.StatsForDashboardDocument,
    "\n  mutation RunBothForStats($text: String!) {\n    orchestrate(input: { text: $text }) { id stage specialization { isValid } }\n  }\n": types.RunBothForStatsDocument,
    "\n  query WhoAmI {\n    viewer { name role }\n  }\n": types.WhoAmIDocument,
    "\n  subscription Progress($runId: ID!) {\n    pipelineProgress(runId: $runId) { runId seq stage at attempt message error { code } }\n  }\n": types.ProgressDocument,
    "\n  subscription AllEvents {\n    pipelineEvents { runId seq stage }\n  }\n": types.AllEventsDocument,
    "\n  mutation StartEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id }\n  }\n": types.StartEagerDocument,
    "\n  mutation StartLazy($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": types.StartLazyDocument,
    "\n  mutation CreateWithKey($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": types.CreateWithKeyDocument,
    "\n  query ListRunsWithKey {\n    runs(first: 1) { edges { node { id } } }\n  }\n": types.ListRunsWithKeyDocument,
    "\n  subscription WatchWithKey($runId: ID!) {\n    pipelineProgress(runId: $runId) { stage }\n  }\n": types.WatchWithKeyDocument,
    "\n  mutation BreakerRun($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n": types.BreakerRunDocument,
    "\n      mutation BreakerBusy($text: String!) {\n        orchestrate(input: { text: $text }) { specialization { isValid } }\n      }\n    ": types.BreakerBusyDocument,
    "\n  mutation MetricsRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n": types.MetricsRunDocument,
    "\n  subscription MetricsWatch {\n    pipelineEvents { runId }\n  }\n": types.MetricsWatchDocument,
    "\n  mutation ShutdownExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n": types.ShutdownExtractDocument,
    "\n  query ShutdownReadBack($id: ID!) {\n    run(id: $id) { stage extraction { entities } }\n  }\n": types.ShutdownReadBackDocument,
    "\n  subscription ShutdownWatch {\n    pipelineEvents { runId stage }\n  }\n": types.ShutdownWatchDocument,
    "\n  mutation SignalBurstExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n": types.SignalBurstExtractDocument,
    "\n  mutation TracedRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n": types.TracedRunDocument,
    "\n  mutation ScaleCreate($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n": types.ScaleCreateDocument,
    "\n  mutation ScaleFinish($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n": types.ScaleFinishDocument,
    "\n  query ScaleRead($id: ID!) {\n    run(id: $id) { stage error { code } events { seq stage } }\n  }\n": types.ScaleReadDocument,
    "\n  subscription ScaleWatch($runId: ID!) {\n    pipelineProgress(runId: $runId) { seq stage }\n  }\n": types.ScaleWatchDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ExtractOnly($text: String!, $idempotencyKey: String, $pipeline: String) {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    stage\n    pipeline {\n      name\n      version\n    }\n    extraction {\n      entities\n      model\n      latencyMs\n    }\n  }\n}\n\nmutation ExtractThenVerdict($text: String!, $idempotencyKey: String, $pipeline: String = \"travel\") {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    extraction {\n      entities\n    }\n    ... @defer {\n      stage\n      specialization {\n        isValid\n        reason\n        nextSteps\n        decidedBy\n        rule\n      }\n    }\n  }\n}\n\nmutation FinishRun($id: ID!) {\n  resumeRun(id: $id) {\n    id\n    stage\n    error {\n      code\n      message\n      retryable\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n  }\n}\n\nquery RunById($id: ID!) {\n  run(id: $id) {\n    id\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    extraction {\n      entities\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n    usage {\n      totalTokens\n    }\n  }\n}\n\nsubscription RunProgress($runId: ID!) {\n  pipelineProgress(runId: $runId) {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n    }\n  }\n}\n\nsubscription AllRunEvents {\n  pipelineEvents {\n    runId\n    seq\n    stage\n    at\n  }\n}\n\nquery Pipelines {\n  pipelines {\n    name\n    version\n    description\n    ruleIds\n    extractionModel\n    specializationModel\n  }\n}"): (typeof documents)["mutation ExtractOnly($text: String!, $idempotencyKey: String, $pipeline: String) {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    stage\n    pipeline {\n      name\n      version\n    }\n    extraction {\n      entities\n      model\n      latencyMs\n    }\n  }\n}\n\nmutation ExtractThenVerdict($text: String!, $idempotencyKey: String, $pipeline: String = \"travel\") {\n  orchestrate(\n    input: {text: $text, idempotencyKey: $idempotencyKey, pipeline: $pipeline}\n  ) {\n    id\n    extraction {\n      entities\n    }\n    ... @defer {\n      stage\n      specialization {\n        isValid\n        reason\n        nextSteps\n        decidedBy\n        rule\n      }\n    }\n  }\n}\n\nmutation FinishRun($id: ID!) {\n  resumeRun(id: $id) {\n    id\n    stage\n    error {\n      code\n      message\n      retryable\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n  }\n}\n\nquery RunById($id: ID!) {\n  run(id: $id) {\n    id\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    extraction {\n      entities\n    }\n    specialization {\n      isValid\n      reason\n      nextSteps\n    }\n    usage {\n      totalTokens\n    }\n  }\n}\n\nsubscription RunProgress($runId: ID!) {\n  pipelineProgress(runId: $runId) {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n    }\n  }\n}\n\nsubscription AllRunEvents {\n  pipelineEvents {\n    runId\n    seq\n    stage\n    at\n  }\n}\n\nquery Pipelines {\n  pipelines {\n    name\n    version\n    description\n    ruleIds\n    extractionModel\n    specializationModel\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateInputCheck($input: OrchestrateInput!) {\n    orchestrate(input: $input) { id stage }\n  }\n"): (typeof documents)["\n  mutation OrchestrateInputCheck($input: OrchestrateInput!) {\n    orchestrate(input: $input) { id stage }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunsPage($first: Int, $after: String) {\n    runs(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }\n  }\n"): (typeof documents)["\n  query RunsPage($first: Int, $after: String) {\n    runs(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeferSpecialization($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      extraction { entities }\n      ... @defer {\n        specialization { isValid reason nextSteps }\n        stage\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeferSpecialization($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      extraction { entities }\n      ... @defer {\n        specialization { isValid reason nextSteps }\n        stage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StageBeforeItsWork($text: String!) {\n    orchestrate(input: { text: $text }) {\n      stage\n      usage { totalTokens }\n      extraction { entities }\n      ... @defer {\n        late: stage\n        specialization { isValid }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation StageBeforeItsWork($text: String!) {\n    orchestrate(input: { text: $text }) {\n      stage\n      usage { totalTokens }\n      extraction { entities }\n      ... @defer {\n        late: stage\n        specialization { isValid }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Keyed($text: String!, $key: String) {\n    orchestrate(input: { text: $text, idempotencyKey: $key }) { id stage specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation Keyed($text: String!, $key: String) {\n    orchestrate(input: { text: $text, idempotencyKey: $key }) { id stage specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateNothing($text: String!) {\n    orchestrate(input: { text: $text }) { id stage createdAt }\n  }\n"): (typeof documents)["\n  mutation OrchestrateNothing($text: String!) {\n    orchestrate(input: { text: $text }) { id stage createdAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateExtraction($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      extraction { entities model attempts usage { promptTokens completionTokens totalTokens } }\n    }\n  }\n"): (typeof documents)["\n  mutation OrchestrateExtraction($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      extraction { entities model attempts usage { promptTokens completionTokens totalTokens } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateAliases($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      a: extraction { entities }\n      b: extraction { model }\n      c: specialization { isValid }\n      d: specialization { reason }\n    }\n  }\n"): (typeof documents)["\n  mutation OrchestrateAliases($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      a: extraction { entities }\n      b: extraction { model }\n      c: specialization { isValid }\n      d: specialization { reason }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateBoth($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code }\n      extraction { entities }\n      specialization { isValid reason nextSteps model }\n      usage { totalTokens }\n      events { stage attempt }\n    }\n  }\n"): (typeof documents)["\n  mutation OrchestrateBoth($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code }\n      extraction { entities }\n      specialization { isValid reason nextSteps model }\n      usage { totalTokens }\n      events { stage attempt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReadRun($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n"): (typeof documents)["\n  query ReadRun($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeSpecialization($id: ID!) {\n    resumeRun(id: $id) { id stage extraction { entities } specialization { isValid nextSteps } }\n  }\n"): (typeof documents)["\n  mutation ResumeSpecialization($id: ID!) {\n    resumeRun(id: $id) { id stage extraction { entities } specialization { isValid nextSteps } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id stage }\n  }\n"): (typeof documents)["\n  mutation OrchestrateEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id stage }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Full($text: String!) {\n    orchestrate(input: { text: $text }) { id stage extraction { entities } specialization { isValid reason } }\n  }\n"): (typeof documents)["\n  mutation Full($text: String!) {\n    orchestrate(input: { text: $text }) { id stage extraction { entities } specialization { isValid reason } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Read($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      text\n      error { code stage retryable }\n      extraction { entities model attempts usage { totalTokens } }\n      specialization { isValid reason nextSteps }\n      events { seq stage }\n      usage { totalTokens }\n    }\n  }\n"): (typeof documents)["\n  query Read($id: ID!) {\n    run(id: $id) {\n      id\n      stage\n      text\n      error { code stage retryable }\n      extraction { entities model attempts usage { totalTokens } }\n      specialization { isValid reason nextSteps }\n      events { seq stage }\n      usage { totalTokens }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Resume($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation Resume($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateShared($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"): (typeof documents)["\n  mutation CreateShared($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeShared($id: ID!) {\n    resumeRun(id: $id) { stage specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation ResumeShared($id: ID!) {\n    resumeRun(id: $id) { stage specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OrchestrateFull($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code message stage retryable }\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n"): (typeof documents)["\n  mutation OrchestrateFull($text: String!) {\n    orchestrate(input: { text: $text }) {\n      id\n      stage\n      error { code message stage retryable }\n      extraction { entities }\n      specialization { isValid }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeFull($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      error { code }\n      extraction { entities attempts }\n      specialization { isValid attempts }\n      events { stage attempt message error { code } }\n    }\n  }\n"): (typeof documents)["\n  mutation ResumeFull($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      error { code }\n      extraction { entities attempts }\n      specialization { isValid attempts }\n      events { stage attempt message error { code } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReadFailed($id: ID!) {\n    run(id: $id) { stage error { code stage retryable } extraction { entities } specialization { isValid } }\n  }\n"): (typeof documents)["\n  query ReadFailed($id: ID!) {\n    run(id: $id) { stage error { code stage retryable } extraction { entities } specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StatsForDashboard($sinceMinutes: Int) {\n    stats(sinceMinutes: $sinceMinutes) {\n      runs\n      truncated\n      byStage { stage runs }\n      failuresByCode { code runs }\n      stageLatency { stage count p50Ms p95Ms }\n      tokensByModel { model calls promptTokens completionTokens totalTokens }\n      timeline { start runs failed }\n      bucketMinutes\n      circuits { model state }\n    }\n  }\n"): (typeof documents)["\n  query StatsForDashboard($sinceMinutes: Int) {\n    stats(sinceMinutes: $sinceMinutes) {\n      runs\n      truncated\n      byStage { stage runs }\n      failuresByCode { code runs }\n      stageLatency { stage count p50Ms p95Ms }\n      tokensByModel { model calls promptTokens completionTokens totalTokens }\n      timeline { start runs failed }\n      bucketMinutes\n      circuits { model state }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunBothForStats($text: String!) {\n    orchestrate(input: { text: $text }) { id stage specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation RunBothForStats($text: String!) {\n    orchestrate(input: { text: $text }) { id stage specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WhoAmI {\n    viewer { name role }\n  }\n"): (typeof documents)["\n  query WhoAmI {\n    viewer { name role }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Progress($runId: ID!) {\n    pipelineProgress(runId: $runId) { runId seq stage at attempt message error { code } }\n  }\n"): (typeof documents)["\n  subscription Progress($runId: ID!) {\n    pipelineProgress(runId: $runId) { runId seq stage at attempt message error { code } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AllEvents {\n    pipelineEvents { runId seq stage }\n  }\n"): (typeof documents)["\n  subscription AllEvents {\n    pipelineEvents { runId seq stage }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id }\n  }\n"): (typeof documents)["\n  mutation StartEager($text: String!) {\n    orchestrate(input: { text: $text, eager: true }) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartLazy($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"): (typeof documents)["\n  mutation StartLazy($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWithKey($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"): (typeof documents)["\n  mutation CreateWithKey($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListRunsWithKey {\n    runs(first: 1) { edges { node { id } } }\n  }\n"): (typeof documents)["\n  query ListRunsWithKey {\n    runs(first: 1) { edges { node { id } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WatchWithKey($runId: ID!) {\n    pipelineProgress(runId: $runId) { stage }\n  }\n"): (typeof documents)["\n  subscription WatchWithKey($runId: ID!) {\n    pipelineProgress(runId: $runId) { stage }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BreakerRun($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n"): (typeof documents)["\n  mutation BreakerRun($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n      mutation BreakerBusy($text: String!) {\n        orchestrate(input: { text: $text }) { specialization { isValid } }\n      }\n    "): (typeof documents)["\n      mutation BreakerBusy($text: String!) {\n        orchestrate(input: { text: $text }) { specialization { isValid } }\n      }\n    "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MetricsRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation MetricsRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MetricsWatch {\n    pipelineEvents { runId }\n  }\n"): (typeof documents)["\n  subscription MetricsWatch {\n    pipelineEvents { runId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ShutdownExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n"): (typeof documents)["\n  mutation ShutdownExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShutdownReadBack($id: ID!) {\n    run(id: $id) { stage extraction { entities } }\n  }\n"): (typeof documents)["\n  query ShutdownReadBack($id: ID!) {\n    run(id: $id) { stage extraction { entities } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ShutdownWatch {\n    pipelineEvents { runId stage }\n  }\n"): (typeof documents)["\n  subscription ShutdownWatch {\n    pipelineEvents { runId stage }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignalBurstExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n"): (typeof documents)["\n  mutation SignalBurstExtract($text: String!) {\n    orchestrate(input: { text: $text }) { id extraction { entities } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TracedRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation TracedRun($text: String!) {\n    orchestrate(input: { text: $text }) { id specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ScaleCreate($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"): (typeof documents)["\n  mutation ScaleCreate($text: String!) {\n    orchestrate(input: { text: $text }) { id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ScaleFinish($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n"): (typeof documents)["\n  mutation ScaleFinish($id: ID!) {\n    resumeRun(id: $id) { stage error { code } specialization { isValid } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ScaleRead($id: ID!) {\n    run(id: $id) { stage error { code } events { seq stage } }\n  }\n"): (typeof documents)["\n  query ScaleRead($id: ID!) {\n    run(id: $id) { stage error { code } events { seq stage } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ScaleWatch($runId: ID!) {\n    pipelineProgress(runId: $runId) { seq stage }\n  }\n"): (typeof documents)["\n  subscription ScaleWatch($runId: ID!) {\n    pipelineProgress(runId: $runId) { seq stage }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;