import type { PipelineStage } from '../gql/graphql.js';

/**
 * What the views and their helpers read, written out once: the generated
 * types of ./documents.ts must fit them (TypeScript checks it where a view
 * passes a result on), and the event shapes serve both a run's events and
 * the live ones.
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
