import { z } from 'zod';
import { AppError } from '../errors.js';

/** The input of a run, checked once at the edge for every entry point (GraphQL, REST, CLI). */
export interface OrchestrateInput {
  text: string;
  idempotencyKey?: string | null;
  primaryModelId?: string | null;
  secondaryModelId?: string | null;
  eager?: boolean | null;
  /** a pipeline's name; the default pipeline when absent */
  pipeline?: string | null;
}

const modelId = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\w.:/@+-]+$/, 'may hold letters, digits and . : / @ + - _ only');

/**
 * A character a person can see: not white space, not a control, not one of
 * Unicode's default-ignorable code points (zero-width space and joiners, word
 * joiner, BOM, soft hyphen, bidi marks, variation selectors, Hangul fillers,
 * tags...), not the blank braille pattern. Text without one is blank.
 */
const VISIBLE = /[^\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/u;
/** In unicode mode a well-formed pair is one code point: only a surrogate on its own matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

// built once per limit: building a zod schema per request was a tenth of a run's CPU
const schemas = new Map<number, ReturnType<typeof buildInputSchema>>();

function inputSchema(maxInputChars: number) {
  let schema = schemas.get(maxInputChars);
  if (!schema) {
    schema = buildInputSchema(maxInputChars);
    schemas.set(maxInputChars, schema);
  }
  return schema;
}

function buildInputSchema(maxInputChars: number) {
  return z.object({
    text: z
      .string({ error: 'is required' })
      // refused rather than stored: UTF-8 (SQLite, Redis, the gateway) would silently turn it into U+FFFD
      .refine((t) => !LONE_SURROGATE.test(t), 'must be well-formed Unicode: it holds a lone surrogate')
      .refine((t) => VISIBLE.test(t), 'must not be blank')
      .refine((t) => t.length <= maxInputChars, `must be at most ${maxInputChars} characters (MAX_INPUT_CHARS)`),
    idempotencyKey: z
      .string()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .nullish(),
    primaryModelId: modelId.nullish(),
    secondaryModelId: modelId.nullish(),
    eager: z.boolean().nullish(),
    // checked against the pipelines served (PIPELINE_NOT_FOUND); bounded here so nothing long is echoed
    pipeline: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
  });
}

/**
 * Validates raw input; throws BAD_USER_INPUT naming the field at fault. A
 * model id must be one the operator allows: each id is a paid call and a
 * metric series, so a client may not invent them.
 */
export function parseOrchestrateInput(
  raw: unknown,
  maxInputChars: number,
  allowedModelIds: ReadonlySet<string>,
): OrchestrateInput {
  const result = inputSchema(maxInputChars).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'input';
    throw new AppError('BAD_USER_INPUT', `${field} ${issue?.message ?? 'is invalid'}`);
  }
  for (const field of ['primaryModelId', 'secondaryModelId'] as const) {
    const id = result.data[field];
    if (id != null && !allowedModelIds.has(id)) {
      throw new AppError('BAD_USER_INPUT', `${field} "${id}" is not a model this server allows (ALLOWED_MODEL_IDS)`);
    }
  }
  return result.data;
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Run ids are UUIDs; anything else is refused before it reaches a store. */
export function parseRunId(id: string): string {
  if (!RUN_ID.test(id)) throw new AppError('BAD_USER_INPUT', 'id must be a run id (a UUID)');
  return id.toLowerCase();
}
