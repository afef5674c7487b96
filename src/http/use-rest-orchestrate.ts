import type { Plugin } from 'graphql-yoga';
import { keyNameOf } from '../access/key-ring.js';
import type { Logger } from '../logger.js';
import type { Orchestrator } from '../pipeline/orchestrator.js';
import { orchestrateUnified } from '../pipeline/unified.js';
import { isRestRoute, PATHS } from './paths.js';
import { jsonResponse, refusal } from './refusal.js';
import { callerOfRequest } from './use-access.js';

/**
 * `POST /v1/orchestrate`: both stages, one unified JSON answer, for clients
 * that do not speak GraphQL. Goes through the same orchestrator.
 */
export function useRestOrchestrate(orchestrator: Orchestrator, logger: Logger): Plugin {
  return {
    // synchronous for every other path: an async hook makes each request wait a microtask turn for nothing
    onRequest({ request, url, endResponse }) {
      if (isRestRoute(url)) return orchestrate(request, url, endResponse);
    },
  };

  async function orchestrate(request: Request, url: URL, endResponse: (response: Response) => void): Promise<void> {
    if (request.method !== 'POST') {
      const message = `${PATHS.rest} takes POST with a JSON body.`;
      return endResponse(refusal(url, 'BAD_USER_INPUT', message, { status: 405, headers: { allow: 'POST' } }));
    }
    // JSON only: a browser form (text/plain, urlencoded) cannot start paid runs on a visitor's behalf
    if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) {
      const message = `${PATHS.rest} takes a JSON body (content-type: application/json).`;
      return endResponse(refusal(url, 'BAD_USER_INPUT', message, { status: 415 }));
    }
    let input: unknown;
    try {
      input = await request.json();
    } catch {
      return endResponse(refusal(url, 'BAD_USER_INPUT', 'The request body is not valid JSON.'));
    }
    const { text, idempotencyKey, primaryModelId, secondaryModelId, pipeline } = (input ?? {}) as Record<
      string,
      unknown
    >;
    try {
      const outcome = await orchestrateUnified(
        orchestrator,
        { text, idempotencyKey, primaryModelId, secondaryModelId, pipeline },
        request.signal,
        keyNameOf(callerOfRequest(request)?.principal),
      );
      const headers: Record<string, string> =
        outcome.retryAfterSeconds === undefined ? {} : { 'retry-after': String(outcome.retryAfterSeconds) };
      return endResponse(jsonResponse(outcome.httpStatus, outcome.body, headers));
    } catch (err) {
      logger.error({ err }, 'unexpected failure in REST orchestrate');
      return endResponse(refusal(url, 'INTERNAL_SERVER_ERROR', 'The run failed on an unexpected error.'));
    }
  }
}
