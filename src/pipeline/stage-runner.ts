import { createHash } from 'node:crypto';
import { copyWith } from '../copy-with.js';
import { AppError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { GatewayError } from '../gateway/errors.js';
import type { AttemptNotice, Gateway } from '../gateway/types.js';
import type { Logger } from '../logger.js';
import { inSpan } from '../observability/tracing.js';
import type { CachedStage, RunStore, UsageIncrement } from '../store/run-store.js';
import type { PipelineCatalog } from './catalog.js';
import type { FallbackCode } from './definition/file-format.js';
import { evaluateRules } from './definition/rules.js';
import type { CompiledPipeline, StageDefinition } from './definition/types.js';
import { StageFailure } from './failures.js';
import { isoTime } from './iso-time.js';
import { extractionMessages, extractionOptions, specializationMessages, specializationOptions } from './prompts.js';
import type { RunRecord } from './run.js';
import type { HeldLease } from './stage-lease.js';
import { type EntityBounds, runExtraction, runSpecialization } from './stages.js';
import { TransitionWriter } from './transition-writer.js';
import {
  addUsage,
  DONE_STAGE,
  type ExtractionResult,
  RULES_MODEL,
  RUNNING_STAGE,
  type SpecializationResult,
  type SpecializationVerdict,
  type StageName,
  type TokenUsage,
  ZERO_USAGE,
} from './types.js';

type StageResult = ExtractionResult | SpecializationResult;

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
  /** told when a stage switches to its next fallback model */
  onFallback?: (stage: StageName, from: string, to: string, code: string) => void;
  /** told of each lookup of a stage's response cache */
  onCache?: (stage: StageName, result: 'hit' | 'miss' | 'coalesced') => void;
  /** the model ids a run may call now (ALLOWED_MODEL_IDS and the pipelines') */
  allowedModelIds: () => ReadonlySet<string>;
}

/** Never a reason to try another model: the operator's to fix, and every model would fail alike. */
const NEVER_FALL_BACK: ReadonlySet<string> = new Set(['GATEWAY_AUTH_FAILED', 'GATEWAY_FORBIDDEN']);

/** What every step of one stage's execution works on. */
interface StageCall {
  run: RunRecord;
  stage: StageName;
  pipeline: CompiledPipeline | undefined;
  /** the rules that passed, told to the domain model */
  passedRules: string[];
  events: TransitionWriter;
  /** what each model the stage called was paid, in call order: usage is counted to the model that was paid */
  paid: Paid[];
}

interface Paid {
  model: string;
  usage: TokenUsage;
}

/** One of the stage's models, and the attempt numbers the models before it used. */
interface ModelCall {
  model: string;
  attemptOffset: number;
  /** the highest attempt number this model's call reached */
  highest: number;
}

/**
 * One execution of a stage, under its lease: a pipeline rule that decides
 * without a call, or the model call (attempts and retries written as events
 * as they happen), falling back to the stage's next model when one fails for
 * good, and answered from the response cache when the stage has one; then
 * the outcome, result or coded failure, written with the lease's release and
 * the usage it adds, in one store operation.
 */
export class StageRunner {
  /** cache key -> the call under way on this instance: an identical request waits for it (coalescing) */
  private readonly cacheInflight = new Map<string, Promise<CachedStage>>();

  constructor(private readonly options: StageRunnerOptions) {}

  /** `payer` is the API key the stage's usage is counted to (null on an open server). */
  run(run: RunRecord, stage: StageName, lease: HeldLease, payer: string | null): Promise<StageResult> {
    return inSpan(`pipeline.${stage}`, { 'run.id': run.id, 'pipeline.stage': stage }, () =>
      this.execute(run, stage, lease, payer),
    );
  }

