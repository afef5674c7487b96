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
