import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';
import { PATHS } from './paths.js';

/** `GET /metrics` (PATHS.metrics) in the Prometheus text format (open subscriptions are counted by useSubscriptionLimits). */
export function useMetrics(metrics: Metrics): Plugin {
  return {
    // synchronous for every other path: an async hook makes each request wait a microtask turn for nothing
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== PATHS.metrics) return;
      return metrics.registry
        .metrics()
        .then((text) =>
          endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType } })),
        );
    },
  };
}
