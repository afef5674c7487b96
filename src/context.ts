import DataLoader from 'dataloader';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Principal } from './access/key-ring.js';
import type { CircuitState } from './gateway/circuit-breaker.js';
import type { PipelineCatalog } from './pipeline/catalog.js';
import type { Orchestrator } from './pipeline/orchestrator.js';
import type { ProgressSource } from './pipeline/progress.js';
import type { RunRecord, StageEvent } from './pipeline/run.js';
import type { ExtractionResult, SpecializationResult, StageName } from './pipeline/types.js';
import type { RunReader } from './store/run-store.js';

/**
 * Per-request state. Loaders dedupe and batch: aliases and repeated
 * selections of one run resolve through one load, and a page of 50 runs reads
 * its events in one store query. Stage calls are made once per request.
 */
export interface Context extends YogaInitialContext {
  /** creates runs and runs their stages */
  orchestrator: Orchestrator;
  /** reads stored runs: queries never call a model */
  runs: RunReader;
  /** what subscriptions stream from */
  progress: ProgressSource;
  /** the pipelines served */
  pipelines: Pick<PipelineCatalog, 'list'>;
  /** this process's circuit per model (the runtime's CircuitBreaker), for `stats` */
  circuits: () => Array<{ model: string; state: CircuitState }>;
  /** who is calling: set by useAccess (HTTP) or the WebSocket server once the key is checked */
  caller?: { principal: Principal };
  loaders: Loaders;
  stageCalls: StageCalls;
}

/** What the app hands every request's context, explicitly. */
export interface ContextDeps {
  orchestrator: Orchestrator;
  runs: RunReader;
  progress: ProgressSource;
  pipelines: Pick<PipelineCatalog, 'list'>;
  circuits: Context['circuits'];
}

/**
 * The request's loaders, each made on its first use: most operations (every
 * subscription, a mutation) never load a stored run, and the context is built
 * for each of them.
 */
export class Loaders {
  private runLoader: DataLoader<string, RunRecord | null> | undefined;
  private eventsLoader: DataLoader<string, StageEvent[]> | undefined;

  constructor(private readonly store: RunReader) {}

  get run(): DataLoader<string, RunRecord | null> {
    this.runLoader ??= new DataLoader((ids) => this.store.getMany(ids));
    return this.runLoader;
  }

  get events(): DataLoader<string, StageEvent[]> {
    this.eventsLoader ??= new DataLoader((ids) => this.store.eventsOfMany(ids));
    return this.eventsLoader;
  }
}

/**
 * The stages a request asked for, once per run, stage and mode: two aliases
 * of `resumeRun` on one run retry a failed stage once, not twice (mutation
 * fields run one after another, so the second would otherwise find the first's
 * failure and retry it again).
 */
export class StageCalls {
  /** made on the first call: only mutations call stages */
  private calls: Map<string, Promise<ExtractionResult | SpecializationResult>> | undefined;

  constructor(
    private readonly orchestrator: Orchestrator,
    /** the request, whose signal is read on the first call: once it aborts, no stage is started for it */
    private readonly request: Pick<Request, 'signal'> | undefined,
  ) {}

  /** `apiKey`: the caller's key, which pays for what the stage calls */
  call(
    runId: string,
    stage: StageName,
    retryFailed: boolean,
    apiKey: string | null,
  ): Promise<ExtractionResult | SpecializationResult> {
    const key = `${runId}:${stage}:${retryFailed}`;
    this.calls ??= new Map();
    let call = this.calls.get(key);
    if (!call) {
      call = this.orchestrator.ensureStage(runId, stage, { signal: this.request?.signal, retryFailed, apiKey });
      this.calls.set(key, call);
    }
    return call;
  }
}

/**
 * Extends Yoga's initial context (the server context, `request`, `params`) in
 * place rather than copying it: Yoga merges what this returns into that same
 * object anyway (envelop's extendContext), and the copy by spread cost more
 * than all the rest of the context.
 */
export function createContext(deps: ContextDeps, initial: YogaInitialContext): Context {
  return Object.assign(initial, {
    orchestrator: deps.orchestrator,
    runs: deps.runs,
    progress: deps.progress,
    pipelines: deps.pipelines,
    circuits: deps.circuits,
    loaders: new Loaders(deps.runs),
    stageCalls: new StageCalls(deps.orchestrator, initial.request),
  });
}
