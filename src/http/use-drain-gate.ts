import type { Plugin } from 'graphql-yoga';
import { SHUTTING_DOWN_MESSAGE } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { PUBLIC_PATHS } from './paths.js';
import { refusal } from './refusal.js';

/** Once a shutdown began, new operations are refused with 503 SHUTTING_DOWN so a load balancer retries elsewhere. */
export function useDrainGate(isDraining: () => boolean, metrics: Metrics): Plugin {
  return {
    onRequest({ url, endResponse }) {
      if (!isDraining() || PUBLIC_PATHS.has(url.pathname)) return;
      metrics.operationRejected('shutting_down');
      endResponse(
        refusal(url, 'SHUTTING_DOWN', SHUTTING_DOWN_MESSAGE, { headers: { connection: 'close', 'retry-after': '1' } }),
      );
    },
  };
}
