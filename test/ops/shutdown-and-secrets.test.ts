import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { graphql } from '../gql/index.js';
import { startServerProcess } from '../helpers/server-process.js';
import { sseEvents } from '../helpers/sse.js';

const CLIENT_SECRET = 'planted-Secret-9d8c7b6a';
const API_KEY = 'planted-ApiKey-1a2b3c4d';

const ExtractOnly = graphql(`
  mutation ShutdownExtract($text: String!) {
    orchestrate(input: { text: $text }) { id extraction { entities } }
  }
`);

const ReadBack = graphql(`
  query ShutdownReadBack($id: ID!) {
    run(id: $id) { stage extraction { entities } }
  }
`);

const Everything = graphql(`
  subscription ShutdownWatch {
    pipelineEvents { runId stage }
  }
`);

const post = (url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });

describe('SIGTERM in the middle of a slow stage, as a real process', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ clientSecret: CLIENT_SECRET });
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-sigterm-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    GENESYS_CLIENT_ID: 'sim-client',
    GENESYS_CLIENT_SECRET: CLIENT_SECRET,
    GENESYS_LOGIN_BASE_URL: sim.url,
    GENESYS_API_BASE_URL: sim.url,
    PRIMARY_MODEL_ID: 'sim-extractor',
    SECONDARY_MODEL_ID: 'sim-specialist',
    SQLITE_PATH: join(dir, 'runs.sqlite'),
    API_KEYS: `desk:orchestrate:${API_KEY}`,
    // far more than the 1.2 s stage needs, however busy the machine
    SHUTDOWN_GRACE_MS: '20000',
    LOG_LEVEL: 'trace',
  });

  it('finishes and stores the stage, ends subscriptions with a final message, exits 0; nothing leaks a secret', async () => {
    const server = await startServerProcess(env());
    const watch = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query: print(Everything) }),
    });
    const watched: Array<{ event: string; data: unknown }> = [];
    const watching = (async () => {
      for await (const e of sseEvents(watch)) watched.push(e);
    })();

    sim.fault({ kind: 'slow', ms: 1200, model: 'sim-extractor' });
    const pending = post(server.url, print(ExtractOnly), { text: 'cancel booking XK4P9Q' });
    await expect.poll(() => sim.stats.modelCalls).toBe(1);
    server.proc.kill('SIGTERM');

    await expect.poll(async () => (await fetch(`${server.url}/ready`)).status).toBe(503);
    const refused = await post(server.url, print(ExtractOnly), { text: 'too late' });
    expect(refused.status).toBe(503);

    const answered = (await (await pending).json()) as { data: { orchestrate: { id: string; extraction: unknown } } };
    expect(answered.data.orchestrate.extraction).toEqual({
      entities: { action: 'cancel_booking', bookingReference: 'XK4P9Q' },
    });
    expect(await server.exited).toBe(0);
    await watching;
    const last = watched.filter((e) => e.event === 'next').at(-1)?.data as {
      errors?: Array<{ extensions: { code: string } }>;
    };
    expect(last?.errors?.[0]?.extensions.code).toBe('SHUTTING_DOWN');
    expect(watched.at(-1)?.event).toBe('complete');

    // the stage's result was stored before exit: a new process reads it back without a call
    sim.resetStats();
    const again = await startServerProcess(env());
    const read = (await (await post(again.url, print(ReadBack), { id: answered.data.orchestrate.id })).json()) as {
      data: { run: { stage: string; extraction: unknown } };
    };
    expect(read.data.run.stage).toBe('EXTRACTED');
    expect(sim.stats.modelCalls).toBe(0);
    // a wrong key and a token refused by the gateway both pass through logs too
    await post(again.url, print(ReadBack), { id: answered.data.orchestrate.id }, { authorization: 'Bearer wrong-key' });
    sim.expireTokens();
    await post(again.url, print(ExtractOnly), { text: 'refund booking XK4P9Q 20 EUR' });
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    const everything = server.output() + again.output();
    expect(everything).toContain('gateway attempt');
    expect(everything).not.toContain(CLIENT_SECRET);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(Buffer.from(`sim-client:${CLIENT_SECRET}`).toString('base64'));
    expect(everything).not.toMatch(/Bearer (?!\[redacted\])[A-Za-z0-9]/);
  }, 40_000);
});
