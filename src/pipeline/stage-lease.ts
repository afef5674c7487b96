import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import type { RunStore, StageClaim } from '../store/run-store.js';
import type { RunRecord } from './run.js';
import { DONE_STAGE, type StageName } from './types.js';

/** A stage's lease while this process holds it. */
export interface HeldLease {
  /** for the stage's final transition, which releases the lease in the same atomic write */
  readonly release: { stage: StageName; owner: string };
  /** the final write released it: nothing is left to let go */
  released(): void;
}

export interface StageLeasesOptions {
  store: RunStore;
  bus: EventBus;
  logger: Logger;
  /** this process's name on leases */
  owner: string;
  /** STAGE_LEASE_MS: renewed every third of it while the stage runs, so only a dead holder loses it */
  ttlMs: number;
  /** ends a wait for another holder when a drain begins */
  onStop: (fn: () => void) => () => void;
}

/**
 * Single execution across processes sharing a store: the instance that takes
 * a stage's lease runs it and renews the lease while it runs; the others wait
 * on the run's events for its outcome. A holder that dies stops renewing, its
 * lease expires, and a waiter takes the stage over. A holder whose lease
 * lapsed while the store was away takes it straight back: the others give a
 * lapsed holder a lease's time before they take over or sweep the stage
 * (LAPSED LEASES in src/store/run-store.ts).
 */
export class StageLeases {
  private readonly store: RunStore;
  private readonly bus: EventBus;
  private readonly logger: Logger;
  private readonly owner: string;
  readonly ttlMs: number;
  private readonly onStop: StageLeasesOptions['onStop'];

  constructor(options: StageLeasesOptions) {
    ({
      store: this.store,
      bus: this.bus,
      logger: this.logger,
      owner: this.owner,
      ttlMs: this.ttlMs,
      onStop: this.onStop,
    } = options);
  }

  /**
   * Reads the run and takes the stage's lease when `needsRun` says it still
   * has to run, in one store operation (RunStore.claimStage).
   */
  claim(runId: string, stage: StageName, needsRun: (run: RunRecord) => boolean): Promise<StageClaim | null> {
    // a holder whose lease lapsed may be alive, cut off by a store outage: it gets a lease's time to take it back
    return this.store.claimStage(runId, stage, this.owner, this.ttlMs, this.ttlMs, needsRun);
  }

  /** Runs `work` under the lease `claim` took: renewed while it runs, released if the work ends before its final write. */
  async hold<T>(runId: string, stage: StageName, work: (lease: HeldLease) => Promise<T>): Promise<T> {
    const state = { held: true, retaken: false };
    let renewing: Promise<void> | undefined;
    const renewal = setInterval(() => {
      // one at a time: a store that is slow to answer does not pile renewals up
      renewing ??= this.keep(runId, stage, state)
        .catch((err: unknown) => this.logger.warn({ err, runId, stage }, 'could not renew a stage lease'))
        .finally(() => {
          renewing = undefined;
        });
    }, this.ttlMs / 3);
    renewal.unref();
    try {
      return await work({
        release: { stage, owner: this.owner },
        released: () => {
          state.held = false;
        },
      });
    } finally {
      clearInterval(renewal);
      await renewing;
      // still held (the work ended before its final write), or taken back by a renewal that crossed that write
      if (state.held || state.retaken) await this.store.releaseLease(runId, stage, this.owner).catch(() => {});
    }
  }

  /** Waits, on the run's events (not a tight poll), until another holder's stage ends or its lease may have lapsed. */
  async waitForHolder(runId: string, stage: StageName): Promise<void> {
    const events = this.bus.subscribe({ runId });
    const off = this.onStop(() => events.close());
    let timer: NodeJS.Timeout | undefined;
    try {
      const lapsed = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.ttlMs / 3);
      });
      const ended = (async () => {
        for await (const e of events) if (e.stage === DONE_STAGE[stage] || e.stage === 'FAILED') return;
      })();
      await Promise.race([ended, lapsed]);
    } finally {
      clearTimeout(timer);
      off();
      events.close();
    }
  }

  /** Renews the lease; one that lapsed while the store was away is taken straight back. */
  private async keep(runId: string, stage: StageName, state: { held: boolean; retaken: boolean }): Promise<void> {
    if (await this.store.renewLease(runId, stage, this.owner, this.ttlMs)) return;
    // released by the stage's final write meanwhile: nothing to keep
    if (!state.held) return;
    if (await this.store.acquireLease(runId, stage, this.owner, this.ttlMs)) {
      state.retaken = true;
      this.logger.info({ runId, stage }, 'took back the lease of a running stage after it lapsed (the store was away)');
    } else {
      this.logger.warn({ runId, stage }, 'lost the lease of a running stage to another instance');
    }
  }
}
