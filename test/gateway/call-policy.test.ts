import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { GatewayErrorCode } from '../../src/gateway/errors.js';
import { extractionCall, gatewayFailure, useGateways, useSimulator } from './fixture.js';

/** docs/api.md "Call policy" and "Error codes", one behaviour per describe, against the simulator. */

const sim = useSimulator();
const gateway = useGateways(sim);

const RETRIED: ReadonlyArray<readonly [number, GatewayErrorCode]> = [
  [408, 'GATEWAY_TIMEOUT'],
  [409, 'GATEWAY_UNAVAILABLE'],
  [429, 'GATEWAY_RATE_LIMITED'],
  [500, 'GATEWAY_UNAVAILABLE'],
  [502, 'GATEWAY_UNAVAILABLE'],
  [503, 'GATEWAY_UNAVAILABLE'],
  [504, 'GATEWAY_UNAVAILABLE'],
];

describe.each(RETRIED)('an HTTP %i from the model endpoint', (status, code) => {
  it('is retried, and the call answers when the next attempt succeeds', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'status', status });

    const answer = await g.complete(extractionCall());

    expect(sim.stats.modelCalls, 'model calls: the failed one and the retry').toBe(2);
    expect(answer.attempts, 'the answer counts both attempts').toBe(2);
    expect(JSON.parse(answer.content)).toMatchObject({ action: 'modify_flight' });
  });

  it(`ends in ${code} (retryable) after GATEWAY_MAX_ATTEMPTS attempts`, async () => {
    const { gateway: g, config } = gateway();
    sim.fault({ kind: 'status', status, times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(config.gateway.maxAttempts).toBe(3);
    expect(sim.stats.modelCalls, 'one model call per attempt').toBe(3);
    expect(error.code).toBe(code);
    expect(error.retryable, 'the caller may try again later').toBe(true);
    expect(error.attempts, 'attempts made, the first included').toBe(3);
    expect(error.status).toBe(status);
    expect(error.message, 'the message says how many attempts were made').toMatch(/after 3 attempts/);
  });
});

describe('a dropped connection', () => {
  it('is retried, and the call answers when the next attempt succeeds', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'drop' });

    const answer = await g.complete(extractionCall());

    expect(sim.stats.modelCalls).toBe(2);
    expect(answer.attempts).toBe(2);
  });

  it('ends in GATEWAY_UNAVAILABLE (retryable) after the last attempt', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'drop', times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls).toBe(3);
    expect(error.code).toBe('GATEWAY_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/could not be reached/);
  });

  it('is an AppError that keeps the network error as its cause, not only in its message', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'drop', times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(error).toBeInstanceOf(AppError);
    expect(error.httpStatus, 'answered as REST 503').toBe(503);
    expect(error.cause, 'the socket error, for the log').toBeInstanceOf(Error);
  });
});

