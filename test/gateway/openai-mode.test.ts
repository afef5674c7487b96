import { describe, expect, it } from 'vitest';
import { extractionCall, gatewayFailure, useGateways, useSimulator } from './fixture.js';

/** GATEWAY_MODE=openai: the same call policy over `POST {OPENAI_BASE_URL}/chat/completions`. */

const sim = useSimulator();
const gateway = useGateways(sim, 'openai');

describe('a call in openai mode', () => {
  it('answers with the usage mapped from prompt_tokens and completion_tokens', async () => {
    const { gateway: g, wire, tokens } = gateway();

    const answer = await g.complete(extractionCall());

    const [exchange] = wire.model();
    expect(exchange?.path).toBe('/openai/v1/chat/completions');
    const body = JSON.parse(exchange?.responseBody ?? '{}') as {
      id: string;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(answer.usage).toEqual({
      promptTokens: body.usage.prompt_tokens,
      completionTokens: body.usage.completion_tokens,
      totalTokens: body.usage.prompt_tokens + body.usage.completion_tokens,
    });
    expect(answer.usage.promptTokens).toBeGreaterThan(0);
    expect(answer.responseId).toBe(body.id);
    expect(JSON.parse(answer.content)).toEqual({ action: 'modify_flight', date: 'next Tuesday', seat: '14A' });
    expect(tokens, 'no OAuth token provider in openai mode').toBeUndefined();
    expect(sim.stats.tokenRequests).toBe(0);
  });

  it('sends the OpenAI body and the key as a bearer credential', async () => {
    const { gateway: g, wire } = gateway();

    await g.complete(extractionCall({ options: { maxTokens: 123 } }));

    const [exchange] = wire.model();
    expect(exchange?.requestHeaders.authorization).toBe('Bearer sim-openai-key');
    expect(JSON.parse(exchange?.requestBody ?? '{}')).toMatchObject({
      model: 'sim-extractor',
      max_tokens: 123,
      temperature: 0.1,
      response_format: { type: 'json_object' },
    });
  });
});

describe('a 429 in openai mode', () => {
  it('is retried the same way, and the call answers', async () => {
    const { gateway: g } = gateway();
    const call = extractionCall();
    sim.fault({ kind: 'status', status: 429, retryAfterMs: 10 });

    const answer = await g.complete(call);

    expect(sim.stats.modelCalls).toBe(2);
    expect(answer.attempts).toBe(2);
    expect(call.notices[1]?.waitMs).toBe(10);
  });

  it('ends in GATEWAY_RATE_LIMITED after the last attempt', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'status', status: 429, times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls).toBe(3);
    expect(error.code).toBe('GATEWAY_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
  });
});

describe('a wrong key in openai mode', () => {
  it('ends in GATEWAY_AUTH_FAILED after one call, the message naming OPENAI_API_KEY', async () => {
    const { gateway: g } = gateway({ OPENAI_API_KEY: 'not-the-key' });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(error.code).toBe('GATEWAY_AUTH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(401);
    expect(sim.stats.modelCalls, 'a static key cannot be refreshed: no retry').toBe(1);
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.message, 'there is no token to speak of in openai mode').not.toMatch(/fresh token/);
  });
});

describe('an unknown model in openai mode', () => {
  it('ends in MODEL_NOT_FOUND after one call', async () => {
    const { gateway: g } = gateway();

    const error = await gatewayFailure(g.complete(extractionCall({ modelId: 'gpt-nothing' })));

    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(sim.stats.modelCalls).toBe(1);
  });
});
