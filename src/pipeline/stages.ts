import { z } from 'zod';
import { copyWith } from '../copy-with.js';
import type { AttemptNotice, ChatMessage, Gateway, ModelAnswer, ModelOptions } from '../gateway/types.js';
import type { ExtractionDefinition, StageDefinition } from './definition/types.js';
import { StageFailure } from './failures.js';
import { checkModelOutput } from './output.js';
import { extractionMessages, extractionOptions, specializationMessages, specializationOptions } from './prompts.js';
import { addUsage, type ExtractionResult, type SpecializationResult, type SpecializationVerdict } from './types.js';

/**
 * The two paid steps, as plain functions of a gateway: prompts, options and
 * output checking, from a pipeline's definition (or the built-in prompts when
 * none is given). They know nothing of runs, storage or GraphQL; the
 * orchestrator, the REST route and the CLI all call them through it.
 */

export { EXTRACTION_SYSTEM_PROMPT, SPECIALIZATION_SYSTEM_PROMPT } from './prompts.js';

export const extractionSchema = z.record(z.string(), z.unknown());
export const specializationSchema: z.ZodType<SpecializationVerdict> = z.object({
  isValid: z.boolean(),
  reason: z.string(),
  nextSteps: z.array(z.string()),
});

/** Bounds on what an extraction may hand the domain model, so a crafted utterance cannot grow its prompt. */
export interface EntityBounds {
  /** longest string value (MAX_ENTITY_CHARS) */
  maxChars: number;
  /** most keys, counted through nested objects and arrays */
  maxKeys: number;
}

export const DEFAULT_ENTITY_BOUNDS: EntityBounds = { maxChars: 500, maxKeys: 50 };

export interface StageCallOptions {
  modelId: string;
  signal?: AbortSignal;
  /** attempt numbers count on across a repair request: 1, 2 ... for the whole stage */
  onAttempt?: (notice: AttemptNotice) => void;
  logContext?: Record<string, string | number | undefined>;
}

export interface ExtractionCall extends StageCallOptions {
  /** the pipeline's extraction stage: prompt, entity schema, options */
  stage?: ExtractionDefinition;
  /** the pipeline's check of the entities (its JSON Schema), with messages for a repair request */
  entities?: z.ZodType<Record<string, unknown>>;
  bounds?: EntityBounds;
}

export interface SpecializationCall extends StageCallOptions {
  stage?: StageDefinition;
  /** the rules that passed, told to the model so it need not check them again */
  passedRules?: readonly string[];
}

export async function runExtraction(gateway: Gateway, text: string, o: ExtractionCall): Promise<ExtractionResult> {
  const { value, metrics } = await callForJson(gateway, o, {
    messages: extractionMessages(text, o.stage),
    options: extractionOptions(o.stage),
    schema: boundedEntities(o.entities ?? extractionSchema, o.bounds ?? DEFAULT_ENTITY_BOUNDS),
  });
  return { entities: value, ...metrics };
}

export async function runSpecialization(
  gateway: Gateway,
  entities: Record<string, unknown>,
  o: SpecializationCall,
): Promise<SpecializationResult> {
  const { value, metrics } = await callForJson(gateway, o, {
    messages: specializationMessages(entities, o.passedRules ?? [], o.stage),
    options: specializationOptions(o.stage),
    schema: specializationSchema,
  });
  // the verdict's fields named (the model's answer is not the server's to copy whole; and a literal that
  // starts with a spread is slow on Node 20: copy-with.ts)
  const { isValid, reason, nextSteps } = value;
  return { isValid, reason, nextSteps, ...metrics, decidedBy: 'MODEL', rule: null };
}

/** Bounded checks already built, per entity schema and bounds: built once, not for every extraction. */
const bounded = new WeakMap<z.ZodType<Record<string, unknown>>, Map<string, z.ZodType<Record<string, unknown>>>>();

