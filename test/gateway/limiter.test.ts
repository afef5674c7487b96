import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../src/gateway/limiter.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { extractionCall, genesysEnv, rejection, startGateway } from './fixture.js';

/** docs/configuration.md GATEWAY_MAX_CONCURRENCY: "model calls in flight per process; the rest wait in line". */

describe('the line of the limiter', () => {
  it('grants waiters in the order they came (FIFO)', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire();
    const order: string[] = [];
    const waiters = ['a', 'b', 'c', 'd'].map((name) =>
      limiter.acquire().then((next) => {
        order.push(name);
        return next;
      }),
    );
    expect(limiter.waiting).toBe(4);

    release();
    for (const w of waiters) (await w)();

    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('skips a waiter that was cancelled, and the slot goes to the next one', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const cancelled = limiter.acquire(controller.signal);
    const next = limiter.acquire();

    controller.abort(new Error('gone'));
    await rejection(cancelled);
    expect(limiter.waiting).toBe(1);
    release();
    (await next)();

    expect(limiter.inFlight).toBe(0);
  });

  it('a release called twice frees one slot only', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const a = await limiter.acquire();
    await limiter.acquire();

    a();
    a();

    expect(limiter.inFlight).toBe(1);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});

describe('model calls in flight', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('never exceed GATEWAY_MAX_CONCURRENCY: 50 calls with a limit of 4', async () => {
    const gw = startGateway(genesysEnv(sim, { GATEWAY_MAX_CONCURRENCY: '4' }));
    sim.setLatency(20);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(gw.limiter.inFlight), 1);
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => gw.gateway.complete(extractionCall())));
      expect(answers).toHaveLength(50);
    } finally {
      clearInterval(sampler);
      await gw.close();
    }

    expect(samples.length, 'the sampler ran while the calls did').toBeGreaterThan(10);
    expect(Math.max(...samples), 'never more than 4 slots taken').toBe(4);
    expect(gw.wire.maxOpen, 'never more than 4 requests open on the wire').toBeLessThanOrEqual(4);
    expect(gw.wire.maxOpen, 'and the limit is used, not serialised').toBe(4);
    expect(gw.limiter.inFlight).toBe(0);
    expect(gw.limiter.waiting).toBe(0);
  });
});
