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
    "\n  query ConsoleViewer {\n    viewer {\n      name\n      role\n    }\n  }\n": typeof types.ConsoleViewerDocument,
    "\n  fragment ConsoleRunHead on OrchestrationRun {\n    id\n    text\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    pipeline {\n      name\n      version\n    }\n  }\n": typeof types.ConsoleRunHeadFragmentDoc,
    "\n  fragment ConsoleVerdict on Specialization {\n    isValid\n    reason\n    nextSteps\n    model\n    decidedBy\n    rule\n  }\n": typeof types.ConsoleVerdictFragmentDoc,
    "\n  fragment ConsoleRunRow on OrchestrationRun {\n    extraction {\n      model\n      latencyMs\n    }\n    specialization {\n      model\n      latencyMs\n      isValid\n      decidedBy\n      rule\n    }\n    usage {\n      totalTokens\n    }\n    events {\n      at\n    }\n  }\n": typeof types.ConsoleRunRowFragmentDoc,
    "\n  query ConsoleRuns($first: Int!, $after: String, $stage: PipelineStage, $pipeline: String) {\n    runs(first: $first, after: $after, stage: $stage, pipeline: $pipeline) {\n      edges {\n        cursor\n        node {\n          ...ConsoleRunHead\n          ...ConsoleRunRow\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ConsoleRunsDocument,
    "\n  fragment ConsoleUsage on TokenUsage {\n    promptTokens\n    completionTokens\n    totalTokens\n  }\n": typeof types.ConsoleUsageFragmentDoc,
    "\n  fragment ConsoleStageEvent on StageEvent {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n      retryable\n      stage\n    }\n  }\n": typeof types.ConsoleStageEventFragmentDoc,
    "\n  fragment ConsoleRunDetail on OrchestrationRun {\n    extraction {\n      entities\n      model\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    specialization {\n      ...ConsoleVerdict\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    usage {\n      ...ConsoleUsage\n    }\n    events {\n      ...ConsoleStageEvent\n    }\n  }\n": typeof types.ConsoleRunDetailFragmentDoc,
    "\n  query ConsoleRunDetail($id: ID!) {\n    run(id: $id) {\n      ...ConsoleRunHead\n      ...ConsoleRunDetail\n    }\n  }\n": typeof types.ConsoleRunDetailDocument,
    "\n  subscription ConsoleEvents {\n    pipelineEvents {\n      runId\n      ...ConsoleStageEvent\n    }\n  }\n": typeof types.ConsoleEventsDocument,
    "\n  mutation ConsoleResume($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      specialization {\n        isValid\n      }\n      error {\n        code\n        message\n        retryable\n      }\n    }\n  }\n": typeof types.ConsoleResumeDocument,
    "\n  query ConsoleStats($sinceMinutes: Int!) {\n    stats(sinceMinutes: $sinceMinutes) {\n      since\n      until\n      runs\n      truncated\n      bucketMinutes\n      byStage {\n        stage\n        runs\n      }\n      failuresByCode {\n        code\n        runs\n      }\n      stageLatency {\n        stage\n        count\n        p50Ms\n        p95Ms\n      }\n      tokensByModel {\n        model\n        calls\n        promptTokens\n        completionTokens\n        totalTokens\n      }\n      timeline {\n        start\n        runs\n        failed\n      }\n      circuits {\n        model\n        state\n      }\n    }\n  }\n": typeof types.ConsoleStatsDocument,
    "\n  query ConsolePipelines {\n    pipelines {\n      name\n      version\n      description\n      ruleIds\n      extractionModel\n      specializationModel\n    }\n  }\n": typeof types.ConsolePipelinesDocument,
    "\n  mutation DeskRun($text: String!, $pipeline: String) {\n    orchestrate(input: { text: $text, pipeline: $pipeline }) {\n      id\n      pipeline {\n        name\n        version\n      }\n      ... @defer {\n        extraction {\n          entities\n          model\n          latencyMs\n        }\n      }\n      ... @defer {\n        stage\n        specialization {\n          ...ConsoleVerdict\n        }\n        error {\n          code\n          message\n          retryable\n        }\n      }\n    }\n  }\n": typeof types.DeskRunDocument,
    "\n  subscription DeskProgress($runId: ID!) {\n    pipelineProgress(runId: $runId) {\n      ...ConsoleStageEvent\n    }\n  }\n": typeof types.DeskProgressDocument,
};
const documents: Documents = {
    "\n  query ConsoleViewer {\n    viewer {\n      name\n      role\n    }\n  }\n": types.ConsoleViewerDocument,
    "\n  fragment ConsoleRunHead on OrchestrationRun {\n    id\n    text\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    pipeline {\n      name\n      version\n    }\n  }\n": types.ConsoleRunHeadFragmentDoc,
    "\n  fragment ConsoleVerdict on Specialization {\n    isValid\n    reason\n    nextSteps\n    model\n    decidedBy\n    rule\n  }\n": types.ConsoleVerdictFragmentDoc,
    "\n  fragment ConsoleRunRow on OrchestrationRun {\n    extraction {\n      model\n      latencyMs\n    }\n    specialization {\n      model\n      latencyMs\n      isValid\n      decidedBy\n      rule\n    }\n    usage {\n      totalTokens\n    }\n    events {\n      at\n    }\n  }\n": types.ConsoleRunRowFragmentDoc,
    "\n  query ConsoleRuns($first: Int!, $after: String, $stage: PipelineStage, $pipeline: String) {\n    runs(first: $first, after: $after, stage: $stage, pipeline: $pipeline) {\n      edges {\n        cursor\n        node {\n          ...ConsoleRunHead\n          ...ConsoleRunRow\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": types.ConsoleRunsDocument,
    "\n  fragment ConsoleUsage on TokenUsage {\n    promptTokens\n    completionTokens\n    totalTokens\n  }\n": types.ConsoleUsageFragmentDoc,
    "\n  fragment ConsoleStageEvent on StageEvent {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n      retryable\n      stage\n    }\n  }\n": types.ConsoleStageEventFragmentDoc,
    "\n  fragment ConsoleRunDetail on OrchestrationRun {\n    extraction {\n      entities\n      model\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    specialization {\n      ...ConsoleVerdict\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    usage {\n      ...ConsoleUsage\n    }\n    events {\n      ...ConsoleStageEvent\n    }\n  }\n": types.ConsoleRunDetailFragmentDoc,
    "\n  query ConsoleRunDetail($id: ID!) {\n    run(id: $id) {\n      ...ConsoleRunHead\n      ...ConsoleRunDetail\n    }\n  }\n": types.ConsoleRunDetailDocument,
    "\n  subscription ConsoleEvents {\n    pipelineEvents {\n      runId\n      ...ConsoleStageEvent\n    }\n  }\n": types.ConsoleEventsDocument,
    "\n  mutation ConsoleResume($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      specialization {\n        isValid\n      }\n      error {\n        code\n        message\n        retryable\n      }\n    }\n  }\n": types.ConsoleResumeDocument,
    "\n  query ConsoleStats($sinceMinutes: Int!) {\n    stats(sinceMinutes: $sinceMinutes) {\n      since\n      until\n      runs\n      truncated\n      bucketMinutes\n      byStage {\n        stage\n        runs\n      }\n      failuresByCode {\n        code\n        runs\n      }\n      stageLatency {\n        stage\n        count\n        p50Ms\n        p95Ms\n      }\n      tokensByModel {\n        model\n        calls\n        promptTokens\n        completionTokens\n        totalTokens\n      }\n      timeline {\n        start\n        runs\n        failed\n      }\n      circuits {\n        model\n        state\n      }\n    }\n  }\n": types.ConsoleStatsDocument,
    "\n  query ConsolePipelines {\n    pipelines {\n      name\n      version\n      description\n      ruleIds\n      extractionModel\n      specializationModel\n    }\n  }\n": types.ConsolePipelinesDocument,
    "\n  mutation DeskRun($text: String!, $pipeline: String) {\n    orchestrate(input: { text: $text, pipeline: $pipeline }) {\n      id\n      pipeline {\n        name\n        version\n      }\n      ... @defer {\n        extraction {\n          entities\n          model\n          latencyMs\n        }\n      }\n      ... @defer {\n        stage\n        specialization {\n          ...ConsoleVerdict\n        }\n        error {\n          code\n          message\n          retryable\n        }\n      }\n    }\n  }\n": types.DeskRunDocument,
    "\n  subscription DeskProgress($runId: ID!) {\n    pipelineProgress(runId: $runId) {\n      ...ConsoleStageEvent\n    }\n  }\n": types.DeskProgressDocument,
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
export function graphql(source: "\n  query ConsoleViewer {\n    viewer {\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  query ConsoleViewer {\n    viewer {\n      name\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleRunHead on OrchestrationRun {\n    id\n    text\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    pipeline {\n      name\n      version\n    }\n  }\n"): (typeof documents)["\n  fragment ConsoleRunHead on OrchestrationRun {\n    id\n    text\n    stage\n    createdAt\n    error {\n      code\n      message\n      stage\n      retryable\n    }\n    pipeline {\n      name\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleVerdict on Specialization {\n    isValid\n    reason\n    nextSteps\n    model\n    decidedBy\n    rule\n  }\n"): (typeof documents)["\n  fragment ConsoleVerdict on Specialization {\n    isValid\n    reason\n    nextSteps\n    model\n    decidedBy\n    rule\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleRunRow on OrchestrationRun {\n    extraction {\n      model\n      latencyMs\n    }\n    specialization {\n      model\n      latencyMs\n      isValid\n      decidedBy\n      rule\n    }\n    usage {\n      totalTokens\n    }\n    events {\n      at\n    }\n  }\n"): (typeof documents)["\n  fragment ConsoleRunRow on OrchestrationRun {\n    extraction {\n      model\n      latencyMs\n    }\n    specialization {\n      model\n      latencyMs\n      isValid\n      decidedBy\n      rule\n    }\n    usage {\n      totalTokens\n    }\n    events {\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRuns($first: Int!, $after: String, $stage: PipelineStage, $pipeline: String) {\n    runs(first: $first, after: $after, stage: $stage, pipeline: $pipeline) {\n      edges {\n        cursor\n        node {\n          ...ConsoleRunHead\n          ...ConsoleRunRow\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRuns($first: Int!, $after: String, $stage: PipelineStage, $pipeline: String) {\n    runs(first: $first, after: $after, stage: $stage, pipeline: $pipeline) {\n      edges {\n        cursor\n        node {\n          ...ConsoleRunHead\n          ...ConsoleRunRow\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleUsage on TokenUsage {\n    promptTokens\n    completionTokens\n    totalTokens\n  }\n"): (typeof documents)["\n  fragment ConsoleUsage on TokenUsage {\n    promptTokens\n    completionTokens\n    totalTokens\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleStageEvent on StageEvent {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n      retryable\n      stage\n    }\n  }\n"): (typeof documents)["\n  fragment ConsoleStageEvent on StageEvent {\n    seq\n    stage\n    at\n    attempt\n    message\n    error {\n      code\n      message\n      retryable\n      stage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleRunDetail on OrchestrationRun {\n    extraction {\n      entities\n      model\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    specialization {\n      ...ConsoleVerdict\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    usage {\n      ...ConsoleUsage\n    }\n    events {\n      ...ConsoleStageEvent\n    }\n  }\n"): (typeof documents)["\n  fragment ConsoleRunDetail on OrchestrationRun {\n    extraction {\n      entities\n      model\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    specialization {\n      ...ConsoleVerdict\n      latencyMs\n      attempts\n      usage {\n        ...ConsoleUsage\n      }\n    }\n    usage {\n      ...ConsoleUsage\n    }\n    events {\n      ...ConsoleStageEvent\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRunDetail($id: ID!) {\n    run(id: $id) {\n      ...ConsoleRunHead\n      ...ConsoleRunDetail\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRunDetail($id: ID!) {\n    run(id: $id) {\n      ...ConsoleRunHead\n      ...ConsoleRunDetail\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConsoleEvents {\n    pipelineEvents {\n      runId\n      ...ConsoleStageEvent\n    }\n  }\n"): (typeof documents)["\n  subscription ConsoleEvents {\n    pipelineEvents {\n      runId\n      ...ConsoleStageEvent\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleResume($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      specialization {\n        isValid\n      }\n      error {\n        code\n        message\n        retryable\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleResume($id: ID!) {\n    resumeRun(id: $id) {\n      id\n      stage\n      specialization {\n        isValid\n      }\n      error {\n        code\n        message\n        retryable\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStats($sinceMinutes: Int!) {\n    stats(sinceMinutes: $sinceMinutes) {\n      since\n      until\n      runs\n      truncated\n      bucketMinutes\n      byStage {\n        stage\n        runs\n      }\n      failuresByCode {\n        code\n        runs\n      }\n      stageLatency {\n        stage\n        count\n        p50Ms\n        p95Ms\n      }\n      tokensByModel {\n        model\n        calls\n        promptTokens\n        completionTokens\n        totalTokens\n      }\n      timeline {\n        start\n        runs\n        failed\n      }\n      circuits {\n        model\n        state\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleStats($sinceMinutes: Int!) {\n    stats(sinceMinutes: $sinceMinutes) {\n      since\n      until\n      runs\n      truncated\n      bucketMinutes\n      byStage {\n        stage\n        runs\n      }\n      failuresByCode {\n        code\n        runs\n      }\n      stageLatency {\n        stage\n        count\n        p50Ms\n        p95Ms\n      }\n      tokensByModel {\n        model\n        calls\n        promptTokens\n        completionTokens\n        totalTokens\n      }\n      timeline {\n        start\n        runs\n        failed\n      }\n      circuits {\n        model\n        state\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePipelines {\n    pipelines {\n      name\n      version\n      description\n      ruleIds\n      extractionModel\n      specializationModel\n    }\n  }\n"): (typeof documents)["\n  query ConsolePipelines {\n    pipelines {\n      name\n      version\n      description\n      ruleIds\n      extractionModel\n      specializationModel\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeskRun($text: String!, $pipeline: String) {\n    orchestrate(input: { text: $text, pipeline: $pipeline }) {\n      id\n      pipeline {\n        name\n        version\n      }\n      ... @defer {\n        extraction {\n          entities\n          model\n          latencyMs\n        }\n      }\n      ... @defer {\n        stage\n        specialization {\n          ...ConsoleVerdict\n        }\n        error {\n          code\n          message\n          retryable\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeskRun($text: String!, $pipeline: String) {\n    orchestrate(input: { text: $text, pipeline: $pipeline }) {\n      id\n      pipeline {\n        name\n        version\n      }\n      ... @defer {\n        extraction {\n          entities\n          model\n          latencyMs\n        }\n      }\n      ... @defer {\n        stage\n        specialization {\n          ...ConsoleVerdict\n        }\n        error {\n          code\n          message\n          retryable\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DeskProgress($runId: ID!) {\n    pipelineProgress(runId: $runId) {\n      ...ConsoleStageEvent\n    }\n  }\n"): (typeof documents)["\n  subscription DeskProgress($runId: ID!) {\n    pipelineProgress(runId: $runId) {\n      ...ConsoleStageEvent\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;