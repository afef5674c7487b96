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
  /** one record per request: three WeakMaps cost three hash lookups each way on every request */
  const requests = new WeakMap<Request, { started: number; id: string; path: string; operation?: string }>();
  return {
    onRequest({ request, url }) {
      const given = request.headers.get('x-request-id');
      requests.set(request, {
        started: performance.now(),
        id: given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID(),
        path: url.pathname,
      });
    },
    onParams({ params, request }) {
      const r = requests.get(request);
      if (r && params.operationName) r.operation = params.operationName;
    },
    onResponse({ request, response }) {
      // none: a plugin of Yoga's own answered before this one saw the request
      const r = requests.get(request);
      if (r) response.headers.set('x-request-id', r.id);
      // below info nothing is written, so nothing need be built
      if (!logger.isLevelEnabled('info')) return;
      const path = r?.path ?? new URL(request.url, 'http://localhost').pathname;
      // probes would drown everything else
      if (PUBLIC_PATHS.has(path)) return;
      logger.info(
        {
          method: request.method,
          path,
          status: response.status,
          ms: r && Math.round((performance.now() - r.started) * 10) / 10,
          operation: r?.operation,
          requestId: r?.id,
        },
        'request',
      );
    },
  };
}
