import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { graphql } from '../gql/index.js';
import { startServerProcess } from '../helpers/server-process.js';
import { simulatorEnv } from '../helpers/test-app.js';

const ExtractOnly = graphql(`
  mutation SignalBurstExtract($text: String!) {
    orchestrate(input: { text: $text }) { id extraction { entities } }
  }
`);

const post = (url: string, variables: Record<string, unknown>) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(ExtractOnly), variables }),
  });

const CANCELLED = { entities: { action: 'cancel_booking', bookingReference: 'XK4P9Q' } };
/** what the server logs when it takes a signal as "stop now" */
const FORCED = 'second signal: exiting at once';

// a SIGTERM to the process group of `npm start` (systemd's default, `kill -- -PGID`) reaches
// the server directly and again relayed by npm, milliseconds apart
describe('shutdown signals, as a supervisor sends them', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.resetStats();
    sim.clearFaults();
  });

  const env = () => simulatorEnv(sim, { SHUTDOWN_GRACE_MS: '60000', GATEWAY_TIMEOUT_MS: '60000', LOG_LEVEL: 'info' });

  it('is one shutdown: the stage in flight completes, the client gets its answer, npm exits 0', async () => {
    const server = await startServerProcess(env(), { npmStart: true });
    sim.fault({ kind: 'slow', ms: 3000, model: 'sim-extractor' });
    const pending = post(server.url, { text: 'cancel booking XK4P9Q' });
    await expect.poll(() => sim.stats.modelCalls, { timeout: 30_000 }).toBe(1);

    server.signal('SIGTERM');

    const answered = (await (await pending).json()) as { data: { orchestrate: { extraction: unknown } } };
    expect(answered.data.orchestrate.extraction).toEqual(CANCELLED);
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toContain(FORCED);
  }, 90_000);

  it('a repeat soon after the first, of the same or another signal, is the same shutdown', async () => {
    const server = await startServerProcess(env());
    sim.fault({ kind: 'slow', ms: 3000, model: 'sim-extractor' });
    const pending = post(server.url, { text: 'cancel booking XK4P9Q' });
    await expect.poll(() => sim.stats.modelCalls, { timeout: 30_000 }).toBe(1);

    server.signal('SIGTERM');
    // the first is taken (not merged by the kernel with the next): repeat it at once, as a relay does
    await expect.poll(() => server.output(), { timeout: 30_000 }).toContain('shutting down');
    server.signal('SIGTERM');
    server.signal('SIGINT');

    const answered = (await (await pending).json()) as { data: { orchestrate: { extraction: unknown } } };
    expect(answered.data.orchestrate.extraction).toEqual(CANCELLED);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('signal repeated');
    expect(server.output()).not.toContain(FORCED);
  }, 90_000);

  it('a deliberate second signal, later, still exits at once, without waiting for the stage', async () => {
    const server = await startServerProcess(env(), { npmStart: true });
    // slower than the test's own timeout: only a forced exit ends this test in time
    sim.fault({ kind: 'slow', ms: 120_000, model: 'sim-extractor' });
    const pending = post(server.url, { text: 'cancel booking XK4P9Q' }).then(
      (res) => res.status,
      () => 'connection closed',
    );
    await expect.poll(() => sim.stats.modelCalls, { timeout: 30_000 }).toBe(1);

    server.signal('SIGTERM');
    await expect.poll(() => server.output(), { timeout: 30_000 }).toContain('shutting down');
    // well past the window in which a repeat counts as the same signal
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(server.output()).not.toContain(FORCED);
    server.signal('SIGTERM');

    expect(await server.exited).not.toBe(0);
    expect(server.output()).toContain(FORCED);
    expect(await pending).toBe('connection closed');
  }, 90_000);
});
