import { hash, randomUUID } from 'node:crypto';
import { AppError, SHUTTING_DOWN_MESSAGE } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { abortReason } from '../gateway/abort.js';
import type { Gateway } from '../gateway/types.js';
import type { Logger } from '../logger.js';
import { eventOf, type RunStore } from '../store/run-store.js';
import type { PipelineCatalog } from './catalog.js';
import { StageFailure } from './failures.js';
import { type OrchestrateInput, parseOrchestrateInput } from './input.js';
import { isoTime } from './iso-time.js';
import type { RunRecord } from './run.js';
import { newRunId } from './run-id.js';
import { StageLeases } from './stage-lease.js';
import { StageRunner, type StageRunnerOptions } from './stage-runner.js';
import { DEFAULT_ENTITY_BOUNDS, type EntityBounds } from './stages.js';
import { type ExtractionResult, RUNNING_STAGE, type SpecializationResult, type StageName } from './types.js';

export interface OrchestratorOptions {
  store: RunStore;
  bus: EventBus;
  gateway: Gateway;
  logger: Logger;
  /** the pipelines served, and every version a started run may need */
  pipelines: PipelineCatalog;
  /** the only model ids a run may call (ALLOWED_MODEL_IDS and the pipelines'): requests naming others are refused */
  allowedModelIds: () => ReadonlySet<string>;
  maxInputChars: number;
  /** MAX_ENTITY_CHARS and the most keys an extraction may pass to the domain model */
  entityBounds?: EntityBounds;
  now?: () => Date;
  newId?: () => string;
  /** told when a stage ends, for metrics */
  onStageEnd?: (stage: StageName, outcome: 'ok' | 'failed', seconds: number) => void;
  /** how long a dead holder blocks a stage before another instance takes it over (STAGE_LEASE_MS) */
  leaseTtlMs: number;
  /** told when a run reaches COMPLETE or FAILED */
  onRunEnd?: (stage: 'COMPLETE' | 'FAILED') => void;
  /** told when a stage switches to its next fallback model */
  onFallback?: StageRunnerOptions['onFallback'];
  /** told of each lookup of a stage's response cache */
  onCache?: StageRunnerOptions['onCache'];
}

export interface StageOptions {
  /** the caller's own signal: once it aborts, no stage is started for it (a call under way goes on) */
  signal?: AbortSignal;
  /** resumeRun: try a failed stage again when its error is retryable */
  retryFailed?: boolean;
  /** the API key that asks for the stage: what it pays is counted to it (null on an open server) */
  apiKey?: string | null;
}

type StageResultOf<S extends StageName> = S extends 'extraction' ? ExtractionResult : SpecializationResult;

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Owns runs: creation (with idempotency), lazy stages that each run at most
 * once per run, recovery of interrupted runs, and draining. Knows nothing of
 * GraphQL or HTTP: the resolvers, the REST route and the CLI all come through
 * here. Single execution across processes is the lease's (stage-lease.ts);
 * one execution of a stage is the runner's (stage-runner.ts).
 */
export class Orchestrator {
  /** `${runId}:${stage}` -> the one promise every caller of that stage shares */
  private readonly inflight = new Map<string, Promise<ExtractionResult | SpecializationResult>>();
  /** aborted only when a shutdown's grace runs out: model calls outlive the requests that started them */
  private readonly lifetime = new AbortController();
  private draining = false;
  /** told once when a drain begins: waits on other holders and open subscriptions end then */
  private readonly stopListeners = new Set<() => void>();
  private readonly store: RunStore;
  private readonly bus: EventBus;
  private readonly logger: Logger;
  private readonly pipelines: PipelineCatalog;
  private readonly allowedModelIds: () => ReadonlySet<string>;
  private readonly maxInputChars: number;
  /** the clock runs are stamped with (a test's, when it hands one in): windows over runs read it too */
  readonly now: () => Date;
  private readonly newId: () => string;
  private readonly leases: StageLeases;
  private readonly runner: StageRunner;

  constructor(options: OrchestratorOptions) {
    ({
      store: this.store,
      bus: this.bus,
      logger: this.logger,
      pipelines: this.pipelines,
      allowedModelIds: this.allowedModelIds,
      maxInputChars: this.maxInputChars,
    } = options);
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? newRunId;
    this.leases = new StageLeases({
      store: this.store,
      bus: this.bus,
      logger: this.logger,
      owner: randomUUID(),
      ttlMs: options.leaseTtlMs,
      onStop: (fn) => this.onStop(fn),
    });
    this.runner = new StageRunner({
      store: this.store,
      bus: this.bus,
      gateway: options.gateway,
      logger: this.logger,
      pipelines: this.pipelines,
      entityBounds: options.entityBounds ?? DEFAULT_ENTITY_BOUNDS,
      now: this.now,
      lifetime: this.lifetime.signal,
      onStageEnd: options.onStageEnd,
      onRunEnd: options.onRunEnd,
      onFallback: options.onFallback,
      onCache: options.onCache,
      allowedModelIds: options.allowedModelIds,
    });
  }