  private async execute(
    run: RunRecord,
    stage: StageName,
    lease: HeldLease,
    payer: string | null,
  ): Promise<StageResult> {
    const { store, bus, logger, now, onStageEnd, onRunEnd } = this.options;
    const events = new TransitionWriter(store, bus, run.id, logger);
    const started = performance.now();
    const paid: Paid[] = [];
    try {
      const result = await this.call(run, stage, events, paid);
      await events.write(
        {
          stage: DONE_STAGE[stage],
          at: isoTime(now()),
          [stage]: result,
          running: null,
          release: lease.release,
          usage: usageOf(run, payer, stage, now(), paid, result),
        },
        true,
      );
      lease.released();
      onStageEnd?.(stage, 'ok', (performance.now() - started) / 1000);
      if (stage === 'specialization') onRunEnd?.('COMPLETE');
      return result;
    } catch (err) {
      // what the stage paid, every model it called: the run's usage and the usage rows agree
      const failure = this.failureOf(err, run.id, stage)
        .atStage(RUNNING_STAGE[stage])
        .withUsage(paid.map((p) => p.usage).reduce(addUsage, ZERO_USAGE));
      await events.write(
        {
          stage: 'FAILED',
          at: isoTime(now()),
          error: failure.toPipelineError(),
          running: null,
          release: lease.release,
          // what a failed stage still paid for (a MODEL_OUTPUT_INVALID's two answers) counts too
          usage: usageOf(run, payer, stage, now(), paid),
        },
        true,
      );
      lease.released();
      onStageEnd?.(stage, 'failed', (performance.now() - started) / 1000);
      onRunEnd?.('FAILED');
      throw failure;
    }
  }

  /** A rule's verdict, or the stage's models in order until one answers. */
  private async call(run: RunRecord, stage: StageName, events: TransitionWriter, paid: Paid[]): Promise<StageResult> {
    const pipeline = await this.options.pipelines.forRun(run.pipeline);
    let passedRules: string[] = [];
    if (stage === 'specialization') {
      if (!run.extraction) throw new Error('specialization started without an extraction');
      const rules = pipeline ? evaluateRules(run.extraction.entities, pipeline) : { passed: [] };
      if (rules.decision) {
        const { rule, verdict } = rules.decision;
        await this.note(
          { run, stage, pipeline, passedRules, events, paid },
          `rule ${rule} decided: no model call`,
          true,
        );
        return decidedByRule(rule, verdict);
      }
      passedRules = rules.passed;
    }
    return this.callModels({ run, stage, pipeline, passedRules, events, paid });
  }

  /**
   * The run's model, then the stage's fallbacks in order: the next is tried
   * once the one before has failed for good (its own retries spent) with a
   * code of the stage's `fallbackOn`. Every switch is an event, a log line
   * and a metric; the result names the model that answered and those tried.
   */
  private async callModels(c: StageCall): Promise<StageResult> {
    const { run, stage, pipeline } = c;
    const definition: StageDefinition | undefined = pipeline?.definition[stage];
    const first = stage === 'extraction' ? run.primaryModelId : run.secondaryModelId;
    // a fallback a reload took off the allow-list is not called (the run's own model was checked before)
    const allowed = this.options.allowedModelIds();
    const models = [first, ...(definition?.fallbacks ?? []).filter((m) => m !== first && allowed.has(m))];
    const fallbackOn = new Set<string>(definition?.fallbackOn ?? []);
    const tried: string[] = [];
    let attemptOffset = 0;
    for (const [i, model] of models.entries()) {
      const call: ModelCall = { model, attemptOffset, highest: attemptOffset };
      try {
        const result = await this.callModel(c, call);
        if (!result.cached) c.paid.push({ model, usage: result.usage });
        if (tried.length === 0) return result;
        // the stage's usage is all it paid, the answers of models that failed before included
        return copyWith(result, {
          usage: c.paid.map((p) => p.usage).reduce(addUsage, ZERO_USAGE),
          modelsTried: tried,
        } satisfies Partial<StageResult>);
      } catch (err) {
        if (err instanceof StageFailure && err.usage) c.paid.push({ model, usage: err.usage });
        const next = models[i + 1];
        const code = fallbackCode(err);
        if (next === undefined || code === undefined || !fallbackOn.has(code) || NEVER_FALL_BACK.has(code)) throw err;
        tried.push(model);
        attemptOffset = call.highest;
        this.options.logger.warn(
          { runId: run.id, stage, from: model, to: next, code },
          'stage falls back to another model',
        );
        this.options.onFallback?.(stage, model, next, code);
        await this.note(c, `falling back from model "${model}" to "${next}": ${code}`);
      }
    }
    throw new Error('a stage has at least one model');
  }

