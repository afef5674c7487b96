import { AppError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { AttemptNotice, Gateway } from '../gateway/types.js';
import type { Logger } from '../logger.js';
import { inSpan } from '../observability/tracing.js';
import type { RunStore } from '../store/run-store.js';
import type { PipelineCatalog } from './catalog.js';
import { evaluateRules } from './definition/rules.js';
import { StageFailure } from './failures.js';
import type { RunRecord } from './run.js';
import type { HeldLease } from './stage-lease.js';
import { type EntityBounds, runExtraction, runSpecialization } from './stages.js';
import { TransitionWriter } from './transition-writer.js';
import {
  DONE_STAGE,
  type ExtractionResult,
  RULES_MODEL,
  RUNNING_STAGE,
  type SpecializationResult,
  type SpecializationVerdict,
  type StageName,
  ZERO_USAGE,
} from './types.js';

export interface StageRunnerOptions {
  store: RunStore;
  bus: EventBus;
  gateway: Gateway;
  logger: Logger;
  /** each run's pipeline, in the version it started with */
  pipelines: Pick<PipelineCatalog, 'forRun'>;
  entityBounds: EntityBounds;
  now: () => Date;
  /** aborted only when a shutdown's grace runs out: model calls outlive the requests that started them */
  lifetime: AbortSignal;
  /** told when a stage ends, for metrics */
  onStageEnd?: (stage: StageName, outcome: 'ok' | 'failed', seconds: number) => void;
  /** told when a run reaches COMPLETE or FAILED */
  onRunEnd?: (stage: 'COMPLETE' | 'FAILED') => void;
}

/**
 * One execution of a stage, under its lease: the model call (attempts and
 * retries written as events as they happen), or for the specialization a
 * pipeline rule that decides without one; then the outcome, result or coded
 * failure, written with the lease's release in one store operation.
 */
export class StageRunner {
  constructor(private readonly options: StageRunnerOptions) {}

  run(run: RunRecord, stage: StageName, lease: HeldLease): Promise<ExtractionResult | SpecializationResult> {
    return inSpan(`pipeline.${stage}`, { 'run.id': run.id, 'pipeline.stage': stage }, () =>
      this.execute(run, stage, lease),
    );
  }

  private async execute(
    run: RunRecord,
    stage: StageName,
    lease: HeldLease,
  ): Promise<ExtractionResult | SpecializationResult> {
    const { store, bus, logger, now, onStageEnd, onRunEnd } = this.options;
    const events = new TransitionWriter(store, bus, run.id, logger);
    const started = performance.now();
    try {
      const result = await this.call(run, stage, events);
      await events.write(
        { stage: DONE_STAGE[stage], at: now().toISOString(), [stage]: result, running: null, release: lease.release },
        true,
      );
      lease.released();
      onStageEnd?.(stage, 'ok', (performance.now() - started) / 1000);
      if (stage === 'specialization') onRunEnd?.('COMPLETE');
      return result;
    } catch (err) {
      const failure = this.failureOf(err, run.id, stage).atStage(RUNNING_STAGE[stage]);
      await events.write(
        {
          stage: 'FAILED',
          at: now().toISOString(),
          error: failure.toPipelineError(),
          running: null,
          release: lease.release,
        },
        true,
      );
      lease.released();
      onStageEnd?.(stage, 'failed', (performance.now() - started) / 1000);
      onRunEnd?.('FAILED');
      throw failure;
    }
  }

  /** The stage's model call, each attempt an event of the run as it starts; or a rule's verdict. */
  private async call(
    run: RunRecord,
    stage: StageName,
    events: TransitionWriter,
  ): Promise<ExtractionResult | SpecializationResult> {
    const { gateway, now, lifetime, entityBounds } = this.options;
    const pipeline = await this.options.pipelines.forRun(run.pipeline);
    const onAttempt = (n: AttemptNotice) =>
      events.write({
        stage: RUNNING_STAGE[stage],
        at: now().toISOString(),
        attempt: n.attempt,
        message: n.reason ?? null,
        running: stage,
        clearError: n.attempt === 1,
      });
    const common = { signal: lifetime, onAttempt, logContext: { runId: run.id, stage } };
    if (stage === 'extraction') {
      return runExtraction(gateway, run.text, {
        ...common,
        modelId: run.primaryModelId,
        stage: pipeline?.definition.extraction,
        entities: pipeline?.entities,
        bounds: entityBounds,
      });
    }
    if (!run.extraction) throw new Error('specialization started without an extraction');
    const { entities } = run.extraction;
    const rules = pipeline ? evaluateRules(entities, pipeline) : { passed: [] };
    if (rules.decision) {
      const { rule, verdict } = rules.decision;
      await events.write({
        stage: RUNNING_STAGE[stage],
        at: now().toISOString(),
        message: `rule ${rule} decided: no model call`,
        running: stage,
        clearError: true,
      });
      return decidedByRule(rule, verdict);
    }
    return runSpecialization(gateway, entities, {
      ...common,
      modelId: run.secondaryModelId,
      stage: pipeline?.definition.specialization,
      passedRules: rules.passed,
    });
  }

  private failureOf(err: unknown, runId: string, stage: StageName): StageFailure {
    if (this.options.lifetime.aborted) {
      return new StageFailure('RUN_INTERRUPTED', 'The server shut down while this stage ran; resumeRun finishes it.', {
        retryable: true,
        cause: err,
      });
    }
    if (err instanceof AppError) return StageFailure.of(err);
    this.options.logger.error({ err, runId, stage }, 'stage failed unexpectedly');
    return new StageFailure('INTERNAL_SERVER_ERROR', 'The stage failed on an unexpected server error.', {
      retryable: true,
      cause: err,
    });
  }
}

/** A rule's verdict as the stage's result: no model, no tokens, no time spent waiting. */
function decidedByRule(rule: string, verdict: SpecializationVerdict): SpecializationResult {
  return {
    ...verdict,
    decidedBy: 'RULES',
    rule,
    model: RULES_MODEL,
    usage: ZERO_USAGE,
    latencyMs: 0,
    attempts: 0,
    raw: '',
    correlationId: null,
  };
}
