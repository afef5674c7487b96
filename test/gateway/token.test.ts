import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/gateway/errors.js';
import { createDispatcher } from '../../src/gateway/http.js';
import { TOKEN_EXPIRY_MARGIN_MS, TokenProvider } from '../../src/gateway/token-provider.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { extractionCall, gatewayFailure, genesysEnv, startGateway, type TestGateway } from './fixture.js';

/** docs/api.md "Call policy", the token line: cached, single flight, refreshed once on a 401. */

const TTL_SECONDS = 3600;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ tokenTtlSeconds: TTL_SECONDS });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A TokenProvider on its own clock, against the simulator's token endpoint. */
function provider(clock: { now: number } = { now: Date.now() }): TokenProvider {
  const dispatcher = createDispatcher();
  closers.push(() => dispatcher.close());
  return new TokenProvider({
    loginBaseUrl: sim.url,
    clientId: 'sim-client',
    clientSecret: 'sim-secret',
    dispatcher,
    timeoutMs: 5000,
    now: () => clock.now,
  });
}

function gateway(env: Record<string, string> = {}): TestGateway {
  const gw = startGateway(genesysEnv(sim, env));
  closers.push(() => gw.close());
  return gw;
}

describe('a token', () => {
  it('is cached until 60 s before expires_in runs out, then refreshed', async () => {
    const clock = { now: 1_000_000 };
    const tokens = provider(clock);

    const first = await tokens.get();
    clock.now += TTL_SECONDS * 1000 - TOKEN_EXPIRY_MARGIN_MS - 1;
    const stillCached = await tokens.get();
    expect(stillCached, 'the same token up to 60 s before expiry').toBe(first);
    expect(sim.stats.tokenRequests).toBe(1);

    clock.now += 1;
    const refreshed = await tokens.get();
    expect(refreshed, 'a new token within the last 60 s').not.toBe(first);
    expect(sim.stats.tokenRequests).toBe(2);
    expect(tokens.requests).toBe(2);
  });

  it('is sent as a bearer token and reused across model calls', async () => {
    const gw = gateway();
    await gw.gateway.complete(extractionCall());
    await gw.gateway.complete(extractionCall());

    const token = await gw.tokens?.get();
    expect(sim.stats.tokenRequests).toBe(1);
    expect(gw.wire.model().map((e) => e.requestHeaders.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
  });

  it('is requested as the contract says: Basic base64(id:secret), form grant_type=client_credentials', async () => {
    const gw = gateway();
    await gw.tokens?.get();

    const [request] = gw.wire.token();
    expect(request?.requestHeaders.authorization).toBe(
      `Basic ${Buffer.from('sim-client:sim-secret').toString('base64')}`,
    );
    expect(request?.requestHeaders['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.requestBody).toBe('grant_type=client_credentials');
  });
});

describe('token refresh is single flight', () => {
  it('1,000 concurrent get() on a cold cache send exactly one token request', async () => {
    const tokens = provider();

    const all = await Promise.all(Array.from({ length: 1000 }, () => tokens.get()));

    expect(new Set(all).size, 'every caller got the same token').toBe(1);
    expect(sim.stats.tokenRequests).toBe(1);
  });

  it('1,000 concurrent model calls on a cold cache send exactly one token request', async () => {
    const gw = gateway({ GATEWAY_MAX_CONCURRENCY: '1000' });

    const answers = await Promise.all(Array.from({ length: 1000 }, () => gw.gateway.complete(extractionCall())));

    expect(answers).toHaveLength(1000);
    expect(sim.stats.modelCalls).toBe(1000);
    expect(sim.stats.tokenRequests).toBe(1);
  });

  it('a failed refresh rejects every waiter, and the next get() tries again', async () => {
    const tokens = provider();
    sim.fault({ endpoint: 'token', kind: 'status', status: 503 });

    const outcomes = await Promise.allSettled(Array.from({ length: 1000 }, () => tokens.get()));

    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    const reasons = outcomes.map((o) => (o as PromiseRejectedResult).reason as GatewayError);
    expect(reasons.every((r) => r instanceof GatewayError && r.code === 'GATEWAY_UNAVAILABLE')).toBe(true);
    expect(new Set(reasons).size, 'they share the one failure').toBe(1);
    expect(sim.stats.tokenRequests).toBe(1);

    const token = await tokens.get();
    expect(token).toEqual(expect.any(String));
    expect(sim.stats.tokenRequests, 'the failure was not cached').toBe(2);
  });

  it('a token endpoint 503 is retried by the model call, within its attempts', async () => {
    const gw = gateway();
    sim.fault({ endpoint: 'token', kind: 'status', status: 503 });

    const answer = await gw.gateway.complete(extractionCall());

    expect(answer.attempts).toBe(2);
    expect(sim.stats.tokenRequests).toBe(2);
    expect(sim.stats.modelCalls, 'no model call without a token').toBe(1);
  });

  it('a token endpoint that stays down ends the call in GATEWAY_UNAVAILABLE after the last attempt', async () => {
    const gw = gateway();
    sim.fault({ endpoint: 'token', kind: 'status', status: 503, times: 10 });

    const error = await gatewayFailure(gw.gateway.complete(extractionCall()));

    expect(error.code).toBe('GATEWAY_UNAVAILABLE');
    expect(error.attempts).toBe(3);
    expect(sim.stats.tokenRequests).toBe(3);
    expect(sim.stats.modelCalls).toBe(0);
  });
});

describe('invalidate(token)', () => {
  it('drops the cached token when it is the one refused', async () => {
    const tokens = provider();
    const first = await tokens.get();

    tokens.invalidate(first);
    const second = await tokens.get();

    expect(second).not.toBe(first);
    expect(sim.stats.tokenRequests).toBe(2);
  });

  it('does not drop a newer cached token when a stale one is reported', async () => {
    const clock = { now: 1_000_000 };
    const tokens = provider(clock);
    const stale = await tokens.get();
    clock.now += TTL_SECONDS * 1000; // past the refresh point
    const fresh = await tokens.get();
    expect(fresh).not.toBe(stale);

    tokens.invalidate(stale);

    expect(await tokens.get(), 'the newer token is still cached').toBe(fresh);
    expect(sim.stats.tokenRequests).toBe(2);
  });
});
