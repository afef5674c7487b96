import type { ErrorCode } from '../errors.js';
import type { TokenUsage } from '../gateway/types.js';

export type { TokenUsage };

export const PIPELINE_STAGES = ['RECEIVED', 'EXTRACTING', 'EXTRACTED', 'SPECIALIZING', 'COMPLETE', 'FAILED'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** The two paid steps of a run. */
export type StageName = 'extraction' | 'specialization';

/** The stage a run is at while a step runs, and once it is done. */
export const RUNNING_STAGE: Readonly<Record<StageName, PipelineStage>> = {
  extraction: 'EXTRACTING',
  specialization: 'SPECIALIZING',
};
export const DONE_STAGE: Readonly<Record<StageName, PipelineStage>> = {
  extraction: 'EXTRACTED',
  specialization: 'COMPLETE',
};

export interface StageMetrics {
  model: string;
  usage: TokenUsage;
  latencyMs: number;
  /** model calls made for the stage: retries and the repair request included */
  attempts: number;
  /** the model's text as received (last answer), kept for audits */
  raw: string;
  correlationId: string | null;
  /** true when the answer came from the response cache: no call, zero usage */
  cached?: boolean;
  /** the run that paid for a cached answer */
  cachedFrom?: string | null;
  /** the models that failed before the one that answered (fallbacks), in order */
  modelsTried?: string[];
}

export interface ExtractionResult extends StageMetrics {
  entities: Record<string, unknown>;
}

export interface SpecializationVerdict {
  isValid: boolean;
  reason: string;
  nextSteps: string[];
}

/** The `model` of a specialization a rule decided: no model was called. */
export const RULES_MODEL = 'rules';

/** Who decided a verdict: the domain model, or one of the pipeline's rules (no call, no tokens). */
export type Decider = 'MODEL' | 'RULES';

export interface SpecializationResult extends StageMetrics, SpecializationVerdict {
  decidedBy: Decider;
  /** the rule that decided, when `decidedBy` is RULES */
  rule: string | null;
}

export interface PipelineError {
  code: ErrorCode;
  message: string;
  /** the stage at which the run failed: EXTRACTING or SPECIALIZING */
  stage: PipelineStage;
  retryable: boolean;
  /** for MODEL_OUTPUT_INVALID: the model's text, kept so nobody has to pay to see it again */
  raw?: string;
  /** tokens the failed stage still paid for (MODEL_OUTPUT_INVALID: both calls) */
  usage?: TokenUsage;
}

export const ZERO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}
