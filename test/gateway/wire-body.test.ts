import { describe, expect, it } from 'vitest';
import type { ChatMessage, ModelOptions } from '../../src/gateway/types.js';
import { genesysWireFormat } from '../../src/gateway/wire/genesys.js';
import { openaiWireFormat } from '../../src/gateway/wire/openai.js';
import {
  bodyJson,
  CHAT_MESSAGE_FIELDS,
  messagesJson,
  SYSTEM_JSON_MAX,
  systemPromptsRemembered,
} from '../../src/gateway/wire/wire-format.js';

// strings JSON escapes: quotes, backslashes, control characters, lone surrogates, and text that looks like JSON
const AWKWARD = [
  '',
  'plain words',
  'a "quoted" word, a \\ backslash, a tab\tand a newline\n',
  '\u0000\u001f\u007f control characters',
  'lone surrogates \ud800 and \udfff, a pair 😀, accents é ü',
  '{"type":"object","properties":{"seat":{"type":"string"}}}',
  '"messages":[],"options":{}',
];

const conversations: ChatMessage[][] = [
  [],
  ...AWKWARD.map((content): ChatMessage[] => [
    { role: 'system', content: `${content} as the system prompt` },
    { role: 'user', content },
  ]),
  [
    { role: 'system', content: AWKWARD[2] as string },
    { role: 'user', content: AWKWARD[4] as string },
    { role: 'assistant', content: AWKWARD[5] as string },
    { role: 'user', content: AWKWARD[3] as string },
  ],
];

const options: ModelOptions[] = [
  { temperature: 0.1, maxTokens: 500, responseFormat: { type: 'json_object' } },
  { temperature: 0, maxTokens: 1, responseFormat: { type: 'text' } },
  {
    temperature: 1.5,
    maxTokens: 4096,
    responseFormat: {
      type: 'json_schema',
      name: 'entities "x"',
      schema: { type: 'object', properties: { seat: { type: 'string', description: AWKWARD[4] } } },
    },
  },
];

describe('request bodies', () => {
  it('messagesJson writes the bytes JSON.stringify writes, the second time (from its memo) too', () => {
    for (const messages of conversations) {
      expect(messagesJson(messages)).toBe(JSON.stringify(messages));
      expect(messagesJson(messages)).toBe(JSON.stringify(messages));
    }
  });

  it('bodyJson is JSON.stringify of the messages between the other keys, whichever side is empty', () => {
    for (const messages of conversations) {
      expect(bodyJson({ a: 1, b: 'x"y' }, messages, { c: [1, null], d: { e: true } })).toBe(
        JSON.stringify({ a: 1, b: 'x"y', messages, c: [1, null], d: { e: true } }),
      );
      expect(bodyJson({}, messages, {})).toBe(JSON.stringify({ messages }));
      expect(bodyJson({ a: 1 }, messages, {})).toBe(JSON.stringify({ a: 1, messages }));
      expect(bodyJson({}, messages, { c: 2 })).toBe(JSON.stringify({ messages, c: 2 }));
      // a key whose value JSON leaves out, as it did before
      expect(bodyJson({ a: undefined }, messages, { c: undefined })).toBe(JSON.stringify({ messages }));
    }
  });

  it('the Genesys and OpenAI bodies are the objects they always sent, serialised by JSON.stringify', () => {
    const genesys = genesysWireFormat('https://api.example.test');
    const openai = openaiWireFormat('https://gateway.example.test/v1', undefined);
    for (const messages of conversations) {
      for (const o of options) {
        const f = o.responseFormat;
        expect(genesys.body('model "a"', messages, o)).toBe(
          JSON.stringify({
            modelId: 'model "a"',
            messages,
            options: { ...o, responseFormat: f.type === 'json_schema' ? { type: f.type, schema: f.schema } : f },
          }),
        );
        expect(openai.body('model "a"', messages, o)).toBe(
          JSON.stringify({
            model: 'model "a"',
            messages,
            temperature: o.temperature,
            max_tokens: o.maxTokens,
            response_format:
              f.type === 'json_schema' ? { type: f.type, json_schema: { name: f.name, schema: f.schema } } : f,
          }),
        );
      }
    }
  });

  it('writes every field of a message, in the order JSON.stringify of a message literal does', () => {
    expect(Object.keys(CHAT_MESSAGE_FIELDS)).toEqual(['role', 'content']);
    const message: ChatMessage = { role: 'user', content: 'x' };
    expect(Object.keys(JSON.parse(messagesJson([message]))[0])).toEqual(Object.keys(CHAT_MESSAGE_FIELDS));
  });

  it('keeps its memo of system prompts bounded, and still right after it is emptied', () => {
    for (let i = 0; i < SYSTEM_JSON_MAX * 2 + 3; i++) {
      const messages: ChatMessage[] = [{ role: 'system', content: `prompt "${i}"` }];
      expect(messagesJson(messages)).toBe(JSON.stringify(messages));
      expect(systemPromptsRemembered()).toBeLessThanOrEqual(SYSTEM_JSON_MAX);
    }
    expect(systemPromptsRemembered()).toBeGreaterThan(0);
    const first: ChatMessage[] = [{ role: 'system', content: 'prompt "0"' }];
    expect(messagesJson(first)).toBe(JSON.stringify(first));
  });
});
