import type { ChatMessage, ModelOptions, TokenUsage } from '../types.js';

/**
 * What differs between gateways: the URL, the auth header and the JSON shapes.
 * Retries, timeouts, the limiter and error codes are shared (`client.ts`).
 */
export interface WireFormat {
  /** 'bearer-token' when each call needs an OAuth token from the TokenProvider */
  readonly auth: 'bearer-token' | 'static';
  readonly url: URL;
  headers(token: string | undefined): Record<string, string>;
  body(modelId: string, messages: ChatMessage[], options: ModelOptions): string;
  /** undefined when the body is not a completion of this format */
  parse(body: unknown): { content: string; usage: TokenUsage; id: string | null } | undefined;
}

/** System prompts' JSON, by prompt: a bounded memo (a pipeline's prompts are few; a reload brings new ones) */
const systemJson = new Map<string, string>();
export const SYSTEM_JSON_MAX = 256;

/**
 * `JSON.stringify(messages)` for messages of `{role, content}`, the same
 * bytes, with each system prompt serialised once rather than on every call.
 * A stage's system prompt is the same long string every time (its rules, its
 * JSON Schema, quotes to escape): serialising it again was most of building a
 * request's body, about 2-3 us of the 3.5-4 on Node 20.
 */
export function messagesJson(messages: readonly ChatMessage[]): string {
  let json = '[';
  for (let i = 0; i < messages.length; i++) {
    const { role, content } = messages[i] as ChatMessage;
    const contentJson = role === 'system' ? systemPromptJson(content) : JSON.stringify(content);
    json += `${i === 0 ? '' : ','}{"role":${JSON.stringify(role)},"content":${contentJson}}`;
  }
  return `${json}]`;
}

/**
 * `JSON.stringify({ ...before, messages, ...after })`, the same bytes, with the
 * messages serialised by messagesJson (no key of `before` or `after` is `messages`).
 */
export function bodyJson(before: object, messages: readonly ChatMessage[], after: object): string {
  const head = JSON.stringify(before);
  const tail = JSON.stringify(after);
  return `${head === '{}' ? '{' : `${head.slice(0, -1)},`}"messages":${messagesJson(messages)}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`;
}

/**
 * The fields messagesJson writes, in its order. A field added to ChatMessage
 * fails to compile here, rather than being left out of every request.
 */
export const CHAT_MESSAGE_FIELDS: { readonly [K in keyof ChatMessage]-?: K } = { role: 'role', content: 'content' };

/** how many system prompts' JSON is remembered (at most SYSTEM_JSON_MAX) */
export function systemPromptsRemembered(): number {
  return systemJson.size;
}

function systemPromptJson(prompt: string): string {
  let json = systemJson.get(prompt);
  if (json === undefined) {
    if (systemJson.size >= SYSTEM_JSON_MAX) systemJson.clear();
    json = JSON.stringify(prompt);
    systemJson.set(prompt, json);
  }
  return json;
}

export function toUsage(prompt: unknown, completion: unknown): TokenUsage {
  const promptTokens = typeof prompt === 'number' && prompt >= 0 ? Math.round(prompt) : 0;
  const completionTokens = typeof completion === 'number' && completion >= 0 ? Math.round(completion) : 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

type Choices = { choices?: Array<{ message?: { content?: unknown } }> };

export function firstChoiceContent(body: unknown): string | undefined {
  const content = (body as Choices | null)?.choices?.[0]?.message?.content;
  return typeof content === 'string' ? content : undefined;
}
