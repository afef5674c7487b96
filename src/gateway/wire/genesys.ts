import { copyWith } from '../../copy-with.js';
import type { ModelOptions } from '../types.js';
import type { WireFormat } from './wire-format.js';
import { bodyJson, firstChoiceContent, toUsage } from './wire-format.js';

/** `POST {api}/api/v2/llm/gateway` with a bearer token from client credentials. */
export function genesysWireFormat(apiBaseUrl: string): WireFormat {
  return {
    auth: 'bearer-token',
    url: new URL('/api/v2/llm/gateway', `${apiBaseUrl}/`),
    headers: (token) => ({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    }),
    body: (modelId, messages, options) =>
      bodyJson({ modelId }, messages, { options: copyWith(options, { responseFormat: genesysFormat(options) }) }),
    parse(body) {
      const content = firstChoiceContent(body);
      if (content === undefined) return undefined;
      const b = body as { id?: unknown; usage?: { promptTokens?: unknown; completionTokens?: unknown } };
      return {
        content,
        usage: toUsage(b.usage?.promptTokens, b.usage?.completionTokens),
        id: typeof b.id === 'string' ? b.id : null,
      };
    },
  };
}

/** Genesys takes a structured-output schema as `{type: "json_schema", schema}`. */
function genesysFormat({ responseFormat: f }: ModelOptions): unknown {
  return f.type === 'json_schema' ? { type: 'json_schema', schema: f.schema } : f;
}
