import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';
import { PATHS } from './paths.js';

/** `GET /metrics` (PATHS.metrics) in the Prometheus text format (open subscriptions are counted by useSubscriptionLimits). */
export function useMetrics(metrics: Metrics): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== PATHS.metrics) return;
      endResponse(
        new fetchAPI.Response(await metrics.registry.metrics(), {
          headers: { 'content-type': metrics.registry.contentType },
        }),
      );
    },
  };
}
