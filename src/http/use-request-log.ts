import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';

/** One log line per HTTP request: method, path, status, duration and the GraphQL operation. */
export function useRequestLog(logger: Logger): Plugin {
  const started = new WeakMap<Request, number>();
  const operations = new WeakMap<Request, string>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onParams({ params, request }) {
      if (params.operationName) operations.set(request, params.operationName);
    },
    onResponse({ request, response }) {
      const t0 = started.get(request);
      const path = new URL(request.url, 'http://localhost').pathname;
      // probes would drown everything else
      if (path === '/health' || path === '/ready' || path === '/metrics') return;
      logger.info(
        {
          method: request.method,
          path,
          status: response.status,
          ms: t0 === undefined ? undefined : Math.round((performance.now() - t0) * 10) / 10,
          operation: operations.get(request),
          requestId: request.headers.get('x-request-id') ?? undefined,
        },
        'request',
      );
    },
  };
}
