import { AppError, type GatewayErrorCode } from '../errors.js';

export type { GatewayErrorCode };

export interface GatewayErrorDetails {
  retryable: boolean;
  /** the gateway's HTTP status, when it answered */
  status?: number;
  /** HTTP attempts made, the first included (0: refused before any, by an open circuit) */
  attempts?: number;
  correlationId?: string | null;
  /** the server's own wait hint, honoured by the retry loop */
  retryAfterMs?: number;
  /** the network error or the last attempt's failure behind this one */
  cause?: unknown;
  /** refused without a call: the model's circuit is open */
  circuitOpen?: boolean;
}

/** A model call that failed: the code clients see, the gateway's status, and how many attempts it took. */
export class GatewayError extends AppError {
  override name = 'GatewayError';
  declare readonly code: GatewayErrorCode;
  readonly status: number | undefined;
  readonly attempts: number;
  readonly correlationId: string | null;
  readonly retryAfterMs: number | undefined;
  /** refused without a call because the model's circuit is open (a fallback's CIRCUIT_OPEN) */
  readonly circuitOpen: boolean;

  constructor(code: GatewayErrorCode, message: string, details: GatewayErrorDetails) {
    super(code, message, { retryable: details.retryable, cause: details.cause });
    this.status = details.status;
    this.attempts = details.attempts ?? 1;
    this.correlationId = details.correlationId ?? null;
    this.retryAfterMs = details.retryAfterMs;
    this.circuitOpen = details.circuitOpen ?? false;
  }

  /** The same failure, counted as the last of `attempts`. */
  after(attempts: number, code: GatewayErrorCode = this.code, message = this.message): GatewayError {
    return new GatewayError(code, message, {
      retryable: this.retryable,
      status: this.status,
      attempts,
      correlationId: this.correlationId,
      retryAfterMs: this.retryAfterMs,
      cause: this.cause,
      circuitOpen: this.circuitOpen,
    });
  }
}

export const FORBIDDEN_MESSAGE =
  "The LLM gateway answered 403 Forbidden: the OAuth client lacks the LLM gateway permission (llm:gateway:invoke). Grant it to the client's role in Genesys Cloud admin.";