  /** STAGE_LEASE_MS: also how often the app sweeps for runs whose holder died */
  get leaseTtlMs(): number {
    return this.leases.ttlMs;
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

  /**
   * Creates a run, or returns the run an idempotency key already names.
   * `apiKey` names the key the run's usage is counted to (null on an open server).
   */
  async create(raw: unknown, origin: { apiKey: string | null } = { apiKey: null }): Promise<RunRecord> {
    this.assertAccepting();
    const input: OrchestrateInput = parseOrchestrateInput(raw, this.maxInputChars, this.allowedModelIds());
    const pipeline = this.pipelines.get(input.pipeline);
    const primaryModelId = input.primaryModelId ?? pipeline.definition.extraction.model;
    const secondaryModelId = input.secondaryModelId ?? pipeline.definition.specialization.model;
    const ref = { name: pipeline.name, version: pipeline.version };
    // what the client sent: a retry with the same key is the same run after a reload or on an instance with
    // other pipeline files (it goes on with the version it started with); another pipeline is other input
    const inputHash = hash(
      'sha256',
      JSON.stringify([input.text, input.primaryModelId ?? null, input.secondaryModelId ?? null, pipeline.name]),
    );
    // saved before the run exists: whichever instance resumes it finds the definition it started with
    await this.pipelines.persist(pipeline);
    const now = this.now();
    const { run, created } = await this.store.create(
      {
        id: this.newId(),
        text: input.text,
        pipeline: ref,
        apiKey: origin.apiKey,
        primaryModelId,
        secondaryModelId,
        idempotencyKey: input.idempotencyKey ?? null,
        inputHash,
        createdAt: isoTime(now),
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
    this.bus.publish(eventOf(run.id, 1, { stage: 'RECEIVED', at: run.createdAt }));
    if (input.eager) this.completeInBackground(run.id);
    return run;
  }

  getRun(id: string): Promise<RunRecord | null> {
    return this.store.get(id);
  }

  /** Runs both stages without waiting; failures are stored on the run. */
  completeInBackground(runId: string, retryFailed = false): void {
    this.ensureStage(runId, 'specialization', { retryFailed }).catch((err: unknown) => {
      if (!(err instanceof AppError)) this.logger.error({ err, runId }, 'background run failed unexpectedly');
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
      shared = this.loadOrRun(runId, stage, opts.retryFailed === true, opts.apiKey).finally(() =>
        this.inflight.delete(key),
      );
      this.inflight.set(key, shared);
    }
    return shared as Promise<StageResultOf<S>>;
  }

  /**
   * Within this process the in-flight map makes callers share one promise;
   * across processes the stage's lease does: the holder calls the model, the
   * others wait on the run's events for its outcome, and take the stage over
   * if the holder dies.
   */
  private async loadOrRun(runId: string, stage: StageName, retryFailed: boolean, apiKey: string | null | undefined) {
    let retry = retryFailed;
    for (;;) {
      // the read and the lease in one store operation: another instance cannot finish the stage in between
      const claim = await this.leases.claim(runId, stage, (run) => this.needsRun(run, stage, retry));
      if (!claim) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
      if (!claim.needed) return claim.run[stage] as ExtractionResult | SpecializationResult;
      if (claim.leased) {
        // the caller pays; a run finishing in the background is paid by the key that created it
        const payer = apiKey ?? claim.run.apiKey;
        return this.leases.hold(runId, stage, (lease) => this.runner.run(claim.run, stage, lease, payer));
      }
      await this.leases.waitForHolder(runId, stage);
      // the holder's outcome answers this request: its failure is not retried again here
      retry = false;
    }
  }

  /**
   * Whether the stage still has to run on this run: false when its result is
   * stored; throws the stored failure unless it may be retried, and refuses a
   * stage that may not start (a drain has begun, or its model is not allowed).
   */
  private needsRun(run: RunRecord, stage: StageName, retryFailed: boolean): boolean {
    if (run[stage]) return false;
    const failedHere = run.error?.stage === RUNNING_STAGE[stage] ? run.error : null;
    if (failedHere && !(retryFailed && failedHere.retryable)) throw StageFailure.fromStored(failedHere);
    this.assertAccepting();
    this.assertModelAllowed(run, stage);
    return true;
  }

  /**
   * After a crash: runs whose stage was under way and whose holder is gone
   * (no live lease) are marked FAILED with a retryable RUN_INTERRUPTED, so
   * every started run ends and resumeRun can finish it. Run at start-up and
   * periodically, since a holder on another instance may die at any time.
   */
  async recoverInterrupted(): Promise<number> {
    const events = await this.store.markInterrupted(
      this.now().toISOString(),
      (stage) => ({
        code: 'RUN_INTERRUPTED',
        message: 'The server stopped while this stage ran; resumeRun finishes it.',
        stage: RUNNING_STAGE[stage],
        retryable: true,
      }),
      // not a holder that a store outage merely kept from renewing: it takes its lease back within this
      this.leaseTtlMs,
    );
    for (const event of events) this.bus.publish(event);
    if (events.length > 0) this.logger.warn({ runs: events.length }, 'marked interrupted runs as resumable');
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
    if (!this.allowedModelIds().has(model)) {
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
