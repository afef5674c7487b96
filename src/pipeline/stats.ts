import type { RunStore } from '../store/run-store.js';
import type { RunRecord } from './run.js';
import { PIPELINE_STAGES, type PipelineStage } from './types.js';

/**
 * What a dashboard shows of the recent past, computed from the stored runs
 * of a window: nothing here is kept apart from the runs themselves, so every
 * instance sharing a store answers the same (circuits excepted: those are
 * each process's own, and the schema adds them).
 */
export interface RunStats {
  since: string;
  until: string;
  /** runs the window held, as far as the cap let us read */
  runs: number;
  /** true when the window held more runs than the cap: the figures cover the newest `runs` only */
  truncated: boolean;
  byStage: Array<{ stage: PipelineStage; runs: number }>;
  failuresByCode: Array<{ code: string; runs: number }>;
  /** stages that produced a result (a failed stage stores no latency) */
  stageLatency: Array<{ stage: 'EXTRACTING' | 'SPECIALIZING'; count: number; p50Ms: number; p95Ms: number }>;
  /** tokens paid per model, failed stages' included */
  tokensByModel: Array<{
    model: string;
    calls: number;
    promptTokens: number;
    completionTokens: number;
    totalTokens: number;
  }>;
  /** runs created per bucket, oldest first, with how many of them stand FAILED */
  timeline: Array<{ start: string; runs: number; failed: number }>;
  bucketMinutes: number;
}

export interface StatsWindow {
  sinceMinutes: number;
  now: Date;
  /** the most runs read; the newest are kept */
  cap: number;
}

/** Runs read per store round trip. */
const PAGE = 100;
/** About this many buckets across any window. */
const BUCKETS = 60;

/** Pages through the window's runs, newest first, until one is older than the window or the cap is reached. */
export async function collectStats(store: Pick<RunStore, 'list'>, w: StatsWindow): Promise<RunStats> {
  const since = new Date(w.now.getTime() - w.sinceMinutes * 60_000);
  const sinceIso = since.toISOString();
  const runs: RunRecord[] = [];
  let after: string | undefined;
  let truncated = false;
  for (;;) {
    const page = await store.list({ first: PAGE, after });
    let older = false;
    for (const { run } of page.runs) {
      if (run.createdAt < sinceIso) {
        older = true;
        break;
      }
      if (runs.length === w.cap) {
        truncated = true;
        break;
      }
      runs.push(run);
    }
    if (older || truncated || !page.hasNextPage) break;
    after = page.runs[page.runs.length - 1]?.cursor;
  }
  return summarize(runs, { since, until: w.now, truncated });
}

/** The figures of a set of runs: pure, so a test can check them on runs it makes. */
export function summarize(runs: readonly RunRecord[], o: { since: Date; until: Date; truncated: boolean }): RunStats {
  const byStage = new Map<PipelineStage, number>();
  const failures = new Map<string, number>();
  const latencies = { EXTRACTING: [] as number[], SPECIALIZING: [] as number[] };
  const tokens = new Map<string, RunStats['tokensByModel'][number]>();
  const addTokens = (model: string, usage: { promptTokens: number; completionTokens: number; totalTokens: number }) => {
    const row = tokens.get(model) ?? { model, calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    row.calls += 1;
    row.promptTokens += usage.promptTokens;
    row.completionTokens += usage.completionTokens;
    row.totalTokens += usage.totalTokens;
    tokens.set(model, row);
  };

  const windowMs = Math.max(1, o.until.getTime() - o.since.getTime());
  const bucketMinutes = Math.max(1, Math.ceil(windowMs / 60_000 / BUCKETS));
  const bucketMs = bucketMinutes * 60_000;
  const buckets = Array.from({ length: Math.ceil(windowMs / bucketMs) }, (_, i) => ({
    start: new Date(o.since.getTime() + i * bucketMs).toISOString(),
    runs: 0,
    failed: 0,
  }));

  for (const run of runs) {
    byStage.set(run.stage, (byStage.get(run.stage) ?? 0) + 1);
    if (run.stage === 'FAILED' && run.error) failures.set(run.error.code, (failures.get(run.error.code) ?? 0) + 1);
    if (run.extraction) {
      latencies.EXTRACTING.push(run.extraction.latencyMs);
      addTokens(run.extraction.model, run.extraction.usage);
    }
    if (run.specialization) {
      latencies.SPECIALIZING.push(run.specialization.latencyMs);
      addTokens(run.specialization.model, run.specialization.usage);
    }
    // a failed stage paid too: its tokens belong to the model the stage called
    // a failed stage that paid nothing (a 503, a timeout) made no billed call
    if (run.error?.usage && run.error.usage.totalTokens > 0) {
      addTokens(run.error.stage === 'SPECIALIZING' ? run.secondaryModelId : run.primaryModelId, run.error.usage);
    }
    const bucket = buckets[Math.floor((Date.parse(run.createdAt) - o.since.getTime()) / bucketMs)];
    if (bucket) {
      bucket.runs += 1;
      if (run.stage === 'FAILED') bucket.failed += 1;
    }
  }

  return {
    since: o.since.toISOString(),
    until: o.until.toISOString(),
    runs: runs.length,
    truncated: o.truncated,
    byStage: PIPELINE_STAGES.map((stage) => ({ stage, runs: byStage.get(stage) ?? 0 })),
    failuresByCode: [...failures]
      .map(([code, n]) => ({ code, runs: n }))
      .sort((a, b) => b.runs - a.runs || a.code.localeCompare(b.code)),
    stageLatency: (['EXTRACTING', 'SPECIALIZING'] as const).map((stage) => {
      const sorted = [...latencies[stage]].sort((a, b) => a - b);
      return { stage, count: sorted.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) };
    }),
    tokensByModel: [...tokens.values()].sort((a, b) => b.totalTokens - a.totalTokens || a.model.localeCompare(b.model)),
    timeline: buckets,
    bucketMinutes,
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
