import type { PipelineRef, RunRecord, StageEvent } from '../pipeline/run.js';
import type {
  ExtractionResult,
  PipelineError,
  PipelineStage,
  SpecializationResult,
  StageName,
} from '../pipeline/types.js';

/**
 * Where runs and their events live. Every change of a run is a transition:
 * one event appended and the run updated in the same atomic write, so a run's
 * state and its history can never disagree, even after a crash.
 */
export interface RunStore {
  /**
   * Creates a run with its RECEIVED event (seq 1); or, when `idempotencyKey` names a
   * run created after `idempotentSince`, returns that run instead (`created: false`).
   */
  create(run: NewRun, idempotentSince: string): Promise<{ run: RunRecord; created: boolean }>;
  get(id: string): Promise<RunRecord | null>;
  /** one round trip for many ids (DataLoader batches); the answer is in the order asked */
  getMany(ids: readonly string[]): Promise<(RunRecord | null)[]>;
  /** newest first */
  list(query: RunListQuery): Promise<RunPage>;
  /**
   * Applies `t` and answers with the event it appended (its seq given by the store).
   * Not the run: the pipeline never reads it back, and returning it cost every
   * write a full row (SQLite) or hash (Redis) read and decoded for nothing;
   * `get` reads it when it is wanted.
   */
  transition(runId: string, t: Transition): Promise<{ event: StageEvent }>;
  /** the run's events in order, those after `afterSeq` only when given */
  events(runId: string, afterSeq?: number): Promise<StageEvent[]>;
  eventsOfMany(runIds: readonly string[]): Promise<StageEvent[][]>;
  /**
   * Cross-instance single execution: takes the lease on a run's stage for
   * `ttlMs` unless another owner holds a live one. The owner renews it while
   * its call runs; if the owner dies, the lease expires and another may take over.
   *
   * `graceMs` (see LAPSED LEASES below): a lease that lapsed while its stage is
   * marked running goes to another owner only once it has stayed lapsed for
   * `graceMs`. Without it (0) a lapsed lease is taken at once: how a holder
   * whose renewal failed takes its own lease back.
   */
  acquireLease(runId: string, stage: StageName, owner: string, ttlMs: number, graceMs?: number): Promise<boolean>;
  /** Extends a lease this owner holds; false when it was lost (expired, even if nobody took it since). */
  renewLease(runId: string, stage: StageName, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(runId: string, stage: StageName, owner: string): Promise<void>;
  /**
   * A stage's start in one step: reads the run and, when `needsRun(run)` says
   * its stage still has to run, takes the stage's lease for `owner` (as
   * acquireLease with `graceMs`), atomically where the store can (SQLite: one
   * transaction; Redis: read, lease, and read again under the lease). The run
   * returned with a lease is as it was when the lease was taken. null when no
   * run has the id. When `needsRun` throws, no lease is kept and it rejects.
   * `needsRun` may be asked more than once (SQLite applies a batch of writes
   * again when one of them throws): it decides, and does nothing else.
   */
  claimStage(
    runId: string,
    stage: StageName,
    owner: string,
    ttlMs: number,
    graceMs: number,
    needsRun: (run: RunRecord) => boolean,
  ): Promise<StageClaim | null>;
  /**
   * Runs whose stage was under way when its owner died (stage running, no live
   * lease) become FAILED with `error`, atomically per run; returns the events
   * written. With `graceMs`, a lease must have stayed lapsed that long first.
   */
  markInterrupted(at: string, error: (stage: StageName) => PipelineError, graceMs?: number): Promise<StageEvent[]>;
  /**
   * Keeps a pipeline version's definition (plain JSON), so any instance can
   * finish a run with the definition that started it, after any reload.
   * Idempotent: a version is a hash of its definition.
   */
  savePipeline(ref: PipelineRef, definition: unknown): Promise<void>;
  /** the definition saved for this name and version, or null */
  pipelineDefinition(ref: PipelineRef): Promise<unknown | null>;
  /** The cached answer under `key`, or null when none is or it expired. */
  cacheGet(key: string): Promise<CachedStage | null>;
  /** Keeps `entry` under `key` for `ttlMs` (shared by every instance; survives restarts). */
  cachePut(key: string, entry: CachedStage, ttlMs: number): Promise<void>;
  /** Usage summed over a span of UTC days, grouped by the dimensions asked; rows sorted by those dimensions. */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Tokens (prompt and completion) counted to a key on a UTC day: what its budget is checked against. */
  tokensSpent(key: string | null, day: string): Promise<number>;
  /** deletes runs (and their events) created before `cutoff`; returns how many */
  deleteCreatedBefore(cutoff: string): Promise<number>;
  /** throws when the store cannot be reached */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/*
 * LAPSED LEASES: telling a live holder from a dead one.
 *
 * A holder renews its lease every third of its TTL. While the store is away
 * (a Redis outage) it cannot, and an outage longer than the TTL lets the lease
 * of a live holder lapse. When the store is back, the store alone cannot tell
 * that holder from a dead one: both simply stopped renewing. So the others give
 * it time to speak first. A holder whose renewal finds its lease lapsed takes it
 * back at once (acquireLease without grace, SET NX: only if nobody took it);
 * everyone else (a waiting instance taking the stage over, the sweep marking it
 * RUN_INTERRUPTED) acts on a lapsed lease of a running stage only once it has
 * stayed lapsed for `graceMs`, counted while the store could be reached:
 * - SQLite, an embedded file, is never away: the grace runs from the expiry.
 * - Redis runs it from the first time anyone saw the lease lapsed, and a sighting
 *   from before the observing client's connection was last restored does not
 *   count (the store was away since, so the holder could not have spoken); it
 *   adds its clients' reconnect delay, as the holder's client may see Redis
 *   back a little later than the observer's.
 * A holder that stays silent for the whole grace while the store is reachable is
 * taken for dead. One cut off from the store alone (a partition that spares the
 * others) is indistinguishable from a dead one; that is what a lease is for.
 */

/** What claimStage found: the stage's result is stored (`needed: false`), or it has to run and `leased` says whether here. */
export type StageClaim = { run: RunRecord; needed: false } | { run: RunRecord; needed: true; leased: boolean };

/** What readers of runs (queries, loaders, progress) may do with the store: read, nothing else. */
export type RunReader = Pick<RunStore, 'get' | 'getMany' | 'list' | 'events' | 'eventsOfMany' | 'usage'>;

/** A run's input, as `create` takes it; the rest of a RunRecord starts empty. */
export type NewRun = Pick<
  RunRecord,
  | 'id'
  | 'text'
  | 'pipeline'
  | 'apiKey'
  | 'primaryModelId'
  | 'secondaryModelId'
  | 'idempotencyKey'
  | 'inputHash'
  | 'createdAt'
>;

export interface Transition {
  stage: PipelineStage;
  at: string;
  attempt?: number | null;
  message?: string | null;
  /** stored on the run and carried by the event */
  error?: PipelineError | null;
  extraction?: ExtractionResult;
  specialization?: SpecializationResult;
  running?: StageName | null;
  /** clears a stored error: a retried stage starts afresh */
  clearError?: boolean;
  /**
   * Makes a resend safe: when the run's last applied transition has this key,
   * nothing is written again and that transition's event is returned (a write
   * whose answer was lost, to a timeout, may have been applied).
   */
  key?: string;
  /** releases this owner's lease on the stage in the same atomic write (a stage's final transition) */
  release?: { stage: StageName; owner: string };
  /**
   * Usage to add, in the same atomic write (a stage's final transition), so
   * what is counted is exactly what was paid; not added again on a resend.
   */
  usage?: UsageIncrement[];
}

/** What one stage outcome adds to a key's, pipeline's and model's usage of a UTC day. */
export interface UsageIncrement {
  /** the API key's name; null on an open server */
  key: string | null;
  pipeline: string;
  model: string;
  /** UTC day, YYYY-MM-DD */
  day: string;
  runs: number;
  promptTokens: number;
  completionTokens: number;
  cacheHits: number;
  rulesDecisions: number;
}

export type UsageGroup = 'KEY' | 'PIPELINE' | 'MODEL' | 'DAY';

export interface UsageQuery {
  /** first UTC day, YYYY-MM-DD, inclusive */
  fromDay: string;
  /** last UTC day, YYYY-MM-DD, inclusive */
  toDay: string;
  /** the dimensions rows are grouped by; none: one row of totals */
  groupBy: UsageGroup[];
}

/** Summed usage; a dimension is set only when the query groups by it. */
export interface UsageRow {
  key?: string | null;
  pipeline?: string;
  model?: string;
  day?: string;
  runs: number;
  promptTokens: number;
  completionTokens: number;
  cacheHits: number;
  rulesDecisions: number;
}

/** A stage's answer kept for identical requests: the result and the run that paid for it. */
export interface CachedStage {
  runId: string;
  result: ExtractionResult | SpecializationResult;
}

export interface RunListQuery {
  first: number;
  /** an opaque cursor from a previous page */
  after?: string;
  stage?: PipelineStage;
  /** runs of this pipeline (by name) only */
  pipeline?: string;
}

export interface RunPage {
  runs: Array<{ run: RunRecord; cursor: string }>;
  hasNextPage: boolean;
}

/** The event a transition appends, once the store has given it its seq. */
export function eventOf(
  runId: string,
  seq: number,
  t: Pick<Transition, 'stage' | 'at' | 'attempt' | 'message' | 'error'>,
): StageEvent {
  return {
    runId,
    seq,
    stage: t.stage,
    at: t.at,
    attempt: t.attempt ?? null,
    message: t.message ?? null,
    error: t.error ?? null,
  };
}
