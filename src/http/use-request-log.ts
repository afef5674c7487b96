import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { PUBLIC_PATHS } from './paths.js';

/**
 * One log line per HTTP request: method, path, status, duration, the GraphQL
 * operation and a request id (the caller's `x-request-id`, or a new one),
 * echoed in the response so a client can quote it.
 */
export function useRequestLog(logger: Logger): Plugin {
  const started = new WeakMap<Request, number>();
  const operations = new WeakMap<Request, string>();
  const ids = new WeakMap<Request, string>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
      const given = request.headers.get('x-request-id');
      ids.set(request, given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID());
    },
    onParams({ params, request }) {
      if (params.operationName) operations.set(request, params.operationName);
    },
    onResponse({ request, response }) {
      const requestId = ids.get(request);
      if (requestId) response.headers.set('x-request-id', requestId);
      const t0 = started.get(request);
      const path = new URL(request.url, 'http://localhost').pathname;
      // probes would drown everything else
      if (PUBLIC_PATHS.has(path)) return;
      logger.info(
        {
          method: request.method,
          path,
          status: response.status,
          ms: t0 === undefined ? undefined : Math.round((performance.now() - t0) * 10) / 10,
          operation: operations.get(request),
          requestId,
        },
        'request',
      );
    },
  };
}
