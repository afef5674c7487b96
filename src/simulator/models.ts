import { extractEntities } from './extract.js';
import { pipelineVerdict } from './pipeline-specialist.js';
import { schemaInMessages, specialistRequest } from './prompt-format.js';
import { extractWithSchema } from './schema-extract.js';
import { validateRequest } from './specialist.js';

/**
 * The simulated models as functions of the chat messages: what the assistant
 * would say, well-formed or in one of the broken ways real models answer.
 * Pure, no I/O.
 *
 * They answer every shipped pipeline (pipelines/*.yaml): the extractor reads
 * the entity schema it is sent (in the system message, or a json_schema
 * response format) and fills it from the customer's words; the specialist
 * reads the entities and the rules already passed. Requests without those
 * (older clients, the tutorial's prompts) get the travel answers as before.
 * Deterministic stand-ins, not language models: prompt-format.ts says what
 * they read, vocabulary.ts what words they know.
 */

export { extractEntities } from './extract.js';
export { type Verdict, validateRequest } from './specialist.js';

export type ModelKind = 'extractor' | 'specialist';
export type AnswerStyle = 'normal' | 'fenced' | 'chatty' | 'malformed' | 'wrong-shape';

export interface SimMessage {
  role: string;
  content: string;
}

// No braces or brackets, so no lenient parser can dig an object out of it.
const MALFORMED = 'The customer seems to want help with their trip (simulated malformed output, not JSON)';

/**
 * `responseSchema` is the schema of a json_schema response format, if the
 * request had one; else the system message's schema, if any, is used.
 */
export function answerAs(
  kind: ModelKind,
  messages: readonly SimMessage[],
  style: AnswerStyle = 'normal',
  responseSchema?: Record<string, unknown>,
): string {
  if (style === 'malformed') return MALFORMED;
  // Later user messages may be a repair request; the customer's text is the first one.
  const input = messages.find((m) => m.role === 'user')?.content ?? '';
  if (kind === 'extractor') {
    const schema = responseSchema ?? schemaInMessages(messages);
    const entities = schema ? extractWithSchema(input, schema) : extractEntities(input);
    return style === 'wrong-shape' ? JSON.stringify(Object.values(entities)) : dress(JSON.stringify(entities), style);
  }
  if (style === 'wrong-shape') return '{"valid":"yes"}';
  const request = specialistRequest(input);
  const verdict = request ? pipelineVerdict(request.entities, request.passed) : validateRequest(entitiesIn(input));
  return dress(JSON.stringify(verdict), style);
}

function dress(json: string, style: AnswerStyle): string {
  if (style === 'fenced') return `\`\`\`json\n${json}\n\`\`\``;
  if (style === 'chatty')
    return `Sure! Here is the JSON you asked for:\n${json}\nLet me know if you need anything else.`;
  return json;
}

/**
 * The outermost `{...}` of the specialist's prompt. A prompt may wrap the
 * entities (`{"entities": {...}}`), so a nested object with an `action` counts too.
 * No object: empty entities, which the rules answer as an unknown request.
 */
export function entitiesIn(prompt: string): Record<string, unknown> {
  const start = prompt.indexOf('{');
  const end = prompt.lastIndexOf('}');
  if (start < 0 || end < start) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(prompt.slice(start, end + 1));
  } catch {
    return {};
  }
  if (!isRecord(parsed)) return {};
  if (typeof parsed.action === 'string') return parsed;
  for (const value of Object.values(parsed)) {
    if (isRecord(value) && typeof value.action === 'string') return value;
  }
  return parsed;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
