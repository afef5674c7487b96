import { z } from 'zod';
import { DEFAULT_MODEL_OPTIONS } from '../../gateway/types.js';

/**
 * The pipeline file format as a zod schema: one YAML file per pipeline.
 * Every object is strict, so a misspelt key (`fallback:` for `fallbacks:`) is
 * refused instead of silently meaning nothing. Defaults are filled here, so
 * writing a default out changes neither behaviour nor the version.
 * docs/pipelines.md describes the format for people.
 */

export const PIPELINE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const RULE_ID = /^[a-z][a-z0-9-]{0,62}$/;

/** Codes after which a stage may try its next model. */
export const FALLBACK_CODES = [
  'GATEWAY_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'GATEWAY_RATE_LIMITED',
  'MODEL_NOT_FOUND',
  'CIRCUIT_OPEN',
  'GATEWAY_REJECTED',
  'MODEL_OUTPUT_INVALID',
] as const;
export type FallbackCode = (typeof FALLBACK_CODES)[number];

export const DEFAULT_FALLBACK_ON: ReadonlyArray<FallbackCode> = [
  'GATEWAY_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'GATEWAY_RATE_LIMITED',
  'MODEL_NOT_FOUND',
  'CIRCUIT_OPEN',
];

// Every model shares the gateway's credentials: after these the next model would fail the same way.
const NEVER_FALLBACK_ON: Readonly<Record<string, string>> = {
  GATEWAY_AUTH_FAILED:
    'GATEWAY_AUTH_FAILED is never a reason to fall back: every model uses the same credentials, so the next one would be refused too',
  GATEWAY_FORBIDDEN:
    'GATEWAY_FORBIDDEN is never a reason to fall back: the OAuth client lacks the gateway permission for every model alike',
};

const fallbackCode = z.enum(FALLBACK_CODES, {
  error: (issue) =>
    (typeof issue.input === 'string' ? NEVER_FALLBACK_ON[issue.input] : undefined) ??
    `must be one of ${FALLBACK_CODES.join(', ')}`,
});

/** A model id before `${VAR}` resolution; checked as a model id once resolved. */
const modelRef = z.string().min(1, 'must not be empty').max(300, 'must be at most 300 characters');

/** A JSON Schema (2020-12): an object, or `true` / `false`. Compiled with Ajv after this shape check. */
const jsonSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())], {
  error: 'must be a JSON Schema: a mapping, or true / false',
});

const nonBlank = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`);

const optionsShape = {
  temperature: z.number().min(0).max(2).default(DEFAULT_MODEL_OPTIONS.temperature),
  maxTokens: z.number().int().min(1).max(100_000).default(DEFAULT_MODEL_OPTIONS.maxTokens),
};

const cacheShape = {
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600),
};

const stageShape = {
  model: modelRef,
  fallbacks: z.array(modelRef).max(5, 'at most 5 fallbacks: each adds a full attempt to the worst case').default([]),
  fallbackOn: z
    .array(fallbackCode)
    .default([...DEFAULT_FALLBACK_ON])
    // a set: order and repeats mean nothing, so they must not change the version
    .transform((codes) => FALLBACK_CODES.filter((c) => codes.includes(c))),
  prompt: nonBlank(20_000),
  responseFormat: z.enum(['json_object', 'json_schema']).default('json_object'),
  options: z.strictObject(optionsShape).prefault({}),
  cache: z.strictObject(cacheShape).optional(),
};

const extractionShape = {
  ...stageShape,
  schema: z.record(z.string(), z.unknown(), { error: 'must be a JSON Schema mapping with type: object' }),
};

const verdictShape = {
  isValid: z.boolean(),
  reason: nonBlank(1000),
  nextSteps: z.array(nonBlank(500)).max(20),
};

const ruleShape = {
  id: z.string().regex(RULE_ID, `must match ${RULE_ID.source}`),
  when: jsonSchema,
  require: jsonSchema,
  verdict: z.strictObject(verdictShape),
};

const expectedSpecializationShape = {
  isValid: z.boolean().optional(),
  reason: z.string().optional(),
  nextSteps: z.array(z.string()).optional(),
};

const expectShape = {
  extraction: z.record(z.string(), z.unknown(), { error: 'must be a mapping of entity fields' }).optional(),
  specialization: z.strictObject(expectedSpecializationShape).optional(),
};

const exampleShape = {
  text: z.string().refine((t) => t.trim() !== '', 'must not be blank'),
  expect: z.strictObject(expectShape).refine((e) => e.extraction !== undefined || e.specialization !== undefined, {
    message: 'must name extraction, specialization or both',
  }),
};

const fileShape = {
  description: nonBlank(500).optional(),
  extraction: z.strictObject(extractionShape),
  rules: z.array(z.strictObject(ruleShape)).max(200).default([]),
  specialization: z.strictObject(stageShape),
  examples: z.array(z.strictObject(exampleShape)).max(100).default([]),
};

export const pipelineFileSchema = z.strictObject(fileShape, {
  error: 'the file must hold one mapping with at least extraction and specialization',
});

export type PipelineFile = z.output<typeof pipelineFileSchema>;

/** The keys a mapping at a given place accepts, to name them when an unknown one is found. */
export const KEYS_AT: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
  [/^$/, Object.keys(fileShape)],
  [/^\/extraction$/, Object.keys(extractionShape)],
  [/^\/specialization$/, Object.keys(stageShape)],
  [/^\/(extraction|specialization)\/options$/, Object.keys(optionsShape)],
  [/^\/(extraction|specialization)\/cache$/, Object.keys(cacheShape)],
  [/^\/rules\/\d+$/, Object.keys(ruleShape)],
  [/^\/rules\/\d+\/verdict$/, Object.keys(verdictShape)],
  [/^\/examples\/\d+$/, Object.keys(exampleShape)],
  [/^\/examples\/\d+\/expect$/, Object.keys(expectShape)],
  [/^\/examples\/\d+\/expect\/specialization$/, Object.keys(expectedSpecializationShape)],
];
