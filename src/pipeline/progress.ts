import { AppError } from '../errors.js';
import type { Orchestrator } from './orchestrator.js';
import { type StageEvent, TERMINAL_STAGES } from './run.js';

/**
 * A run's history, then its live events, with no gap and no duplicate: the
 * live subscription opens before the history is read, and live events the
 * history already holds are skipped by sequence number. Ends after COMPLETE
 * or FAILED.
 */
export async function* pipelineProgress(orchestrator: Orchestrator, runId: string): AsyncGenerator<StageEvent> {
  const live = orchestrator.bus.subscribe({ runId });
  try {
    const run = await orchestrator.store.get(runId);
    if (!run) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
    let last: StageEvent | undefined;
    for (const event of await orchestrator.store.events(runId)) {
      last = event;
      yield event;
    }
    if (last && TERMINAL_STAGES.has(last.stage)) return;
    const lastSeq = last?.seq ?? 0;
    let seen = lastSeq;
    for await (const event of live) {
      if (event.seq <= seen) continue;
      seen = event.seq;
      yield event;
      if (TERMINAL_STAGES.has(event.stage)) return;
    }
  } finally {
    live.close();
  }
}
