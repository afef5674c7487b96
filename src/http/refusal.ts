import { Response as YogaResponse } from '@whatwg-node/fetch';
import { type ErrorCode, httpStatusFor } from '../errors.js';
import { unifiedError } from '../pipeline/unified.js';
import { isRestRoute } from './paths.js';

/**
 * The one way a plugin ends an HTTP request with a coded refusal, before
 * GraphQL runs: in the shape the route speaks (the unified JSON on the REST
 * route, a GraphQL `errors` body anywhere else), with the code's HTTP status
 * unless the refusal needs a more precise one (405, 413, 415).
 */
export function refusal(
  url: URL,
  code: ErrorCode,
  message: string,
  options: { status?: number; headers?: Record<string, string> } = {},
): Response {
  const body = isRestRoute(url)
    ? unifiedError(code, message, null).body
    : { errors: [{ message, extensions: { code } }] };
  return jsonResponse(options.status ?? httpStatusFor(code), body, options.headers);
}

/**
 * A JSON answer, for refusals, probes and the REST route. Made with the Fetch
 * API Yoga's server adapter is built on (`@whatwg-node/fetch`), whose string
 * body the adapter writes as it is: Node's own `Response` wraps a body in a
 * web ReadableStream that the adapter then reads back chunk by chunk, about
 * 5 % of a REST run's CPU.
 */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new YogaResponse(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The rate limit's refusal, the same for GraphQL and REST. */
export function rateLimitMessage(perMinute: number, cost: number, retryAfterSeconds: number): string {
  const counts = cost === 1 ? '' : ` (this operation counts ${cost})`;
  return `Rate limit of ${perMinute} a minute reached${counts}; retry in ${retryAfterSeconds} s.`;
}
