/**
 * Closed-loop load: `concurrency` workers, each starting its next run as soon
 * as its last one ends. Warm-up first (measured nothing), then the window:
 * throughput counts the runs that end inside it, latency takes every run that
 * starts and ends inside it.
 */

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** one run; rejects or resolves false on a failed run */
  run: (worker: number, i: number) => Promise<boolean>;
  /** called when the measuring window opens and closes */
  onWindow?: (edge: 'start' | 'end') => void;
}

export interface LoadResult {
  concurrency: number;
  /** runs ended (successfully) inside the window, per second */
  throughput: number;
  ok: number;
  failed: number;
  /** the first failure's message, if any */
  firstError?: string;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  windowMs: number;
  /** every latency sample of the window, sorted */
  samples: number[];
}

export async function closedLoop(o: LoadOptions): Promise<LoadResult> {
  const samples: number[] = [];
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const windowStart = t0 + o.warmupMs;
  const windowEnd = windowStart + o.durationMs;
  let opened = false;
  let closed = false;
  const openTimer = setTimeout(() => {
    opened = true;
    o.onWindow?.('start');
  }, o.warmupMs);
  const closeTimer = setTimeout(() => {
    closed = true;
    o.onWindow?.('end');
  }, o.warmupMs + o.durationMs);

  const worker = async (w: number) => {
    let i = 0;
    for (;;) {
      const start = performance.now();
      if (start >= windowEnd) return;
      let good = true;
      try {
        const r = await o.run(w, i++);
        if (r === false) good = false;
      } catch (e) {
        good = false;
        firstError ??= e instanceof Error ? e.message : JSON.stringify(e);
      }
      const end = performance.now();
      if (end < windowStart || end > windowEnd) continue;
      if (!good) {
        failed++;
        firstError ??= 'a run answered without its result';
        continue;
      }
      ok++;
      if (start >= windowStart) samples.push(end - start);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  clearTimeout(openTimer);
  clearTimeout(closeTimer);
  // a late timer (the loop was busy) must not lose an edge: the caller's accounting relies on both
  if (!opened) o.onWindow?.('start');
  if (!closed) o.onWindow?.('end');

  samples.sort((a, b) => a - b);
  const windowMs = o.durationMs;
  return {
    concurrency: o.concurrency,
    throughput: ok / (windowMs / 1000),
    ok,
    failed,
    firstError,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    mean: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : Number.NaN,
    max: samples.length ? (samples[samples.length - 1] as number) : Number.NaN,
    windowMs,
    samples,
  };
}

/** Nearest-rank percentile of sorted samples; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}
