import { GraphQLError } from 'graphql';
import { AppError, httpStatusFor } from '../errors.js';
import type { Logger } from '../logger.js';
import { StageFailure } from '../pipeline/failures.js';

/**
 * Expected failures keep their message and gain `extensions.code` (and, for
 * a stage, `extensions.stage` and `retryable`); anything else is a bug, is
 * logged whole, and reaches the client as a masked INTERNAL_SERVER_ERROR.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const original = rootCause(error);
    const located = error instanceof GraphQLError ? error : undefined;
    const known = StageFailure.from(original) ?? (original instanceof AppError ? original : undefined);
    if (known) {
      const stage = known instanceof StageFailure ? known.stage : undefined;
      return new GraphQLError(known.message, {
        nodes: located?.nodes,
        source: located?.source,
        positions: located?.positions,
        path: located?.path,
        extensions: {
          code: known.code,
          ...(stage ? { stage } : {}),
          retryable: known.retryable,
          // a request-level refusal (401/403/429) sets the HTTP status too
          ...(['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'].includes(known.code)
            ? { http: { status: httpStatusFor(known.code) } }
            : {}),
        },
      });
    }
    // parse and validation errors, and GraphQLErrors thrown on purpose, are meant for the client
    if (original instanceof GraphQLError) return error as GraphQLError;
    if (isAbort(original)) {
      return new GraphQLError('The request was cancelled before this field was resolved.', {
        path: located?.path,
        extensions: { code: 'REQUEST_CANCELLED' },
      });
    }
    logger.error({ err: original, path: located?.path }, 'unexpected error in a resolver');
    return new GraphQLError(message, { path: located?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}

/** Executors wrap a resolver's error in one or more located GraphQLErrors. */
function rootCause(error: unknown): unknown {
  let e = error;
  while (e instanceof GraphQLError && e.originalError) e = e.originalError;
  return e;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
