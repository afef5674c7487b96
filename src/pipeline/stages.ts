import { z } from 'zod';
import type { AttemptNotice, ChatMessage, Gateway, ModelAnswer, ModelOptions } from '../gateway/types.js';
import { StageFailure } from './failures.js';
import { checkModelOutput } from './output.js';
import { addUsage, type ExtractionResult, type SpecializationResult, type SpecializationVerdict } from './types.js';

/**
 * The two paid steps, as plain functions of a gateway: prompts, options and
 * output checking. They know nothing of runs, storage or GraphQL; the
 * orchestrator, the REST route and the CLI all call them through it.
 */

export const EXTRACTION_SYSTEM_PROMPT = [
  "You extract a contact-centre customer's request into JSON.",
  'Answer with one JSON object only, no prose and no code fences.',
  'Use an "action" key naming the intent in snake_case (for example modify_flight, request_refund, change_address, cancel_booking, baggage_issue, or unknown),',
  'and camelCase keys for each entity stated by the customer (date, time, seat, flightNumber, bookingReference, amount, currency, email, phone, address).',
  'Keep the customer\'s own wording for dates such as "next Tuesday". Do not invent values that were not stated.',
].join(' ');

export const SPECIALIZATION_SYSTEM_PROMPT = [
  'You are a domain specialist for a contact centre.',
  'Validate the extracted customer request against the business rules.',
  'Answer with one JSON object only, no prose and no code fences, of exactly this shape:',
  '{"isValid": boolean, "reason": string, "nextSteps": string[]}.',
  '"reason" explains the decision in one sentence; "nextSteps" lists what the agent should do next.',
].join(' ');

export const extractionSchema = z.record(z.string(), z.unknown());
export const specializationSchema: z.ZodType<SpecializationVerdict> = z.object({
  isValid: z.boolean(),
  reason: z.string(),
  nextSteps: z.array(z.string()),
});

export interface StageCallOptions {
  modelId: string;
  signal?: AbortSignal;
  /** attempt numbers count on across a repair request: 1, 2 ... for the whole stage */
  onAttempt?: (notice: AttemptNotice) => void;
  logContext?: Record<string, string | number | undefined>;
}

export async function runExtraction(gateway: Gateway, text: string, o: StageCallOptions): Promise<ExtractionResult> {
  const { value, metrics } = await callForJson(gateway, o, {
    messages: [
      { role: 'system', content: EXTRACTION_SYSTEM_PROMPT },
      { role: 'user', content: text },
    ],
    options: {},
    schema: extractionSchema,
  });
  return { entities: value, ...metrics };
}

export async function runSpecialization(
  gateway: Gateway,
  entities: Record<string, unknown>,
  o: StageCallOptions,
): Promise<SpecializationResult> {
  const { value, metrics } = await callForJson(gateway, o, {
    messages: [
      { role: 'system', content: SPECIALIZATION_SYSTEM_PROMPT },
      {
        role: 'user',
        content: `Extracted request (JSON): ${JSON.stringify(entities)}\nValidate it and answer with the JSON object.`,
      },
    ],
    options: { maxTokens: 300 },
    schema: specializationSchema,
  });
  return { ...value, ...metrics };
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
        o.onAttempt?.({
          ...n,
          attempt: attemptsSoFar + n.attempt,
          reason: n.attempt === 1 ? (firstReason ?? n.reason) : n.reason,
        }),
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
