import type { EventShape } from './api/shapes.js';

/**
 * A run's waterfall, from its events alone. Each stage (extraction,
 * specialization) is a bar from its first attempt to its outcome; a
 * resumed run may show a stage twice. Under each stage, one bar per attempt:
 * an attempt ends where the next event begins, and a retry's (or a
 * fallback's) reason is the message of the attempt that follows it.
 */

export type StageKey = 'extraction' | 'specialization';

export interface AttemptBar {
  attempt: number;
  start: number;
  end: number | null;
  /** for attempt 2 and later: why the one before failed, and how long this one waited */
  reason: string | null;
  kind: 'first' | 'retry' | 'fallback';
}

export interface StageBar {
  stage: StageKey;
  start: number;
  /** null while it runs */
  end: number | null;
  outcome: 'ok' | 'failed' | 'running';
  errorCode: string | null;
  attempts: AttemptBar[];
}

export interface Waterfall {
  /** ms since the epoch of RECEIVED: every start and end is relative to it */
  t0: number;
  /** the span the chart covers */
  total: number;
  stages: StageBar[];
}

const RUNNING: Record<string, StageKey> = { EXTRACTING: 'extraction', SPECIALIZING: 'specialization' };

export function waterfall(events: readonly EventShape[], now: number = Date.now()): Waterfall {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const first = sorted[0];
  const t0 = first ? Date.parse(first.at) : now;
  const stages: StageBar[] = [];
  let open: StageBar | undefined;
  for (const e of sorted) {
    const t = Date.parse(e.at) - t0;
    const running = RUNNING[e.stage];
    const lastAttempt = open?.attempts[open.attempts.length - 1];
    if (lastAttempt && lastAttempt.end === null) lastAttempt.end = t;
    if (running) {
      if (!open || open.stage !== running) {
        open = { stage: running, start: t, end: null, outcome: 'running', errorCode: null, attempts: [] };
        stages.push(open);
      }
      const attempt = e.attempt ?? open.attempts.length + 1;
      const reason = attempt > 1 ? (e.message ?? null) : null;
      open.attempts.push({
        attempt,
        start: t,
        end: null,
        reason,
        kind: attempt === 1 ? 'first' : /fall ?back/i.test(reason ?? '') ? 'fallback' : 'retry',
      });
      continue;
    }
    if (open && (e.stage === 'EXTRACTED' || e.stage === 'COMPLETE' || e.stage === 'FAILED')) {
      open.end = t;
      open.outcome = e.stage === 'FAILED' ? 'failed' : 'ok';
      open.errorCode = e.error?.code ?? null;
      open = undefined;
    }
  }
  const last = sorted[sorted.length - 1];
  const lastT = last ? Date.parse(last.at) - t0 : 0;
  const stillRunning = stages.some((s) => s.end === null);
  const total = Math.max(1, stillRunning ? Math.max(lastT, now - t0) : lastT);
  return { t0, total, stages };
}
