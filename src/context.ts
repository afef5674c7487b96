import DataLoader from 'dataloader';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Orchestrator } from './pipeline/orchestrator.js';
import type { RunRecord, StageEvent } from './pipeline/run.js';
import type { ExtractionResult, SpecializationResult, StageName } from './pipeline/types.js';

/**
 * Per-request state. Loaders dedupe and batch: aliases and repeated
 * selections of one run resolve through one load, and a page of 50 runs reads
 * its events in one store query.
 */
export interface Context extends YogaInitialContext {
  orchestrator: Orchestrator;
  loaders: Loaders;
  work: RequestWork;
}

export interface Loaders {
  run: DataLoader<string, RunRecord | null>;
  events: DataLoader<string, StageEvent[]>;
  /** key: `${runId}:${stage}:${retryFailed}`; runs the stage on demand (mutation results only) */
  stage: DataLoader<string, ExtractionResult | SpecializationResult>;
}

export function createLoaders(orchestrator: Orchestrator, signal: AbortSignal | undefined): Loaders {
  const store = orchestrator.store;
  return {
    run: new DataLoader((ids) => store.getMany(ids)),
    events: new DataLoader((ids) => store.eventsOfMany(ids)),
    stage: new DataLoader(
      async (keys) =>
        Promise.all(
          keys.map((key) => {
            const [runId, stage, retry] = key.split(':') as [string, StageName, string];
            return orchestrator
              .ensureStage(runId, stage, { signal, retryFailed: retry === 'retry' })
              .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
          }),
        ),
      // each key is its own call; batching only dedupes
      { batch: false },
    ),
  };
}

/**
 * The stage work a mutation's selection started, per run, so that `stage`,
 * `error`, `usage` and `events` in the same result describe the run after that
 * work and not before it. Work inside a `@defer` fragment is waited for only by
 * fields that are themselves deferred: the first payload must not wait for it.
 */
export class RequestWork {
  private readonly byRun = new Map<string, Array<{ done: Promise<unknown>; deferred: boolean }>>();

  track(runId: string, done: Promise<unknown>, deferred: boolean): void {
    const list = this.byRun.get(runId) ?? [];
    list.push({ done, deferred });
    this.byRun.set(runId, list);
  }

  async settled(runId: string, includeDeferred: boolean): Promise<void> {
    // sibling fields are resolved in the same tick: let them register their work first
    await new Promise((resolve) => setImmediate(resolve));
    let waited = 0;
    for (;;) {
      const pending = (this.byRun.get(runId) ?? []).filter((w) => includeDeferred || !w.deferred);
      if (pending.length === waited) return;
      waited = pending.length;
      await Promise.allSettled(pending.map((w) => w.done));
    }
  }
}

export function createContext(orchestrator: Orchestrator, initial: YogaInitialContext): Context {
  return {
    ...initial,
    orchestrator,
    loaders: createLoaders(orchestrator, initial.request?.signal),
    work: new RequestWork(),
  };
}
