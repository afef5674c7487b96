import type { SimMessage } from './models.js';

/**
 * What the model endpoints accept, checked as strictly as a real gateway
 * would: an unknown field is refused rather than ignored, so a client that
 * drifts from the wire format (`max_tokens` in a Genesys body, a missing
 * role) fails in tests instead of in production.
 */

export interface ModelRequest {
  modelId: string;
  messages: SimMessage[];
  /** the schema of a json_schema response format: the answer is to be valid against it */
  responseSchema?: Record<string, unknown>;
}

export type Checked = { ok: true; request: ModelRequest } | { ok: false; message: string };

const ROLES: ReadonlySet<unknown> = new Set(['system', 'user', 'assistant']);
const FORMATS: ReadonlySet<unknown> = new Set(['json_object', 'json_schema', 'text']);
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(['role', 'content']);
const TYPE_FIELD: ReadonlySet<string> = new Set(['type']);
// json_schema, each as its service spells it: Genesys `{type, schema}`, OpenAI `{type, json_schema: {name, schema, ...}}`
const GENESYS_SCHEMA_FORMAT: ReadonlySet<string> = new Set(['type', 'schema']);
const OPENAI_SCHEMA_FORMAT: ReadonlySet<string> = new Set(['type', 'json_schema']);
const OPENAI_JSON_SCHEMA: ReadonlySet<string> = new Set(['name', 'schema', 'strict', 'description']);
const OPENAI_SCHEMA_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const GENESYS_FIELDS: ReadonlySet<string> = new Set(['modelId', 'messages', 'options']);
const GENESYS_OPTIONS: ReadonlySet<string> = new Set(['temperature', 'maxTokens', 'responseFormat']);
// What OpenAI-compatible clients commonly send besides the fields we check.
const OPENAI_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'temperature',
  'max_tokens',
  'max_completion_tokens',
  'response_format',
  'stream',
  'n',
  'top_p',
  'stop',
  'seed',
  'user',
  'presence_penalty',
  'frequency_penalty',
]);

class Invalid extends Error {}

/** `{modelId, messages, options?}` of `POST /api/v2/llm/gateway`. */
export function checkGenesysRequest(body: unknown): Checked {
  try {
    const b = record(body, 'the body');
    onlyFields(b, GENESYS_FIELDS, '');
    const modelId = nonEmptyString(b.modelId, 'modelId');
    const messages = checkMessages(b.messages);
    let responseSchema: Record<string, unknown> | undefined;
    if (b.options !== undefined) {
      const o = record(b.options, 'options');
      onlyFields(o, GENESYS_OPTIONS, 'options.');
      if (o.temperature !== undefined) temperature(o.temperature, 'options.temperature');
      if (o.maxTokens !== undefined) positiveInteger(o.maxTokens, 'options.maxTokens');
      if (o.responseFormat !== undefined)
        responseSchema = responseFormat(o.responseFormat, 'options.responseFormat', 'genesys');
    }
    return { ok: true, request: { modelId, messages, ...(responseSchema ? { responseSchema } : {}) } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, message: e.message };
    throw e;
  }
}

/** `{model, messages, temperature?, max_tokens?, response_format?}` of `POST /chat/completions`. */
export function checkOpenAIRequest(body: unknown): Checked {
  try {
    const b = record(body, 'the body');
    for (const key of Object.keys(b)) {
      if (!OPENAI_FIELDS.has(key)) throw new Invalid(`Unrecognized request argument supplied: ${key}`);
    }
    const modelId = nonEmptyString(b.model, 'model');
    const messages = checkMessages(b.messages);
    // OpenAI treats null as absent.
    if (b.temperature != null) temperature(b.temperature, 'temperature');
    if (b.max_tokens != null) positiveInteger(b.max_tokens, 'max_tokens');
    if (b.max_completion_tokens != null) positiveInteger(b.max_completion_tokens, 'max_completion_tokens');
    const responseSchema =
      b.response_format == null ? undefined : responseFormat(b.response_format, 'response_format', 'openai');
    if (b.stream != null && b.stream !== false) throw new Invalid('stream is not supported by the simulator');
    if (b.n != null && b.n !== 1) throw new Invalid('n must be 1');
    return { ok: true, request: { modelId, messages, ...(responseSchema ? { responseSchema } : {}) } };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, message: e.message };
    throw e;
  }
}

function checkMessages(value: unknown): SimMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new Invalid('messages must be a non-empty array');
  let hasUser = false;
  value.forEach((m: unknown, i) => {
    const msg = record(m, `messages[${i}]`);
    onlyFields(msg, MESSAGE_FIELDS, `messages[${i}].`);
    if (!ROLES.has(msg.role)) throw new Invalid(`messages[${i}].role must be one of system, user, assistant`);
    if (typeof msg.content !== 'string') throw new Invalid(`messages[${i}].content must be a string`);
    if (msg.role === 'user') hasUser = true;
  });
  if (!hasUser) throw new Invalid('messages must include a user message');
  return value as SimMessage[];
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function onlyFields(value: Record<string, unknown>, allowed: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(value)) if (!allowed.has(key)) throw new Invalid(`unknown field ${prefix}${key}`);
}

function nonEmptyString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Invalid(`${what} must be a non-empty string`);
  return value;
}

function temperature(value: unknown, what: string): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 2))
    throw new Invalid(`${what} must be a number from 0 to 2`);
}

function positiveInteger(value: unknown, what: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw new Invalid(`${what} must be a whole number of at least 1`);
}

/** Checks a response format; for json_schema, returns its schema. */
function responseFormat(
  value: unknown,
  what: string,
  dialect: 'genesys' | 'openai',
): Record<string, unknown> | undefined {
  const f = record(value, what);
  if (!FORMATS.has(f.type)) throw new Invalid(`${what}.type must be json_object, json_schema or text`);
  if (f.type !== 'json_schema') {
    onlyFields(f, TYPE_FIELD, `${what}.`);
    return undefined;
  }
  if (dialect === 'genesys') {
    onlyFields(f, GENESYS_SCHEMA_FORMAT, `${what}.`);
    return objectSchema(f.schema, `${what}.schema`);
  }
  onlyFields(f, OPENAI_SCHEMA_FORMAT, `${what}.`);
  const js = record(f.json_schema, `${what}.json_schema`);
  onlyFields(js, OPENAI_JSON_SCHEMA, `${what}.json_schema.`);
  if (typeof js.name !== 'string' || !OPENAI_SCHEMA_NAME.test(js.name)) {
    throw new Invalid(`${what}.json_schema.name must be 1-64 letters, digits, underscores or dashes`);
  }
  if (js.strict !== undefined && typeof js.strict !== 'boolean')
    throw new Invalid(`${what}.json_schema.strict must be a boolean`);
  if (js.description !== undefined && typeof js.description !== 'string') {
    throw new Invalid(`${what}.json_schema.description must be a string`);
  }
  return objectSchema(js.schema, `${what}.json_schema.schema`);
}

// The answer is one JSON object, so the schema must describe one.
function objectSchema(value: unknown, what: string): Record<string, unknown> {
  const schema = record(value, what);
  if (schema.type !== 'object') throw new Invalid(`${what} must be a JSON Schema of type object`);
  return schema;
}
