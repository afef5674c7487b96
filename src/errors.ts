/**
 * The one root of every expected failure (docs/api.md "Error codes"): a code a
 * client can switch on, whether trying again may help, the HTTP status it is
 * answered with, and the error that caused it. Read-only once made. Anything
 * that is not an `AppError` is a bug: `toAppError` turns it into a masked
 * INTERNAL_SERVER_ERROR and keeps the original as `cause` for the log.
 */

/** The codes a failed model call ends with (the gateway's own subset). */
export type GatewayErrorCode =
  | 'GATEWAY_AUTH_FAILED'
  | 'GATEWAY_FORBIDDEN'
  | 'MODEL_NOT_FOUND'
  | 'GATEWAY_REJECTED'
  | 'GATEWAY_RATE_LIMITED'
  | 'GATEWAY_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT';

export type ErrorCode =
  | GatewayErrorCode
  | 'BAD_USER_INPUT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'MODEL_OUTPUT_INVALID'
  | 'RUN_NOT_FOUND'
  | 'RUN_INTERRUPTED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'STORE_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'PIPELINE_NOT_FOUND'
  | 'BUDGET_EXCEEDED'
  | 'INTERNAL_SERVER_ERROR';

/** The status each code is answered with, over REST and for request-level refusals over GraphQL. */
const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RUN_NOT_FOUND: 404,
  // a name the client chose that matches no pipeline: bad input (422), not a missing resource
  PIPELINE_NOT_FOUND: 422,
  BUDGET_EXCEEDED: 429,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  TOO_MANY_SUBSCRIPTIONS: 429,
  GATEWAY_RATE_LIMITED: 429,
  GATEWAY_AUTH_FAILED: 502,
  GATEWAY_FORBIDDEN: 502,
  MODEL_NOT_FOUND: 502,
  GATEWAY_REJECTED: 502,
  MODEL_OUTPUT_INVALID: 502,
  GATEWAY_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  RUN_INTERRUPTED: 503,
  GATEWAY_TIMEOUT: 504,
  INTERNAL_SERVER_ERROR: 500,
};

export function httpStatusFor(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}

export interface AppErrorOptions {
  /** whether the same request may succeed later (default false) */
  retryable?: boolean;
  /** the error this one explains, kept for the log; never sent to a client */
  cause?: unknown;
}

/** What a draining server answers new work with, over HTTP, WebSocket and in the orchestrator. */
export const SHUTTING_DOWN_MESSAGE = 'The server is shutting down; try another instance.';

/** An expected failure with a code; anything else that escapes is a bug and is masked. */
export class AppError extends Error {
  override name = 'AppError';
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }

  /** The HTTP status this failure is answered with. */
  get httpStatus(): number {
    return httpStatusFor(this.code);
  }
}

/** What a bug looks like to a client: no detail, the original kept as `cause` for the log. */
export class InternalError extends AppError {
  override name = 'InternalError';
  constructor(cause: unknown, message = 'Unexpected error.') {
    super('INTERNAL_SERVER_ERROR', message, { cause });
  }
}

/** Every failure as an `AppError`: expected ones as they are, anything else as an `InternalError`. */
export function toAppError(err: unknown): AppError {
  return err instanceof AppError ? err : new InternalError(err);
}
