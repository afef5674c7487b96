import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { metricValue } from '../helpers/metrics-text.js';
import { subscribeAndLeave } from '../helpers/sse.js';
import { createTestApp, listen, type TestApp } from '../helpers/test-app.js';
import { openRawSocket } from '../helpers/ws-protocol.js';

const PROGRESS = 'subscription Soak($runId: ID!) { pipelineProgress(runId: $runId) { seq stage } }';
const START = parse('mutation SoakStart($text: String!) { orchestrate(input: { text: $text }) { id } }');
const CYCLES = 2_000;

/** A full collection, so what is left on the heap is what is still referenced. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Timers alive in this process: a leaked subscription kept one (its resync) each. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe(`soak: ${CYCLES} clients open and leave subscriptions to a run that never moves`, () => {
  let t: TestApp;
  let server: RunningServer;
  let runId: string;
  beforeAll(async () => {
    // info: the captured debug log of thousands of requests would be most of the heap measured
    t = await createTestApp({ env: { LOG_LEVEL: 'info' } });
    server = await listen(t.app);
    runId = ((await t.gql(START, { text: 'cancel booking XK4P9Q' })).data as { orchestrate: { id: string } })
      .orchestrate.id;
  });
  afterAll(async () => {
    await server.close(0);
    await t.sim.close();
  });

  it('listeners, timers, the open gauge and the heap come back to where they were', async () => {
    const cycle = async (width: number, rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        // half over SSE, half over WebSocket (subscribe, first event, then the socket is dropped)
        await Promise.all(Array.from({ length: width }, () => subscribeAndLeave(server.url, PROGRESS, { runId })));
        const socket = await openRawSocket(server.url);
        for (let i = 0; i < width; i++) {
          socket.send({ id: `s${i}`, type: 'subscribe', payload: { query: PROGRESS, variables: { runId } } });
        }
        await Promise.all(Array.from({ length: width }, (_, i) => socket.next((m) => m.id === `s${i}`)));
        socket.terminate();
        await socket.closed;
      }
    };
    const settled = async () => {
      await expect.poll(() => t.app.runtime.bus.listenerCount({ runId }), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => metricValue(server.url, 'orchestrator_subscriptions_open')).toBe(0);
    };

    // warm up: connection pools, JIT, lazily built parts of the server
    await cycle(25, 4);
    await settled();
    collectGarbage();
    const before = { heap: process.memoryUsage().heapUsed, timers: timers() };

    await cycle(25, CYCLES / 50);
    await settled();
    collectGarbage();
    const after = { heap: process.memoryUsage().heapUsed, timers: timers() };

    // before the fix each left a resync timer and some 25 KB behind: 2,000 timers and ~50 MB here
    expect(after.timers - before.timers, 'timers left behind').toBeLessThan(20);
    expect((after.heap - before.heap) / 2 ** 20, 'heap growth, MB').toBeLessThan(16);
  }, 120_000);
});