/** The entity check, plus the bounds: a string too long or too many keys is a problem the model is told of. */
function boundedEntities(
  schema: z.ZodType<Record<string, unknown>>,
  bounds: EntityBounds,
): z.ZodType<Record<string, unknown>> {
  const key = `${bounds.maxChars}:${bounds.maxKeys}`;
  let byBounds = bounded.get(schema);
  if (!byBounds) {
    byBounds = new Map();
    bounded.set(schema, byBounds);
  }
  let check = byBounds.get(key);
  if (!check) {
    check = buildBoundedEntities(schema, bounds);
    byBounds.set(key, check);
  }
  return check;
}

function buildBoundedEntities(
  schema: z.ZodType<Record<string, unknown>>,
  bounds: EntityBounds,
): z.ZodType<Record<string, unknown>> {
  return schema.superRefine((value, ctx) => {
    let keys = 0;
    const visit = (v: unknown, path: string) => {
      if (typeof v === 'string' && v.length > bounds.maxChars) {
        ctx.addIssue({ code: 'custom', message: `${path || '/'} is longer than ${bounds.maxChars} characters` });
      } else if (Array.isArray(v)) {
        for (const [i, item] of v.entries()) visit(item, `${path}/${i}`);
      } else if (typeof v === 'object' && v !== null) {
        for (const [k, item] of Object.entries(v)) {
          keys++;
          visit(item, `${path}/${k}`);
        }
      }
    };
    visit(value, '');
    if (keys > bounds.maxKeys) ctx.addIssue({ code: 'custom', message: `more than ${bounds.maxKeys} keys` });
  });
}

interface JsonRequest<T> {
  messages: ChatMessage[];
  options: Partial<ModelOptions>;
  schema: z.ZodType<T>;
}

/**
 * Calls the model and checks its answer; on a bad answer asks once more with
 * the problem stated, then gives up with MODEL_OUTPUT_INVALID and the raw text.
 */
async function callForJson<T>(gateway: Gateway, o: StageCallOptions, req: JsonRequest<T>) {
  let attemptsSoFar = 0;
  const call = (messages: ChatMessage[], firstReason?: string) =>
    gateway.complete({
      modelId: o.modelId,
      messages,
      options: req.options,
      signal: o.signal,
      logContext: o.logContext,
      onAttempt: (n) =>
        o.onAttempt?.(
          copyWith(n, {
            attempt: attemptsSoFar + n.attempt,
            reason: n.attempt === 1 ? (firstReason ?? n.reason) : n.reason,
          }),
        ),
    });

  const first = await call(req.messages);
  attemptsSoFar = first.attempts;
  const checked = checkModelOutput(first.content, req.schema);
  if (checked.ok) return { value: checked.value, metrics: metricsOf([first]) };

  const repair: ChatMessage[] = [
    ...req.messages,
    { role: 'assistant', content: first.content },
    {
      role: 'user',
      content: `Your answer could not be used: ${checked.problem}. Answer again with only the JSON object, nothing else.`,
    },
  ];
  const second = await call(repair, `model output was not usable (${checked.problem}); asking the model once more`);
  const rechecked = checkModelOutput(second.content, req.schema);
  if (rechecked.ok) return { value: rechecked.value, metrics: metricsOf([first, second]) };
  throw new StageFailure(
    'MODEL_OUTPUT_INVALID',
    `Model "${o.modelId}" did not answer with a usable JSON object after one repair request: ${rechecked.problem}.`,
    { retryable: false, raw: second.content, usage: metricsOf([first, second]).usage },
  );
}

function metricsOf(answers: ModelAnswer[]) {
  const last = answers[answers.length - 1] as ModelAnswer;
  return {
    model: last.modelId,
    usage: answers.map((a) => a.usage).reduce(addUsage),
    latencyMs: answers.reduce((t, a) => t + a.latencyMs, 0),
    attempts: answers.reduce((t, a) => t + a.attempts, 0),
    raw: last.content,
    correlationId: last.correlationId,
  };
}