  /**
   * One model: from the response cache when the stage has one and an
   * identical request was answered (or is being answered on this instance),
   * else a call whose answer is then cached for the stage's `ttlSeconds`.
   */
  private async callModel(c: StageCall, call: ModelCall): Promise<StageResult> {
    const { run, stage, pipeline, passedRules } = c;
    const invoke = () => this.invoke(c, call);
    const cache = pipeline?.definition[stage].cache;
    if (!pipeline || !cache) return invoke();
    const { store, onCache } = this.options;
    const key = cacheKey(run, stage, pipeline, passedRules, call.model);
    const stored = await store.cacheGet(key).catch(() => null);
    if (stored) {
      onCache?.(stage, 'hit');
      return this.fromCache(c, stored, 'answered from the response cache');
    }
    const under = this.cacheInflight.get(key);
    if (under) {
      // the same request is being answered here now: its answer is this one's too (if it fails, this one calls)
      const shared = await under.catch(() => undefined);
      if (shared) {
        onCache?.(stage, 'coalesced');
        return this.fromCache(c, shared, 'answered by an identical call under way');
      }
    }
    onCache?.(stage, 'miss');
    const answering = invoke().then((result) => ({ runId: run.id, result }));
    this.cacheInflight.set(key, answering);
    try {
      const entry = await answering;
      await store
        .cachePut(key, entry, cache.ttlSeconds * 1000)
        .catch((err: unknown) => this.options.logger.warn({ err, runId: run.id, stage }, 'could not cache an answer'));
      return entry.result;
    } finally {
      this.cacheInflight.delete(key);
    }
  }

  /** A cached answer as this run's result: no call, no tokens; the run that paid for it is named. */
  private async fromCache(c: StageCall, entry: CachedStage, how: string): Promise<StageResult> {
    await this.note(c, `${how} (paid by run ${entry.runId}): no model call`, true);
    return copyWith(entry.result, {
      usage: ZERO_USAGE,
      latencyMs: 0,
      attempts: 0,
      cached: true,
      cachedFrom: entry.runId,
      modelsTried: [],
    } satisfies Partial<StageResult>);
  }

  /** The model call itself; each attempt is an event of the run as it starts, numbered across models. */
  private invoke(c: StageCall, call: ModelCall): Promise<StageResult> {
    const { run, stage, pipeline, passedRules, events } = c;
    const { gateway, now, lifetime, entityBounds } = this.options;
    const onAttempt = (n: AttemptNotice) => {
      const attempt = call.attemptOffset + n.attempt;
      call.highest = Math.max(call.highest, attempt);
      return events.write({
        stage: RUNNING_STAGE[stage],
        at: isoTime(now()),
        attempt,
        message: n.reason ?? null,
        running: stage,
        clearError: attempt === 1,
      });
    };
    const logContext = { runId: run.id, stage };
    // each call's options written out, not a spread of the common ones (slow on Node 20: copy-with.ts)
    if (stage === 'extraction') {
      return runExtraction(gateway, run.text, {
        signal: lifetime,
        onAttempt,
        logContext,
        modelId: call.model,
        stage: pipeline?.definition.extraction,
        entities: pipeline?.entities,
        bounds: entityBounds,
      });
    }
    return runSpecialization(gateway, (run.extraction as ExtractionResult).entities, {
      signal: lifetime,
      onAttempt,
      logContext,
      modelId: call.model,
      stage: pipeline?.definition.specialization,
      passedRules,
    });
  }

