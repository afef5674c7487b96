import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import type { SpecializationVerdict } from '../types.js';
import type { FallbackCode } from './file-format.js';
import type { JsonSchema } from './json-schema.js';

/**
 * A pipeline as the rest of the server uses it. `definition` is the part that
 * decides behaviour (models resolved, defaults filled, prompts trimmed): a run
 * stores it, `resumeRun` recompiles it, and the version is its hash.
 */

export interface StageDefinition {
  /** resolved: no `${VAR}` left */
  model: string;
  fallbacks: string[];
  /** a set, in the canonical order of FALLBACK_CODES */
  fallbackOn: FallbackCode[];
  /** the stage's system message, trimmed */
  prompt: string;
  responseFormat: 'json_object' | 'json_schema';
  options: { temperature: number; maxTokens: number };
  cache?: { ttlSeconds: number };
}

export interface ExtractionDefinition extends StageDefinition {
  /** JSON Schema 2020-12 of the entities */
  schema: Record<string, unknown>;
}

export interface RuleDefinition {
  id: string;
  when: JsonSchema;
  require: JsonSchema;
  verdict: SpecializationVerdict;
}

export interface PipelineDefinition {
  extraction: ExtractionDefinition;
  rules: RuleDefinition[];
  specialization: StageDefinition;
}

export interface PipelineExample {
  text: string;
  expect: {
    extraction?: Record<string, unknown>;
    specialization?: Partial<SpecializationVerdict>;
  };
}

export interface CompiledRule {
  readonly id: string;
  readonly verdict: Readonly<SpecializationVerdict>;
  readonly when: ValidateFunction;
  readonly require: ValidateFunction;
}

export type EntityCheck = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

export interface CompiledPipeline {
  readonly name: string;
  /** first 12 hex digits of the sha256 of the canonical JSON of `definition` */
  readonly version: string;
  readonly description?: string;
  /** deep-frozen plain data, safe to store as JSON */
  readonly definition: Readonly<PipelineDefinition>;
  readonly rules: ReadonlyArray<CompiledRule>;
  /** not part of the version: they describe behaviour, they do not change it */
  readonly examples: ReadonlyArray<PipelineExample>;
  /** every model id named by either stage, fallbacks included */
  readonly modelIds: ReadonlySet<string>;
  /**
   * The entity schema as a zod schema, for the stage's output check: each
   * issue reads `/seat must match pattern "..."`, ready for a repair request.
   */
  readonly entities: z.ZodType<Record<string, unknown>>;
  /** Checks extracted entities; `problem` lists every failure, `/pointer message; ...`. */
  checkEntities(value: unknown): EntityCheck;
}
