import { AppError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { EventQueue } from '../events/event-queue.js';
import type { RunStore } from '../store/run-store.js';
import { type StageEvent, TERMINAL_STAGES } from './run.js';

/** What progress streams read: stored history, live events, and the start of a drain. */
export interface ProgressSource {
  runs: Pick<RunStore, 'get' | 'events'>;
  bus: EventBus;
  /** calls `fn` when a drain begins; returns the way to unregister */
  onStop(fn: () => void): () => void;
}

/** How often a quiet live stream re-reads the store, in case a live event was lost (a pub/sub outage). */
const RESYNC_MS = 5_000;

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * A run's history, then its live events, with no gap and no duplicate: the
 * live subscription opens before the history is read, and live events the
 * history already holds are skipped by sequence number. A gap in the live
 * sequence (or a quiet spell) is filled from the store, which holds every
 * event, so a lost live message delays an event but never drops it. Ends
 * after COMPLETE or FAILED; on a drain, with a final SHUTTING_DOWN error.
 */
export function pipelineProgress(source: ProgressSource, runId: string): AsyncIterableIterator<StageEvent> {
  return new ProgressStream(source, runId);
}

/**
 * Written by hand rather than as an async generator: a generator hears
 * `return()` only at its next `yield`, and a run resting at RECEIVED may never
 * yield again, so every client that left would keep its listener, timer and
 * queue for as long as the run stays still. Here `return()` releases them at
 * once, even while a `next()` waits, and that `next()` resolves done.
 * One reader: `next()` is not called again before the last one settles.
 */
class ProgressStream implements AsyncIterableIterator<StageEvent> {
  private readonly live: EventQueue<StageEvent>;
  private readonly offStop: () => void;
  /** events read from the store or the bus, not handed out yet */
  private readonly ready: StageEvent[] = [];
  private seen = 0;
  /** whether the last event read ends the run (a FAILED run can be resumed: only the last one says) */
  private ended = false;
  private replayed = false;
  private released = false;
  /** one pending read of the live queue at a time: a read left behind by a resync would swallow an event */
  private pending: Promise<IteratorResult<StageEvent>> | undefined;
  private resync: NodeJS.Timeout | undefined;
  /** settles the `next()` in progress as done when the stream is released under it */
  private interrupt: (() => void) | undefined;

  constructor(
    private readonly source: ProgressSource,
    private readonly runId: string,
  ) {
    this.live = source.bus.subscribe({ runId });
    this.offStop = source.onStop(() => this.live.fail(shuttingDown()));
  }

  async next(): Promise<IteratorResult<StageEvent>> {
    if (this.released) return DONE;
    const released = new Promise<typeof DONE>((resolve) => {
      this.interrupt = () => resolve(DONE);
    });
    try {
      // a store read in progress cannot be called back: its answer, when it comes, is dropped
      return await Promise.race([this.read(), released]);
    } catch (err) {
      this.release();
      throw err;
    } finally {
      this.interrupt = undefined;
    }
  }

  return(): Promise<IteratorResult<StageEvent>> {
    this.release();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async read(): Promise<IteratorResult<StageEvent>> {
    while (!this.released) {
      const event = this.ready.shift();
      if (event) return { value: event, done: false };
      if (this.ended) break;
      if (this.replayed) await this.waitLive();
      else await this.replay();
    }
    this.release();
    return DONE;
  }

  private async replay(): Promise<void> {
    const store = this.source.runs;
    const run = await store.get(this.runId);
    if (!run) throw new AppError('RUN_NOT_FOUND', `No run has the id ${this.runId}.`);
    this.take(await store.events(this.runId));
    this.replayed = true;
  }

  private async waitLive(): Promise<void> {
    this.pending ??= this.live.next();
    const quiet = new Promise<typeof RESYNC>((resolve) => {
      this.resync = setTimeout(resolve, RESYNC_MS, RESYNC);
    });
    let next: IteratorResult<StageEvent> | typeof RESYNC;
    try {
      next = await Promise.race([this.pending, quiet]);
    } finally {
      clearTimeout(this.resync);
    }
    if (next === RESYNC) return this.catchUp();
    this.pending = undefined;
    // the queue ends only when this stream closed it
    if (next.done) return this.release();
    if (next.value.seq > this.seen + 1) await this.catchUp();
    this.take([next.value]);
  }

  private async catchUp(): Promise<void> {
    this.take(await this.source.runs.events(this.runId, this.seen).catch(() => []));
  }

  /** queues the events not seen yet, in order, and notes whether the run has ended */
  private take(events: StageEvent[]): void {
    if (this.released) return;
    for (const event of events) {
      if (event.seq <= this.seen) continue;
      this.seen = event.seq;
      this.ended = TERMINAL_STAGES.has(event.stage);
      this.ready.push(event);
    }
  }

  /** Lets go of the listener, the drain hook, the timer and the buffered events; once. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.resync);
    this.offStop();
    this.live.close();
    this.ready.length = 0;
    this.interrupt?.();
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

/**
 * Every run's events, live, until the server shuts down; then a final
 * SHUTTING_DOWN error. The bus's queue is the stream itself, so `return()`
 * releases the listener at once.
 */
export function allEvents(source: Omit<ProgressSource, 'runs'>): AsyncIterableIterator<StageEvent> {
  const live = source.bus.subscribe('all');
  const offStop = source.onStop(() => live.fail(shuttingDown()));
  return {
    next: () => live.next(),
    return: () => {
      offStop();
      return live.return();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
