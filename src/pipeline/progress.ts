import { AppError } from '../errors.js';
import type { Orchestrator } from './orchestrator.js';
import { type StageEvent, TERMINAL_STAGES } from './run.js';

/** How often a quiet live stream re-reads the store, in case a live event was lost (a pub/sub outage). */
const RESYNC_MS = 5_000;

/**
 * A run's history, then its live events, with no gap and no duplicate: the
 * live subscription opens before the history is read, and live events the
 * history already holds are skipped by sequence number. A gap in the live
 * sequence (or a quiet spell) is filled from the store, which holds every
 * event, so a lost live message delays an event but never drops it. Ends
 * after COMPLETE or FAILED.
 */
export async function* pipelineProgress(orchestrator: Orchestrator, runId: string): AsyncGenerator<StageEvent> {
  const { store } = orchestrator;
  const live = orchestrator.bus.subscribe({ runId });
  const off = orchestrator.onStop(() => live.fail(shuttingDown()));
  let seen = 0;
  let ended = false;
  // yields the events not seen yet, in order, and notes whether the run has ended
  function* fresh(events: StageEvent[]) {
    for (const event of events) {
      if (event.seq <= seen) continue;
      seen = event.seq;
      ended = TERMINAL_STAGES.has(event.stage);
      yield event;
    }
  }
  try {
    const run = await store.get(runId);
    if (!run) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
    // a FAILED run can be resumed: only the last event of the history says whether it has ended
    yield* fresh(await store.events(runId));
    // one pending read of the live queue at a time: a read left behind by a resync would swallow an event
    let pending = live.next();
    while (!ended) {
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<typeof RESYNC>((resolve) => {
        timer = setTimeout(() => resolve(RESYNC), RESYNC_MS);
      });
      const next = await Promise.race([pending, quiet]);
      clearTimeout(timer);
      if (next === RESYNC) {
        yield* fresh(await store.events(runId, seen).catch(() => []));
        continue;
      }
      if (next.done) return;
      pending = live.next();
      if (next.value.seq > seen + 1) yield* fresh(await store.events(runId, seen).catch(() => []));
      yield* fresh([next.value]);
    }
  } finally {
    off();
    live.close();
  }
}

const RESYNC: unique symbol = Symbol('resync');

function shuttingDown(): AppError {
  return new AppError(
    'SHUTTING_DOWN',
    'The server is shutting down; subscribe again to continue (history is replayed).',
    { retryable: true },
  );
}

/** Every run's events, live, until the server shuts down; then a final SHUTTING_DOWN error. */
export async function* allEvents(orchestrator: Orchestrator): AsyncGenerator<StageEvent> {
  const live = orchestrator.bus.subscribe('all');
  const off = orchestrator.onStop(() => live.fail(shuttingDown()));
  try {
    yield* live;
  } finally {
    off();
    live.close();
  }
}
