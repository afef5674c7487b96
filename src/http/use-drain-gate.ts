import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';

/** Once a shutdown began, new operations are refused with 503 SHUTTING_DOWN so a load balancer retries elsewhere. */
export function useDrainGate(isDraining: () => boolean, metrics: Metrics): Plugin {
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (!isDraining() || (url.pathname !== '/graphql' && url.pathname !== '/v1/orchestrate')) return;
      if (request.method === 'GET' && request.headers.get('accept')?.includes('text/html')) return;
      metrics.operationRejected('shutting_down');
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              { message: 'The server is shutting down; try another instance.', extensions: { code: 'SHUTTING_DOWN' } },
            ],
          }),
          { status: 503, headers: { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' } },
        ),
      );
    },
  };
}
