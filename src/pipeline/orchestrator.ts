import { createHash, randomUUID } from 'node:crypto';
import { AppError, SHUTTING_DOWN_MESSAGE } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { abortReason, sleep } from '../gateway/abort.js';
import type { AttemptNotice, Gateway } from '../gateway/types.js';
import type { Logger } from '../logger.js';
import { inSpan } from '../observability/tracing.js';
import { eventOf, type RunStore, type Transition } from '../store/run-store.js';
import { StageFailure } from './failures.js';
import { type OrchestrateInput, parseOrchestrateInput } from './input.js';
import type { RunRecord } from './run.js';
import { runExtraction, runSpecialization } from './stages.js';
import type { ExtractionResult, PipelineStage, SpecializationResult, StageName } from './types.js';

export interface OrchestratorOptions {
  store: RunStore;
  bus: EventBus;
  gateway: Gateway;
  logger: Logger;
  models: { primary: string; secondary: string };
  /** the only model ids a run may call: requests naming others are refused */
  allowedModelIds: ReadonlySet<string>;
  maxInputChars: number;
  now?: () => Date;
  newId?: () => string;
  /** told when a stage ends, for metrics */
  onStageEnd?: (stage: StageName, outcome: 'ok' | 'failed', seconds: number) => void;
  /** how long a dead holder blocks a stage before another instance takes it over (STAGE_LEASE_MS) */
  leaseTtlMs: number;
  /** told when a run reaches COMPLETE or FAILED */
  onRunEnd?: (stage: 'COMPLETE' | 'FAILED') => void;
}

export interface StageOptions {
  /** the caller's own signal: once it aborts, no stage is started for it (a call under way goes on) */
  signal?: AbortSignal;
  /** resumeRun: try a failed stage again when its error is retryable */
  retryFailed?: boolean;
}

type StageResultOf<S extends StageName> = S extends 'extraction' ? ExtractionResult : SpecializationResult;

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const RUNNING_STAGE: Record<StageName, PipelineStage> = { extraction: 'EXTRACTING', specialization: 'SPECIALIZING' };
const DONE_STAGE: Record<StageName, PipelineStage> = { extraction: 'EXTRACTED', specialization: 'COMPLETE' };

/**
 * Owns runs: creation (with idempotency), lazy stages that each run at most
 * once per run, and their events. Knows nothing of GraphQL or HTTP: the
 * resolvers, the REST route and the CLI all come through here.
 */
