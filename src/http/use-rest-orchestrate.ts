import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { Orchestrator } from '../pipeline/orchestrator.js';
import { orchestrateUnified, unifiedError } from '../pipeline/unified.js';

export const REST_PATH = '/v1/orchestrate';

/**
 * `POST /v1/orchestrate`: both stages, one unified JSON answer, for clients
 * that do not speak GraphQL. Goes through the same orchestrator.
 */
export function useRestOrchestrate(orchestrator: Orchestrator, logger: Logger): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== REST_PATH) return;
      const respond = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
          }),
        );
      if (request.method !== 'POST') {
        const { body } = unifiedError('BAD_USER_INPUT', `${REST_PATH} takes POST with a JSON body.`, null);
        return respond(405, body, { allow: 'POST' });
      }
      // JSON only: a browser form (text/plain, urlencoded) cannot start paid runs on a visitor's behalf
      if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) {
        const { body } = unifiedError(
          'BAD_USER_INPUT',
          `${REST_PATH} takes a JSON body (content-type: application/json).`,
          null,
        );
        return respond(415, body);
      }
      let input: unknown;
      try {
        input = await request.json();
      } catch {
        const { httpStatus, body } = unifiedError('BAD_USER_INPUT', 'The request body is not valid JSON.', null);
        return respond(httpStatus, body);
      }
      const { text, idempotencyKey, primaryModelId, secondaryModelId } = (input ?? {}) as Record<string, unknown>;
      try {
        const outcome = await orchestrateUnified(
          orchestrator,
          { text, idempotencyKey, primaryModelId, secondaryModelId },
          request.signal,
        );
        return respond(outcome.httpStatus, outcome.body);
      } catch (err) {
        logger.error({ err }, 'unexpected failure in REST orchestrate');
        const { httpStatus, body } = unifiedError(
          'INTERNAL_SERVER_ERROR',
          'The run failed on an unexpected error.',
          null,
        );
        return respond(httpStatus, body);
      }
    },
  };
}
