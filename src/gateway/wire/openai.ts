import type { ModelOptions } from '../types.js';
import type { WireFormat } from './wire-format.js';
import { bodyJson, firstChoiceContent, toUsage } from './wire-format.js';

/** `POST {base}/chat/completions` of any OpenAI-compatible gateway (LiteLLM, vLLM, Ollama). */
export function openaiWireFormat(baseUrl: string, apiKey: string | undefined): WireFormat {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  // local gateways such as Ollama take no key at all
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return {
    auth: 'static',
    url: new URL(`${baseUrl.replace(/\/+$/, '')}/chat/completions`),
    headers: () => headers,
    body: (modelId, messages, options) =>
      bodyJson({ model: modelId }, messages, {
        temperature: options.temperature,
        max_tokens: options.maxTokens,
        response_format: openaiFormat(options),
      }),
    parse(body) {
      const content = firstChoiceContent(body);
      if (content === undefined) return undefined;
      const b = body as { id?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
      return {
        content,
        usage: toUsage(b.usage?.prompt_tokens, b.usage?.completion_tokens),
        id: typeof b.id === 'string' ? b.id : null,
      };
    },
  };
}

/** OpenAI's structured output: `{type: "json_schema", json_schema: {name, schema}}`. */
function openaiFormat({ responseFormat: f }: ModelOptions): unknown {
  return f.type === 'json_schema' ? { type: 'json_schema', json_schema: { name: f.name, schema: f.schema } } : f;
}
