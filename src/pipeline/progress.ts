import { AppError } from '../errors.js';
import type { EventQueue } from '../events/event-queue.js';
import type { Orchestrator } from './orchestrator.js';
import { type StageEvent, TERMINAL_STAGES } from './run.js';

/**
 * A run's history, then its live events, with no gap and no duplicate: the
 * live subscription opens before the history is read, and live events the
 * history already holds are skipped by sequence number. Ends after COMPLETE
 * or FAILED.
 */
export async function* pipelineProgress(orchestrator: Orchestrator, runId: string): AsyncGenerator<StageEvent> {
  const live = orchestrator.bus.subscribe({ runId });
  try {
    const run = await orchestrator.store.get(runId);
    if (!run) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
    let last: StageEvent | undefined;
    for (const event of await orchestrator.store.events(runId)) {
      last = event;
      yield event;
    }
    if (last && TERMINAL_STAGES.has(last.stage)) return;
    const lastSeq = last?.seq ?? 0;
    let seen = lastSeq;
    for await (const event of untilShutdown(live, orchestrator.stopping)) {
      if (event.seq <= seen) continue;
      seen = event.seq;
      yield event;
      if (TERMINAL_STAGES.has(event.stage)) return;
    }
  } finally {
    live.close();
  }
}

const SHUTDOWN: unique symbol = Symbol('shutdown');

/** Every run's events, live, until the server shuts down. */
export function allEvents(orchestrator: Orchestrator): AsyncGenerator<StageEvent> {
  return untilShutdown(orchestrator.bus.subscribe('all'), orchestrator.stopping);
}

/**
 * Passes events through until a shutdown begins, then ends the stream with a
 * final SHUTTING_DOWN error, so a client knows to reconnect (to another
 * instance) rather than wait on a silent stream. Closes the source either way.
 */
async function* untilShutdown(source: EventQueue<StageEvent>, stopping: Promise<void>): AsyncGenerator<StageEvent> {
  const stopped = stopping.then((): typeof SHUTDOWN => SHUTDOWN);
  try {
    for (;;) {
      const next = await Promise.race([source.next(), stopped]);
      if (next === SHUTDOWN) {
        throw new AppError(
          'SHUTTING_DOWN',
          'The server is shutting down; subscribe again to continue (history is replayed).',
          true,
        );
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    source.close();
  }
}
