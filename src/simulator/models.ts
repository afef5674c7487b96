import { extractEntities } from './extract.js';
import { validateRequest } from './specialist.js';

/**
 * The simulated models as functions of the chat messages: what the assistant
 * would say, well-formed or in one of the broken ways real models answer.
 * Pure, no I/O.
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

export function answerAs(kind: ModelKind, messages: readonly SimMessage[], style: AnswerStyle = 'normal'): string {
  if (style === 'malformed') return MALFORMED;
  // Later user messages may be a repair request; the customer's text is the first one.
  const input = messages.find((m) => m.role === 'user')?.content ?? '';
  if (kind === 'extractor') {
    const entities = extractEntities(input);
    return style === 'wrong-shape' ? JSON.stringify(Object.values(entities)) : dress(JSON.stringify(entities), style);
  }
  if (style === 'wrong-shape') return '{"valid":"yes"}';
  return dress(JSON.stringify(validateRequest(entitiesIn(input))), style);
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
