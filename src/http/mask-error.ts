import { GraphQLError } from 'graphql';
import { InternalError, toAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { StageFailure } from '../pipeline/failures.js';

/** Refusals of the whole request: their HTTP status is the response's too. */
const REQUEST_LEVEL = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED']);

/**
 * Expected failures keep their message and gain `extensions.code` (and, for
 * a stage, `extensions.stage` and `retryable`); anything else is a bug, is
 * logged whole, and reaches the client as a masked INTERNAL_SERVER_ERROR.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const original = rootCause(error);
    const located = error instanceof GraphQLError ? error : undefined;
    // parse and validation errors, and GraphQLErrors thrown on purpose, are meant for the client
    if (original instanceof GraphQLError) return error as GraphQLError;
    if (isAbort(original)) {
      return new GraphQLError('The request was cancelled before this field was resolved.', {
        path: located?.path,
        extensions: { code: 'REQUEST_CANCELLED' },
      });
    }
    const known = toAppError(original);
    if (known instanceof InternalError) {
      logger.error({ err: original, path: located?.path }, 'unexpected error in a resolver');
      return new GraphQLError(message, { path: located?.path, extensions: { code: known.code } });
    }
    return new GraphQLError(known.message, {
      nodes: located?.nodes,
      source: located?.source,
      positions: located?.positions,
      path: located?.path,
      extensions: {
        code: known.code,
        ...(known instanceof StageFailure && known.stage ? { stage: known.stage } : {}),
        retryable: known.retryable,
        ...(REQUEST_LEVEL.has(known.code) ? { http: { status: known.httpStatus } } : {}),
      },
    });
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
