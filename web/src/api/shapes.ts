import type { TypedDocumentNode } from '@urql/core';
import type { PipelineStage } from '../gql/graphql.js';

/**
 * What the views read, as shapes both sets of operations satisfy: those on
 * today's schema (./documents.ts) and those that also select the pipeline
 * fields (../pipelines/documents.ts). The pipeline bits are optional here;
 * TypeScript checks that each set's generated types fit.
 */

export type { PipelineStage };
export type Decider = 'MODEL' | 'RULES';

export interface PipelineRef {
  name: string;
  version: string;
}

export interface PipelineInfo extends PipelineRef {
  description?: string | null;
  extractionModel: string;
  specializationModel: string;
  ruleIds: readonly string[];
}

export interface RunErrorShape {
  code: string;
  message: string;
  stage: PipelineStage;
  retryable: boolean;
}

export interface EventShape {
  seq: number;
  stage: PipelineStage;
  at: string;
  attempt?: number | null;
  message?: string | null;
  error?: RunErrorShape | null;
}

export interface VerdictShape {
  isValid: boolean;
  reason: string;
  nextSteps: readonly string[];
  model: string;
  decidedBy?: Decider;
  rule?: string | null;
}

export interface UsageShape {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface RowNode {
  id: string;
  text: string;
  stage: PipelineStage;
  createdAt: string;
  error?: RunErrorShape | null;
  extraction?: { model: string; latencyMs: number } | null;
  specialization?: {
    model: string;
    latencyMs: number;
    isValid: boolean;
    decidedBy?: Decider;
    rule?: string | null;
  } | null;
  usage: { totalTokens: number };
  events: ReadonlyArray<{ at: string }>;
  pipeline?: PipelineRef;
}

export interface DetailNode {
  id: string;
  text: string;
  stage: PipelineStage;
  createdAt: string;
  error?: RunErrorShape | null;
  extraction?: {
    entities: unknown;
    model: string;
    latencyMs: number;
    attempts: number;
    usage: UsageShape;
  } | null;
  specialization?: (VerdictShape & { latencyMs: number; attempts: number; usage: UsageShape }) | null;
  usage: UsageShape;
  events: readonly EventShape[];
  pipeline?: PipelineRef;
}

export interface TryShape {
  orchestrate: {
    id: string;
    pipeline?: PipelineRef;
    extraction?: { entities: unknown; model: string; latencyMs: number } | null;
    stage?: PipelineStage;
    specialization?: VerdictShape | null;
    error?: { code: string; message: string; retryable: boolean } | null;
  };
}

export interface RunsPageVars {
  first: number;
  after?: string | null;
  stage?: PipelineStage | null;
  pipeline?: string | null;
}

export interface TryVars {
  text: string;
  pipeline?: string | null;
}

/** The operations the views send: today's, or the pipeline-aware ones (see ../features.ts). */
export interface ConsoleOperations {
  runsPage: TypedDocumentNode<
    {
      runs: {
        edges: ReadonlyArray<{ cursor: string; node: RowNode }>;
        pageInfo: { endCursor?: string | null; hasNextPage: boolean };
      };
    },
    RunsPageVars
  >;
  runDetail: TypedDocumentNode<{ run?: DetailNode | null }, { id: string }>;
  /** "Try it": the run with its extraction and verdict each in a deferred payload */
  tryRun: TypedDocumentNode<TryShape, TryVars>;
  /** the pipelines the server serves, for the pickers; absent before the pipeline fields land */
  pipelines?: TypedDocumentNode<{ pipelines: readonly PipelineInfo[] }, Record<string, never>>;
}
