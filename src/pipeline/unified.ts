import { type ErrorCode, httpStatusFor, InternalError, toAppError } from '../errors.js';
import { GatewayError } from '../gateway/errors.js';
import { isoTime } from './iso-time.js';
import type { Orchestrator } from './orchestrator.js';

/**
 * The one-shot answer conversational clients already parse (docs/api.md
 * "REST and CLI: the unified JSON"): both stages run, then one JSON object, success or error.
 */
export type UnifiedResponse =
  | {
      status: 'success';
      extraction: Record<string, unknown>;
      specialization: { isValid: boolean; reason: string; nextSteps: string[] };
      metadata: UnifiedMetadata;
    }
  | { status: 'error'; code: ErrorCode; message: string; metadata: UnifiedMetadata };

interface UnifiedMetadata {
  timestamp: string;
  pipelineStage: 'complete' | 'failed';
  requestId: string | null;
}

export interface UnifiedOutcome {
  httpStatus: number;
  body: UnifiedResponse;
  /** when to try again, in whole seconds, if the gateway said so in its last refusal: REST's Retry-After */
  retryAfterSeconds?: number;
}

export async function orchestrateUnified(
  orchestrator: Orchestrator,
  input: unknown,
  signal?: AbortSignal,
  apiKey: string | null = null,
): Promise<UnifiedOutcome> {
  let runId: string | null = null;
  try {
    const run = await orchestrator.create(input, { apiKey });
    runId = run.id;
    // a retry with the same idempotencyKey after a retryable failure (429, 503, RUN_INTERRUPTED...) tries
    // the failed stage again: REST has no resumeRun, and the stored failure would otherwise answer for 24 h
    const specialization = await orchestrator.ensureStage(run.id, 'specialization', {
      signal,
      retryFailed: true,
      apiKey,
    });
    const extraction = await orchestrator.ensureStage(run.id, 'extraction', { signal, apiKey });
    return {
      httpStatus: 200,
      body: {
        status: 'success',
        extraction: extraction.entities,
        specialization: {
          isValid: specialization.isValid,
          reason: specialization.reason,
          nextSteps: specialization.nextSteps,
        },
        metadata: { timestamp: isoTime(new Date()), pipelineStage: 'complete', requestId: run.id },
      },
    };
  } catch (err) {
    const known = toAppError(err);
    // a bug is for the caller to log and mask
    if (known instanceof InternalError) throw err;
    const outcome = unifiedError(known.code, known.message, runId);
    const retryAfterSeconds = gatewayRetryAfterSeconds(known);
    return retryAfterSeconds === undefined ? outcome : { ...outcome, retryAfterSeconds };
  }
}

/**
 * The wait the gateway asked for (its Retry-After) in the refusal a stage
 * failed on, found through the failure's causes. A failure read back from the
 * store has no causes, and then no wait is claimed.
 */
function gatewayRetryAfterSeconds(err: Error): number | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    if (e instanceof GatewayError && e.retryAfterMs !== undefined) return Math.max(1, Math.ceil(e.retryAfterMs / 1000));
  }
  return undefined;
}

export function unifiedError(code: ErrorCode, message: string, runId: string | null): UnifiedOutcome {
  return {
    httpStatus: httpStatusFor(code),
    body: {
      status: 'error',
      code,
      message,
      metadata: { timestamp: new Date().toISOString(), pipelineStage: 'failed', requestId: runId },
    },
  };
}
