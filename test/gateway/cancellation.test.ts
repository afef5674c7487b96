import { describe, expect, it } from 'vitest';
import { extractionCall, rejection, until, useGateways, useSimulator } from './fixture.js';

/** docs/api.md "Call policy": "Waits end early when the run is cancelled". */

const sim = useSimulator();
const gateway = useGateways(sim);

/** far less than the 30 s the calls would take, with room for a busy machine */
const PROMPTLY_MS = 10_000;

describe('cancelling during a backoff sleep', () => {
  it('ends the call promptly with the abort reason, without another attempt', async () => {
    const { gateway: g } = gateway();
    sim.fault({ kind: 'status', status: 429, retryAfter: '30' });
    const controller = new AbortController();
    const reason = new Error('the run was cancelled');
    const call = extractionCall({ signal: controller.signal });
    const pending = g.complete(call);
    await until(() => call.notices.length === 2, 'the retry to be announced');
    expect(call.notices[1]?.waitMs, 'the client is sleeping out the 30 s Retry-After').toBe(30_000);

    const started = performance.now();
    controller.abort(reason);
    const error = await rejection(pending);

    expect(error, 'the caller sees its own abort reason').toBe(reason);
    expect(performance.now() - started, 'ended promptly, not after 30 s').toBeLessThan(PROMPTLY_MS);
    expect(sim.stats.modelCalls, 'no attempt after the cancellation').toBe(1);
  });
});

describe('cancelling while waiting in the limiter’s line', () => {
  it('removes the waiter at once, and it never takes a slot or calls the model', async () => {
    const { gateway: g, limiter } = gateway({ GATEWAY_MAX_CONCURRENCY: '1' });
    sim.fault({ kind: 'slow', ms: 300 });
    const holder = g.complete(extractionCall());
    await until(() => sim.stats.modelCalls === 1, 'the first call to reach the gateway');

    const controller = new AbortController();
    const reason = new Error('gave up waiting');
    const waiter = g.complete(extractionCall({ signal: controller.signal }));
    await until(() => limiter.waiting === 1, 'the second call to wait in line');
    expect(limiter.inFlight).toBe(1);

    controller.abort(reason);
    expect(await rejection(waiter)).toBe(reason);
    expect(limiter.waiting, 'the waiter left the line').toBe(0);

    await holder;
    expect(limiter.inFlight, 'the slot was not handed to the cancelled waiter').toBe(0);
    expect(sim.stats.modelCalls, 'the cancelled call never reached the gateway').toBe(1);
  });

  it('already aborted: the call never queues', async () => {
    const { gateway: g, limiter } = gateway();
    const reason = new Error('cancelled before it started');

    const error = await rejection(g.complete(extractionCall({ signal: AbortSignal.abort(reason) })));

    expect(error).toBe(reason);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.waiting).toBe(0);
    expect(sim.stats.modelCalls + sim.stats.tokenRequests).toBe(0);
  });
});

describe('cancelling during a slow request', () => {
  it('ends the call promptly with the abort reason and closes the request', async () => {
    const { gateway: g, limiter } = gateway({ GATEWAY_TIMEOUT_MS: '30000' });
    sim.fault({ kind: 'slow', ms: 30_000 });
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = g.complete(extractionCall({ signal: controller.signal }));
    await until(() => sim.stats.modelCalls === 1, 'the request to reach the gateway');

    const started = performance.now();
    controller.abort(reason);
    const error = await rejection(pending);

    expect(error).toBe(reason);
    expect(performance.now() - started, 'ended promptly, not after 30 s').toBeLessThan(PROMPTLY_MS);
    expect(limiter.inFlight, 'the slot was given back').toBe(0);
    await until(
      () => sim.stats.requests.some((r) => r.endpoint === 'model' && r.status === 'dropped'),
      'the simulator to see the client leave',
    );
    expect(sim.stats.modelCalls, 'a cancellation is not retried').toBe(1);
  });

  it('during the token request: ends the call promptly, and other callers still get the token', async () => {
    const { gateway: g, tokens } = gateway();
    sim.fault({ endpoint: 'token', kind: 'slow', ms: 300 });
    const controller = new AbortController();
    const reason = new Error('cancelled while the token was on its way');
    const cancelled = g.complete(extractionCall({ signal: controller.signal }));
    const patient = g.complete(extractionCall());
    await until(() => sim.stats.tokenRequests === 1, 'the token request');

    const started = performance.now();
    controller.abort(reason);
    expect(await rejection(cancelled)).toBe(reason);
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS);

    const answer = await patient;
    expect(answer.attempts, 'the shared token request was not cancelled for the others').toBe(1);
    expect(sim.stats.tokenRequests).toBe(1);
    expect(tokens?.requests).toBe(1);
  });
});