  /** An event of the running stage that says what happened without a model attempt (a rule, the cache, a fallback). */
  private note(c: StageCall, message: string, clearError = false): Promise<void> {
    return c.events.write({
      stage: RUNNING_STAGE[c.stage],
      at: isoTime(this.options.now()),
      message,
      running: c.stage,
      ...(clearError ? { clearError } : {}),
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

/** The code a fallback is decided on: CIRCUIT_OPEN for a call refused by an open circuit. */
function fallbackCode(err: unknown): FallbackCode | string | undefined {
  if (err instanceof GatewayError && err.circuitOpen) return 'CIRCUIT_OPEN';
  return err instanceof AppError ? err.code : undefined;
}

/**
 * The response cache's key: the pipeline version, the stage, the model, and
 * the exact messages and options the call sends. An edited prompt is a new
 * version, so it never gets an old answer.
 */
function cacheKey(
  run: RunRecord,
  stage: StageName,
  pipeline: CompiledPipeline,
  passedRules: string[],
  model: string,
): string {
  const { extraction, specialization } = pipeline.definition;
  const sent =
    stage === 'extraction'
      ? [extractionMessages(run.text, extraction), extractionOptions(extraction)]
      : [
          specializationMessages((run.extraction as ExtractionResult).entities, passedRules, specialization),
          specializationOptions(specialization),
        ];
  const hash = createHash('sha256').update(JSON.stringify([pipeline.version, stage, model, ...sent]));
  return `${pipeline.name}:${stage}:${hash.digest('hex')}`;
}

/**
 * What a stage's outcome adds to usage of the day: the tokens each model was
 * paid, counted to that model; the run once, with its first stage; a cache
 * hit or a rule's decision to the model (or `rules`) that stands for it.
 */
function usageOf(
  run: RunRecord,
  payer: string | null,
  stage: StageName,
  at: Date,
  paid: Paid[],
  result?: StageResult,
): UsageIncrement[] {
  const day = isoTime(at).slice(0, 10);
  // a literal, not a spread of the common fields: 3.5 µs a row on Node 20 (see copy-with.ts)
  const row = (model: string, promptTokens: number, completionTokens: number): UsageIncrement => ({
    key: payer,
    pipeline: run.pipeline.name,
    day,
    model,
    runs: 0,
    promptTokens,
    completionTokens,
    cacheHits: 0,
    rulesDecisions: 0,
  });
  const rows = paid.map(({ model, usage }) => row(model, usage.promptTokens, usage.completionTokens));
  const cached = result?.cached === true;
  const rule = result !== undefined && 'decidedBy' in result && result.decidedBy === 'RULES';
  if (cached || rule || rows.length === 0) {
    rows.push(row(result?.model ?? (stage === 'extraction' ? run.primaryModelId : run.secondaryModelId), 0, 0));
  }
  const last = rows[rows.length - 1] as UsageIncrement;
  if (cached) last.cacheHits = 1;
  if (rule) last.rulesDecisions = 1;
  // a run counts once: with its first extraction outcome (one written by a runner carries its usage;
  // the sweep's RUN_INTERRUPTED of a dead holder does not, and that holder's outcome was never counted)
  const countedBefore = run.error?.stage === 'EXTRACTING' && run.error.usage !== undefined;
  if (stage === 'extraction' && !countedBefore) last.runs = 1;
  return rows;
}

/** A rule's verdict as the stage's result: no model, no tokens, no time spent waiting. */
function decidedByRule(rule: string, verdict: SpecializationVerdict): SpecializationResult {
  return copyWith(verdict, {
    decidedBy: 'RULES' as const,
    rule,
    model: RULES_MODEL,
    usage: ZERO_USAGE,
    latencyMs: 0,
    attempts: 0,
    raw: '',
    correlationId: null,
  } satisfies Partial<SpecializationResult>);
}
