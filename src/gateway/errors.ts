/** Gateway failure codes: the `extensions.code` / `error.code` clients switch on (CONTRACT.md). */
export type GatewayErrorCode =
  | 'GATEWAY_AUTH_FAILED'
  | 'GATEWAY_FORBIDDEN'
  | 'MODEL_NOT_FOUND'
  | 'GATEWAY_REJECTED'
  | 'GATEWAY_RATE_LIMITED'
  | 'GATEWAY_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT';

export interface GatewayErrorDetails {
  retryable: boolean;
  status?: number;
  attempts?: number;
  correlationId?: string | null;
  /** the server's own wait hint, honoured by the retry loop */
  retryAfterMs?: number;
}

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly retryable: boolean;
  readonly status: number | undefined;
  attempts: number;
  correlationId: string | null;
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    details: GatewayErrorDetails,
  ) {
    super(message);
    this.retryable = details.retryable;
    this.status = details.status;
    this.attempts = details.attempts ?? 1;
    this.correlationId = details.correlationId ?? null;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export const FORBIDDEN_MESSAGE =
  "The LLM gateway answered 403 Forbidden: the OAuth client lacks the LLM gateway permission (llm:gateway:invoke). Grant it to the client's role in Genesys Cloud admin.";