export class Orchestrator {
  /** `${runId}:${stage}` -> the one promise every caller of that stage shares */
  private readonly inflight = new Map<string, Promise<ExtractionResult | SpecializationResult>>();
  /** aborted only when a shutdown's grace runs out: model calls outlive the requests that started them */
  private readonly lifetime = new AbortController();
  private draining = false;
  /** told once when a drain begins: waits on other holders and open subscriptions end then */
  private readonly stopListeners = new Set<() => void>();
  /** this process's name on leases */
  readonly instanceId = randomUUID();
  readonly leaseTtlMs: number;
  /** the clock runs are stamped with (a test's, when it hands one in): windows over runs read it too */
  readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly o: OrchestratorOptions) {
    this.now = o.now ?? (() => new Date());
    this.newId = o.newId ?? randomUUID;
    // renewed every third of it while the call runs, so only a dead holder loses it
    this.leaseTtlMs = o.leaseTtlMs;
  }

  /**
   * Calls `fn` when a drain begins (at once if one has); returns the way to
   * unregister. A listener per waiter, removed when it is done, rather than a
   * race against one long-lived promise, which would keep every waiter alive.
   */
  onStop(fn: () => void): () => void {
    if (this.draining) {
      fn();
      return () => {};
    }
    this.stopListeners.add(fn);
    return () => this.stopListeners.delete(fn);
  }

  get store(): RunStore {
    return this.o.store;
  }

  get bus(): EventBus {
    return this.o.bus;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Creates a run, or returns the run an idempotency key already names. */
  async create(raw: unknown): Promise<RunRecord> {
    this.assertAccepting();
    const input: OrchestrateInput = parseOrchestrateInput(raw, this.o.maxInputChars, this.o.allowedModelIds);
    const primaryModelId = input.primaryModelId ?? this.o.models.primary;
    const secondaryModelId = input.secondaryModelId ?? this.o.models.secondary;
    const inputHash = createHash('sha256')
      .update(JSON.stringify([input.text, primaryModelId, secondaryModelId]))
      .digest('hex');
    const now = this.now();
    const { run, created } = await this.o.store.create(
      {
        id: this.newId(),
        text: input.text,
        primaryModelId,
        secondaryModelId,
        idempotencyKey: input.idempotencyKey ?? null,
        inputHash,
        createdAt: now.toISOString(),
      },
      new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS).toISOString(),
    );
    if (!created) {
      if (run.inputHash !== inputHash) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotencyKey was used in the last 24 hours with other input; use a new key for a new request.',
        );
      }
      return run;
    }
    this.o.bus.publish(eventOf(run.id, 1, { stage: 'RECEIVED', at: run.createdAt }));
    if (input.eager) this.completeInBackground(run.id);
    return run;
  }

  getRun(id: string): Promise<RunRecord | null> {
    return this.o.store.get(id);
  }

  /** Runs both stages without waiting; failures are stored on the run. */
  completeInBackground(runId: string, retryFailed = false): void {
    this.ensureStage(runId, 'specialization', { retryFailed }).catch((err: unknown) => {
      if (!(err instanceof AppError)) this.o.logger.error({ err, runId }, 'background run failed unexpectedly');
    });
  }

  /**
   * The stage's result: from the store when it ran, from the call under way
   * when one is, or from a new model call. Specialization runs extraction first.
   */
  async ensureStage<S extends StageName>(runId: string, stage: S, opts: StageOptions = {}): Promise<StageResultOf<S>> {
    if (stage === 'specialization') {
      await this.ensureStage(runId, 'extraction', opts);
      // the caller went away while extraction ran: nobody asked for specialization any more
      if (opts.signal?.aborted) throw abortReason(opts.signal);
    }
    const key = `${runId}:${stage}`;
    let shared = this.inflight.get(key);
    if (!shared) {
      // set before any await, so concurrent callers can only ever find this one
      shared = this.loadOrRun(runId, stage, opts.retryFailed === true).finally(() => this.inflight.delete(key));
      this.inflight.set(key, shared);
    }
    return shared as Promise<StageResultOf<S>>;
  }

  /**
   * Within this process the in-flight map makes callers share one promise;
   * across processes a lease in the store does: the holder calls the model,
   * the others wait on the run's events for its result. If the holder dies,
   * its lease expires and a waiter takes the stage over.
   */
  private async loadOrRun(runId: string, stage: StageName, retryFailed: boolean) {
    let retry = retryFailed;
    for (;;) {
      const seen = await this.readStage(runId, stage, retry);
      if (seen.result) return seen.result;
      this.assertAccepting();
      this.assertModelAllowed(seen.run, stage);
      if (await this.o.store.acquireLease(runId, stage, this.instanceId, this.leaseTtlMs)) {
        // the stage's outcome is written with the lease's release, in one store operation
        const lease = { held: true };
        try {
          // another instance may have finished between our read and our lease
          const fresh = await this.readStage(runId, stage, retry);
          return fresh.result ?? (await this.runStage(fresh.run, stage, lease));
        } finally {
          if (lease.held) await this.o.store.releaseLease(runId, stage, this.instanceId).catch(() => {});
        }
      }
      await this.waitForHolder(runId, stage);
      // the holder's outcome answers this request: its failure is not retried again here
      retry = false;
    }
  }

  /** The run and the stage's stored result; throws the stored failure unless it may be retried. */
  private async readStage(runId: string, stage: StageName, retryFailed: boolean) {
    const run = await this.o.store.get(runId);
    if (!run) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
    const failedHere = run.error?.stage === RUNNING_STAGE[stage] ? run.error : null;
    if (!run[stage] && failedHere && !(retryFailed && failedHere.retryable)) throw StageFailure.fromStored(failedHere);
    return { run, result: run[stage] ?? undefined };
  }

  /** Waits, on the run's events (not a tight poll), until another holder's stage ends or its lease may have expired. */
  private async waitForHolder(runId: string, stage: StageName): Promise<void> {
    const events = this.o.bus.subscribe({ runId });
    const off = this.onStop(() => events.close());
    let timer: NodeJS.Timeout | undefined;
    try {
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.leaseTtlMs / 3);
      });
      const ended = (async () => {
        for await (const e of events) if (e.stage === DONE_STAGE[stage] || e.stage === 'FAILED') return;
      })();
      await Promise.race([ended, expired]);
    } finally {
      clearTimeout(timer);
      off();
      events.close();
    }
  }

  private runStage(
    run: RunRecord,
    stage: StageName,
    lease: { held: boolean },
  ): Promise<ExtractionResult | SpecializationResult> {
    return inSpan(`pipeline.${stage}`, { 'run.id': run.id, 'pipeline.stage': stage }, () =>
      this.callStage(run, stage, lease),
    );
  }

  private async callStage(
    run: RunRecord,
    stage: StageName,
    lease: { held: boolean },
  ): Promise<ExtractionResult | SpecializationResult> {
    const release = { stage, owner: this.instanceId };
    const events = new TransitionWriter(this.o.store, this.o.bus, run.id, this.o.logger);
    const runningStage = RUNNING_STAGE[stage];
    const started = performance.now();
    const renewal = setInterval(() => {
      this.o.store.renewLease(run.id, stage, this.instanceId, this.leaseTtlMs).then(
        (held) => held || this.o.logger.warn({ runId: run.id, stage }, 'lost the lease of a running stage'),
        (err: unknown) => this.o.logger.warn({ err, runId: run.id, stage }, 'could not renew a stage lease'),
      );
    }, this.leaseTtlMs / 3);
    renewal.unref();
    const onAttempt = (n: AttemptNotice) =>
      events.write({
        stage: runningStage,
        at: this.now().toISOString(),
        attempt: n.attempt,
        message: n.reason ?? null,
        running: stage,
        clearError: n.attempt === 1,
      });
    const common = {
      signal: this.lifetime.signal,
      onAttempt,
      logContext: { runId: run.id, stage },
    };
    try {
      let result: ExtractionResult | SpecializationResult;
      if (stage === 'extraction') {
        result = await runExtraction(this.o.gateway, run.text, { ...common, modelId: run.primaryModelId });
      } else {
        if (!run.extraction) throw new Error('specialization started without an extraction');
        result = await runSpecialization(this.o.gateway, run.extraction.entities, {
          ...common,
          modelId: run.secondaryModelId,
        });
      }
      await events.write(
        {
          stage: DONE_STAGE[stage],
          at: this.now().toISOString(),
          [stage]: result,
          running: null,
          release,
        },
        true,
      );
      lease.held = false;
      this.o.onStageEnd?.(stage, 'ok', (performance.now() - started) / 1000);
      if (stage === 'specialization') this.o.onRunEnd?.('COMPLETE');
      return result;
    } catch (err) {
      const failure = this.failureOf(err, run.id, stage).atStage(runningStage);
      await events.write(
        {
          stage: 'FAILED',
          at: this.now().toISOString(),
          error: failure.toPipelineError(),
          running: null,
          release,
        },
        true,
      );
      lease.held = false;
      this.o.onStageEnd?.(stage, 'failed', (performance.now() - started) / 1000);
      this.o.onRunEnd?.('FAILED');
      throw failure;
    } finally {
      clearInterval(renewal);
    }
  }

  private failureOf(err: unknown, runId: string, stage: StageName): StageFailure {
    if (this.lifetime.signal.aborted) {
      return new StageFailure('RUN_INTERRUPTED', 'The server shut down while this stage ran; resumeRun finishes it.', {
        retryable: true,
        cause: err,
      });
    }
    if (err instanceof AppError) return StageFailure.of(err);
    this.o.logger.error({ err, runId, stage }, 'stage failed unexpectedly');
    return new StageFailure('INTERNAL_SERVER_ERROR', 'The stage failed on an unexpected server error.', {
      retryable: true,
      cause: err,
    });
  }

  /**
   * After a crash: runs whose stage was under way and whose holder is gone
   * (no live lease) are marked FAILED with a retryable RUN_INTERRUPTED, so
   * every started run ends and resumeRun can finish it. Run at start-up and
   * periodically, since a holder on another instance may die at any time.
   */
  async recoverInterrupted(): Promise<number> {
    const events = await this.o.store.markInterrupted(this.now().toISOString(), (stage) => ({
      code: 'RUN_INTERRUPTED',
      message: 'The server stopped while this stage ran; resumeRun finishes it.',
      stage: RUNNING_STAGE[stage],
      retryable: true,
    }));
    for (const event of events) this.o.bus.publish(event);
    if (events.length > 0) this.o.logger.warn({ runs: events.length }, 'marked interrupted runs as resumable');
    return events.length;
  }

  /**
   * Graceful shutdown: no new stage starts; stages under way get `graceMs` to
   * finish and store their results; what is still running then is cancelled
   * and stored as RUN_INTERRUPTED (retryable), so nothing started is lost.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    for (const fn of this.stopListeners) fn();
    this.stopListeners.clear();
    const pending = () => Promise.allSettled([...this.inflight.values()]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([pending(), graceOver]);
    clearTimeout(timer);
    this.lifetime.abort(new AppError('SHUTTING_DOWN', 'The server is shutting down.'));
    await pending();
  }

  /**
   * A run stored before its model was dropped from the allow-list is not
   * called on it; the run stays as it is, to finish if the model comes back.
   */
  private assertModelAllowed(run: RunRecord, stage: StageName): void {
    const model = stage === 'extraction' ? run.primaryModelId : run.secondaryModelId;
    if (!this.o.allowedModelIds.has(model)) {
      throw new AppError(
        'BAD_USER_INPUT',
        `This run names the model "${model}", which this server no longer allows (ALLOWED_MODEL_IDS).`,
      );
    }
  }

  /** Throws SHUTTING_DOWN once a drain has begun. */
  assertAccepting(): void {
    if (this.draining) throw new AppError('SHUTTING_DOWN', SHUTTING_DOWN_MESSAGE, { retryable: true });
  }
}

/**
 * Writes a stage's transitions one after another (attempt notices arrive
 * synchronously from the gateway) and publishes each once it is stored.
 */
class TransitionWriter {
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
    const t = { ...write, key: randomUUID() };
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

const FINAL_WRITE_PATIENCE_MS = 30_000;