describe('an attempt that outlives GATEWAY_TIMEOUT_MS', () => {
  it('is abandoned and retried, and the call answers when the next attempt is quick', async () => {
    // the quick attempt must not time out too, however busy the machine
    const { gateway: g } = gateway({ GATEWAY_TIMEOUT_MS: '2000' });
    sim.fault({ kind: 'slow', ms: 10_000 });

    const answer = await g.complete(extractionCall());

    expect(sim.stats.modelCalls).toBe(2);
    expect(answer.attempts).toBe(2);
  });

  it('ends in GATEWAY_TIMEOUT (retryable) when every attempt times out', async () => {
    const { gateway: g } = gateway({ GATEWAY_TIMEOUT_MS: '150' });
    sim.fault({ kind: 'slow', ms: 10_000, times: 10 });

    const started = performance.now();
    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls).toBe(3);
    expect(error.code).toBe('GATEWAY_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/150 ms/);
    expect(performance.now() - started, 'three 150 ms attempts end promptly, not after the 10 s answers').toBeLessThan(
      5000,
    );
  });

  it('ends in GATEWAY_UNAVAILABLE when only some attempts timed out (the last one among them)', async () => {
    // the 503 must come back within the timeout, however busy the machine
    const { gateway: g } = gateway({ GATEWAY_TIMEOUT_MS: '2000' });
    sim.fault({ kind: 'status', status: 503, retryAfterMs: 1 }, { kind: 'slow', ms: 10_000, times: 2 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls).toBe(3);
    expect(error.code, 'GATEWAY_TIMEOUT is for "every attempt timed out"').toBe('GATEWAY_UNAVAILABLE');
    expect(error.retryable).toBe(true);
  });
});

const NOT_RETRIED: ReadonlyArray<readonly [number, GatewayErrorCode, RegExp]> = [
  [400, 'GATEWAY_REJECTED', /rejected the request for "sim-extractor" \(HTTP 400\)/],
  [403, 'GATEWAY_FORBIDDEN', /llm:gateway:invoke/],
  [404, 'MODEL_NOT_FOUND', /no model "sim-extractor"/],
  [422, 'GATEWAY_REJECTED', /HTTP 422/],
  [418, 'GATEWAY_REJECTED', /HTTP 418/],
];

describe.each(NOT_RETRIED)('an HTTP %i from the model endpoint', (status, code, message) => {
  it(`is not retried: exactly one call, then ${code}`, async () => {
    const { gateway: g } = gateway();
    // more faults queued than attempts: a retry would be answered with the same status
    sim.fault({ kind: 'status', status, times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls, 'no retry of a 4xx we cannot fix').toBe(1);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(false);
    expect(error.attempts).toBe(1);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(message);
  });
});

describe('a model id the gateway does not know', () => {
  it('ends in MODEL_NOT_FOUND after one call, naming the id and the variables to check', async () => {
    const { gateway: g } = gateway();

    const error = await gatewayFailure(g.complete(extractionCall({ modelId: 'no-such-model' })));

    expect(sim.stats.modelCalls).toBe(1);
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain('"no-such-model"');
    expect(error.message).toContain('PRIMARY_MODEL_ID');
  });
});

describe('a 401 from the model endpoint (expired token)', () => {
  it('is answered by exactly one token refresh and one retry, and the call succeeds', async () => {
    const { gateway: g } = gateway();
    await g.complete(extractionCall());
    expect(sim.stats.tokenRequests).toBe(1);
    sim.expireTokens();

    const answer = await g.complete(extractionCall());

    expect(sim.stats.tokenRequests, 'one refresh for the refused token').toBe(2);
    expect(sim.stats.modelCalls, 'the first call, the refused attempt and its retry').toBe(3);
    expect(answer.attempts).toBe(2);
  });

  it('does not use up the retry budget: with GATEWAY_MAX_ATTEMPTS=1 the retry still happens', async () => {
    const { gateway: g } = gateway({ GATEWAY_MAX_ATTEMPTS: '1' });
    await g.complete(extractionCall());
    sim.expireTokens();

    const answer = await g.complete(extractionCall());

    expect(answer.attempts).toBe(2);
    expect(sim.stats.tokenRequests).toBe(2);
  });
});

describe('a 401 that survives a fresh token', () => {
  it('ends in GATEWAY_AUTH_FAILED after one refresh and one retry, not more', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'status', status: 401 }, { kind: 'status', status: 401 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(error.code).toBe('GATEWAY_AUTH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/fresh token/);
    expect(sim.stats.modelCalls, 'the refused attempt and one retry').toBe(2);
    expect(sim.stats.tokenRequests, 'the first token and one refresh').toBe(2);
  });
});

describe('wrong client credentials', () => {
  it('end in GATEWAY_AUTH_FAILED from the token endpoint, without any model call', async () => {
    const { gateway: g } = gateway({ GENESYS_CLIENT_SECRET: 'not-the-secret' });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(error.code).toBe('GATEWAY_AUTH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('GENESYS_CLIENT_SECRET');
    expect(error.message).toContain('invalid_client');
    expect(sim.stats.modelCalls, 'no model call without a token').toBe(0);
    expect(sim.stats.tokenRequests, 'refused credentials are not tried again').toBe(1);
  });
});

describe('GATEWAY_MAX_ATTEMPTS', () => {
  it('1: a 503 is not tried again', async () => {
    const { gateway: g } = gateway({ GATEWAY_MAX_ATTEMPTS: '1' });
    sim.fault({ kind: 'status', status: 503, times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls).toBe(1);
    expect(error.code).toBe('GATEWAY_UNAVAILABLE');
    expect(error.retryable, 'still worth trying later').toBe(true);
    expect(error.attempts).toBe(1);
  });

  it('5: a 503 is tried five times in all', async () => {
    const { gateway: g } = gateway({ GATEWAY_MAX_ATTEMPTS: '5' });
    sim.fault({ kind: 'status', status: 503, times: 10 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    expect(sim.stats.modelCalls).toBe(5);
    expect(error.attempts).toBe(5);
    expect(error.message).toMatch(/after 5 attempts/);
  });

  it('5: four failures then an answer succeed on the fifth attempt', async () => {
    const { gateway: g } = gateway({ GATEWAY_MAX_ATTEMPTS: '5' });
    sim.fault({ kind: 'status', status: 502, times: 4 });

    const answer = await g.complete(extractionCall());

    expect(sim.stats.modelCalls).toBe(5);
    expect(answer.attempts).toBe(5);
  });
});

describe('the inin-correlation-id the gateway sends', () => {
  it('is carried by a GatewayError', async () => {
    const { gateway: g, wire } = gateway();
    sim.fault({ kind: 'status', status: 400 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    const sent = wire.model()[0]?.responseHeaders['inin-correlation-id'];
    expect(sent, 'the simulator sends a correlation id').toEqual(expect.any(String));
    expect(error.correlationId).toBe(sent);
  });

  it('is the last attempt’s on an error after retries', async () => {
    const { gateway: g, wire } = gateway();
    sim.fault({ kind: 'status', status: 503, times: 3 });

    const error = await gatewayFailure(g.complete(extractionCall()));

    const ids = wire.model().map((e) => e.responseHeaders['inin-correlation-id']);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size, 'one id per answer').toBe(3);
    expect(error.correlationId).toBe(ids[2]);
  });

  it('is carried by an answer', async () => {
    const { gateway: g, wire } = gateway();

    const answer = await g.complete(extractionCall());

    expect(answer.correlationId).toBe(wire.model()[0]?.responseHeaders['inin-correlation-id']);
  });
});

describe('the attempts of a call', () => {
  it('are announced through onAttempt, numbered 1, 2, ..., a retry saying why and how long it waits', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'status', status: 503 }, { kind: 'status', status: 429, retryAfterMs: 5 });
    const call = extractionCall();

    await g.complete(call);

    expect(call.notices.map((n) => n.attempt)).toEqual([1, 2, 3]);
    expect(call.notices[0]?.reason, 'the first attempt needs no reason').toBeUndefined();
    expect(call.notices[1]?.reason).toMatch(/HTTP 503/);
    expect(call.notices[1]?.reason).toMatch(/waiting 0 ms before attempt 2/);
    expect(call.notices[2]).toMatchObject({ attempt: 3, waitMs: 5 });
    expect(call.notices[2]?.reason).toMatch(/HTTP 429.*waiting 5 ms before attempt 3/);
  });

  it('are logged, one line each, with model, status and correlation id', async () => {
    const { gateway: g, logs } = gateway();
    sim.fault({ kind: 'status', status: 503 });

    await g.complete(extractionCall());

    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const attempts = lines.filter((l) => String(l.msg).startsWith('gateway attempt'));
    expect(attempts.map((l) => [l.attempt, l.status, l.level])).toEqual([
      [1, 503, 'warn'],
      [2, 200, 'info'],
    ]);
    expect(attempts.every((l) => l.model === 'sim-extractor' && typeof l.correlationId === 'string')).toBe(true);
  });
});
