import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';
import { unifiedError } from '../pipeline/unified.js';
import { PUBLIC_PATHS } from './use-access.js';
import { REST_PATH } from './use-rest-orchestrate.js';

/** Once a shutdown began, new operations are refused with 503 SHUTTING_DOWN so a load balancer retries elsewhere. */
export function useDrainGate(isDraining: () => boolean, metrics: Metrics): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (!isDraining() || PUBLIC_PATHS.has(url.pathname)) return;
      metrics.operationRejected('shutting_down');
      const message = 'The server is shutting down; try another instance.';
      const body =
        url.pathname === REST_PATH
          ? unifiedError('SHUTTING_DOWN', message, null).body
          : { errors: [{ message, extensions: { code: 'SHUTTING_DOWN' } }] };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 503,
          headers: { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' },
        }),
      );
    },
  };
}
