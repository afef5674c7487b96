import type { StageCalls } from '../context.js';
import type { ExtractionResult, SpecializationResult, StageName } from '../pipeline/types.js';
import type { StagePlan } from './stage-plan.js';

type StageResult<S extends StageName> = S extends 'extraction' ? ExtractionResult : SpecializationResult;

/**
 * The stage work one mutation result started, per its plan, at the moment the
 * mutation resolved: `stage`, `error`, `usage` and `events` beside it then
 * describe the run after that work, and the first payload of a `@defer`
 * never waits for deferred work.
 */
export class RunWork {
  private readonly started = new Map<StageName, Promise<ExtractionResult | SpecializationResult>>();

  constructor(
    private readonly runId: string,
    readonly plan: StagePlan,
    private readonly calls: StageCalls,
    private readonly retryFailed: boolean,
    /** the caller's API key: what the stages call is counted to it */
    private readonly apiKey: string | null,
  ) {
    for (const stage of [...plan.now, ...plan.deferred]) this.result(stage);
  }

  /** The stage's result, from the work the plan started. */
  result<S extends StageName>(stage: S): Promise<StageResult<S>> {
    let done = this.started.get(stage);
    if (!done) {
      done = this.calls.call(this.runId, stage, this.retryFailed, this.apiKey);
      // a failure is the stage field's to report; here it only must not go unhandled
      done.catch(() => {});
      this.started.set(stage, done);
    }
    return done as Promise<StageResult<S>>;
  }

  /** Settles once the work a field waits for is over: the first payload's, or all of it. */
  async settled(deferred: boolean): Promise<void> {
    const stages = deferred ? [...this.plan.now, ...this.plan.deferred] : [...this.plan.now];
    await Promise.allSettled(stages.map((s) => this.result(s)));
  }
}
