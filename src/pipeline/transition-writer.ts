import { randomUUID } from 'node:crypto';
import { copyWith } from '../copy-with.js';
import { AppError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { sleep } from '../gateway/abort.js';
import type { Logger } from '../logger.js';
import type { RunStore, Transition } from '../store/run-store.js';

/** How long a stage's outcome is retried against an unreachable store before it is given up. */
const FINAL_WRITE_PATIENCE_MS = 30_000;

/**
 * Writes a stage's transitions one after another (attempt notices arrive
 * synchronously from the gateway) and publishes each once it is stored.
 */
export class TransitionWriter {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private readonly bus: EventBus,
    private readonly runId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * `final` writes (a stage's result or failure) are retried while the store is
   * unreachable, for up to FINAL_WRITE_PATIENCE_MS: a paid answer is worth
   * waiting for the store to come back rather than being paid for again.
   */
  write(t: Transition, final = false): Promise<void> {
    const next = this.chain
      .catch(() => {})
      .then(async () => {
        const { event } = await (final ? this.persistently(t) : this.store.transition(this.runId, t));
        this.bus.publish(event);
      });
    this.chain = next;
    next.catch((err: unknown) =>
      this.logger.error({ err, runId: this.runId, stage: t.stage }, 'could not store event'),
    );
    return next;
  }

  private async persistently(write: Transition) {
    // a resend after a timeout must not append the event twice: the store skips a key it already applied
    const t = copyWith(write, { key: randomUUID() } satisfies Partial<Transition>);
    const giveUpAt = Date.now() + FINAL_WRITE_PATIENCE_MS;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        return await this.store.transition(this.runId, t);
      } catch (err) {
        const unavailable = err instanceof AppError && err.code === 'STORE_UNAVAILABLE';
        if (!unavailable || Date.now() + wait > giveUpAt) throw err;
        this.logger.warn(
          { runId: this.runId, stage: t.stage, waitMs: wait },
          'store unavailable: retrying the write of a stage outcome',
        );
        await sleep(wait);
      }
    }
  }
}
