import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
// ws's client, not the global WebSocket: Node 20 has that only behind --experimental-websocket (22+ unflagged)
import WebSocket from 'ws';
import { LocalEventBus } from '../../src/events/event-bus.js';
import { graphql } from '../gql/index.js';
import { collectSse, sseEvents, subscribeSse } from '../helpers/sse.js';
import { createTestApp, listen, serveTestApp } from '../helpers/test-app.js';

const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';
const FULL_HISTORY = ['RECEIVED', 'EXTRACTING', 'EXTRACTED', 'SPECIALIZING', 'COMPLETE'];

const Progress = graphql(`
  subscription Progress($runId: ID!) {
    pipelineProgress(runId: $runId) { runId seq stage at attempt message error { code } }
  }
`);

const AllEvents = graphql(`
  subscription AllEvents {
    pipelineEvents { runId seq stage }
  }
`);

const StartEager = graphql(`
  mutation StartEager($text: String!) {
    orchestrate(input: { text: $text, eager: true }) { id }
  }
`);

const StartLazy = graphql(`
  mutation StartLazy($text: String!) {
    orchestrate(input: { text: $text }) { id }
  }
`);

type ProgressEvent = { pipelineProgress: { seq: number; stage: string; runId: string } };

describe('pipelineProgress: history first, then live, no gap, no duplicate, then the end', () => {
  const live = serveTestApp();
  beforeEach(() => {
    live.t.sim.setLatency(0);
    live.t.sim.clearFaults();
  });

  it('a late subscriber to a finished run gets the whole history and the end', async () => {
    const run = await live.t.gql(StartEager, { text: SEED });
    const id = run.data?.orchestrate.id as string;
    await expect.poll(async () => (await live.t.app.runtime.store.get(id))?.stage).toBe('COMPLETE');
    const events = await collectSse<ProgressEvent>(await subscribeSse(live.server.url, print(Progress), { runId: id }));
    expect(events.map((e) => e.pipelineProgress.stage)).toEqual(FULL_HISTORY);
    expect(events.map((e) => e.pipelineProgress.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('subscribers joining at every moment of a run all see every event exactly once, in order', async () => {
    live.t.sim.setLatency(60);
    const run = await live.t.gql(StartLazy, { text: SEED });
    const id = run.data?.orchestrate.id as string;
    // subscribers join before, during and after the run; all must see the same history
    const joins: Promise<ProgressEvent[]>[] = [];
    const join = async () =>
      collectSse<ProgressEvent>(await subscribeSse(live.server.url, print(Progress), { runId: id }));
    joins.push(join());
    const finished = live.t.app.runtime.orchestrator.ensureStage(id, 'specialization');
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 10));
      joins.push(join());
    }
    await finished;
    joins.push(join());
    const seen = await Promise.all(joins);
    for (const events of seen) {
      expect(events.map((e) => e.pipelineProgress.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(events.map((e) => e.pipelineProgress.stage)).toEqual(FULL_HISTORY);
    }
  });

  it('ends after FAILED, with the error on the event', async () => {
    live.t.sim.fault({ kind: 'status', status: 400, model: 'sim-extractor' });
    const run = await live.t.gql(StartEager, { text: SEED });
    const id = run.data?.orchestrate.id as string;
    const events = await collectSse<{ pipelineProgress: { stage: string; error: { code: string } | null } }>(
      await subscribeSse(live.server.url, print(Progress), { runId: id }),
    );
    expect(events.map((e) => e.pipelineProgress.stage)).toEqual(['RECEIVED', 'EXTRACTING', 'FAILED']);
    expect(events.at(-1)?.pipelineProgress.error?.code).toBe('GATEWAY_REJECTED');
  });

  it('an unknown run id gets a clear error and the stream ends', async () => {
    const res = await subscribeSse(live.server.url, print(Progress), { runId: '00000000-0000-4000-8000-000000000000' });
    const all = [];
    for await (const e of sseEvents(res)) all.push(e);
    const first = all[0]?.data as { errors?: Array<{ extensions?: { code?: string } }> } | undefined;
    const errors = first?.errors;
    expect(errors?.[0]?.extensions?.code).toBe('RUN_NOT_FOUND');
    expect(all.at(-1)?.event).toBe('complete');
  });

  it('pipelineEvents streams every run live, for dashboards', async () => {
    const controller = new AbortController();
    const res = await subscribeSse(live.server.url, print(AllEvents), {}, controller.signal);
    const seen: Array<{ runId: string; stage: string }> = [];
    const reading = (async () => {
      try {
        for await (const e of sseEvents(res)) {
          if (e.event !== 'next') continue;
          seen.push((e.data as { data: { pipelineEvents: { runId: string; stage: string } } }).data.pipelineEvents);
        }
      } catch {
        // aborted below
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const a = (await live.t.gql(StartEager, { text: SEED })).data?.orchestrate.id;
    const b = (await live.t.gql(StartEager, { text: 'cancel booking XK4P9Q' })).data?.orchestrate.id;
    await expect
      .poll(() =>
        seen
          .filter((e) => e.stage === 'COMPLETE')
          .map((e) => e.runId)
          .sort(),
      )
      .toEqual([a, b].sort());
    controller.abort();
    await reading;
    expect(seen.filter((e) => e.runId === a).map((e) => e.stage)).toEqual(FULL_HISTORY);
  });

  it('works over WebSocket (graphql-ws) on the same path', async () => {
    const run = await live.t.gql(StartLazy, { text: SEED });
    const id = run.data?.orchestrate.id as string;
    const client = createClient({
      url: `${live.server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const stages: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        client.subscribe<ProgressEvent>(
          { query: print(Progress), variables: { runId: id } },
          {
            next: (v) => stages.push(v.data?.pipelineProgress.stage as string),
            error: reject,
            complete: resolve,
          },
        );
      });
      await new Promise((r) => setTimeout(r, 50));
      await live.t.app.runtime.orchestrator.ensureStage(id, 'specialization');
      await done;
      expect(stages).toEqual(FULL_HISTORY);
    } finally {
      await client.dispose();
    }
  });
});

describe('pipelineProgress when live events are lost (a pub/sub outage)', () => {
  it('fills the gap from the store: every event, once, in order', async () => {
    // a bus that loses every EXTRACTING and SPECIALIZING event on the way
    class LossyBus extends LocalEventBus {
      override publish(event: Parameters<LocalEventBus['publish']>[0]): void {
        if (event.stage !== 'EXTRACTING' && event.stage !== 'SPECIALIZING') super.publish(event);
      }
    }
    const t = await createTestApp({ deps: { bus: new LossyBus() } });
    const server = await listen(t.app);
    try {
      const id = (await t.gql(StartLazy, { text: SEED })).data?.orchestrate.id as string;
      const watching = subscribeSse(server.url, print(Progress), { runId: id }).then((res) =>
        collectSse<ProgressEvent>(res),
      );
      await new Promise((r) => setTimeout(r, 100));
      await t.app.runtime.orchestrator.ensureStage(id, 'specialization');
      const events = await watching;
      expect(events.map((e) => e.pipelineProgress.stage)).toEqual(FULL_HISTORY);
    } finally {
      await server.close(0);
      await t.sim.close();
    }
  });
});
