import type { GatewayErrorCode } from './gateway/errors.js';

/**
 * Every code a client can switch on (CONTRACT.md "Error codes"), in one union,
 * with the HTTP status the REST route and the CLI report it as.
 */
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
  | 'STORE_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'PIPELINE_NOT_FOUND'
  | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RUN_NOT_FOUND: 404,
  // a name the client chose that matches no pipeline: bad input (422), not a missing resource
  PIPELINE_NOT_FOUND: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
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

/** An expected failure with a code; anything else that escapes is a bug and is masked. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}
