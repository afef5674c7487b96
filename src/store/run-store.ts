import type { RunRecord, StageEvent } from '../pipeline/run.js';
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
  transition(runId: string, t: Transition): Promise<{ event: StageEvent; run: RunRecord }>;
  /** the run's events in order, those after `afterSeq` only when given */
  events(runId: string, afterSeq?: number): Promise<StageEvent[]>;
  eventsOfMany(runIds: readonly string[]): Promise<StageEvent[][]>;
  /**
   * Cross-instance single execution: takes the lease on a run's stage for
   * `ttlMs` unless another owner holds a live one. The owner renews it while
   * its call runs; if the owner dies, the lease expires and another may take over.
   */
  acquireLease(runId: string, stage: StageName, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lease this owner holds; false when it was lost. */
  renewLease(runId: string, stage: StageName, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(runId: string, stage: StageName, owner: string): Promise<void>;
  /**
   * Runs whose stage was under way when its owner died (stage running, no live
   * lease) become FAILED with `error`, atomically per run; returns the events written.
   */
  markInterrupted(at: string, error: (stage: StageName) => PipelineError): Promise<StageEvent[]>;
  /** deletes runs (and their events) created before `cutoff`; returns how many */
  deleteCreatedBefore(cutoff: string): Promise<number>;
  /** throws when the store cannot be reached */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A run's input, as `create` takes it; the rest of a RunRecord starts empty. */
export type NewRun = Pick<
  RunRecord,
  'id' | 'text' | 'primaryModelId' | 'secondaryModelId' | 'idempotencyKey' | 'inputHash' | 'createdAt'
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
}

export interface RunListQuery {
  first: number;
  /** an opaque cursor from a previous page */
  after?: string;
  stage?: PipelineStage;
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
