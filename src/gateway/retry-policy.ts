import { FORBIDDEN_MESSAGE, GatewayError, type GatewayErrorCode } from './errors.js';

/**
 * The call policy (docs/api.md "Call policy") in one place: which answers are tried again,
 * how long to wait, and which code a failure ends with. Like openai-node's
 * retry loop, a server's own hint (`retry-after-ms`, `Retry-After`) wins over
 * our backoff when it is sane; unlike it, we never retry a 4xx we cannot fix.
 */

const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504]);
export const MAX_SERVER_WAIT_MS = 60_000;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 8_000;

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * The wait the server asked for, in ms, or undefined when it asked for none or
 * for more than 60 s (then our own backoff applies: a minutes-long hint would
 * hold the caller past any sensible deadline).
 */
export function serverRetryDelayMs(
  header: (name: string) => string | undefined,
  now: number = Date.now(),
): number | undefined {
  let ms: number | undefined;
  const retryAfterMs = header('retry-after-ms');
  if (retryAfterMs !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(retryAfterMs)) {
    ms = Number.parseFloat(retryAfterMs);
  } else {
    const retryAfter = header('retry-after')?.trim();
    if (retryAfter) {
      if (/^\d+(\.\d+)?$/.test(retryAfter)) ms = Number.parseFloat(retryAfter) * 1000;
      // every HTTP-date form has an hh:mm:ss; without it Date.parse takes junk ("-3") for a past date
      else if (/\d{2}:\d{2}:\d{2}/.test(retryAfter)) {
        const at = Date.parse(retryAfter);
        if (!Number.isNaN(at)) ms = Math.max(0, at - now);
      }
    }
  }
  return ms !== undefined && ms >= 0 && ms <= MAX_SERVER_WAIT_MS ? Math.ceil(ms) : undefined;
}

/** Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(retry-1))]. */
export function backoffDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** The code and wording of a non-2xx answer from the model endpoint. */
export function errorForStatus(
  status: number,
  modelId: string,
  detail: string,
  extra: { correlationId: string | null; retryAfterMs?: number },
): GatewayError {
  const retryable = isRetryableStatus(status);
  const suffix = detail ? `: ${detail}` : '';
  const make = (code: GatewayErrorCode, message: string) =>
    new GatewayError(code, message, { retryable, status, ...extra });
  if (status === 401)
    return make('GATEWAY_AUTH_FAILED', 'The LLM gateway answered 401 Unauthorized even with a fresh token.');
  if (status === 403) return make('GATEWAY_FORBIDDEN', FORBIDDEN_MESSAGE);
  if (status === 404)
    return make(
      'MODEL_NOT_FOUND',
      `The LLM gateway has no model "${modelId}" (HTTP 404). Check PRIMARY_MODEL_ID and SECONDARY_MODEL_ID.`,
    );
  if (status === 429)
    return make('GATEWAY_RATE_LIMITED', `The LLM gateway is rate limiting calls to "${modelId}" (HTTP 429)${suffix}`);
  if (status === 408) return make('GATEWAY_TIMEOUT', `The LLM gateway timed out the request (HTTP 408)${suffix}`);
  if (status === 409 || status >= 500)
    return make('GATEWAY_UNAVAILABLE', `The LLM gateway is unavailable (HTTP ${status})${suffix}`);
  return make('GATEWAY_REJECTED', `The LLM gateway rejected the request for "${modelId}" (HTTP ${status})${suffix}`);
}
