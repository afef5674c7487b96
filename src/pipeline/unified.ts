import { type ErrorCode, httpStatusFor, InternalError, toAppError } from '../errors.js';
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
        metadata: { timestamp: new Date().toISOString(), pipelineStage: 'complete', requestId: run.id },
      },
    };
  } catch (err) {
    const known = toAppError(err);
    // a bug is for the caller to log and mask
    if (known instanceof InternalError) throw err;
    return unifiedError(known.code, known.message, runId);
  }
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
