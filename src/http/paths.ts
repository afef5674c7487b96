/** Every HTTP path the server answers, in one place. */
export const PATHS = {
  graphql: '/graphql',
  /** the unified JSON route for clients that do not speak GraphQL */
  rest: '/v1/orchestrate',
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
  /** the operations console (a static page; its GraphQL calls carry the key) */
  console: '/console',
} as const;

/** Probes and metrics: open, like /health in any deployment (keep /metrics off the public edge). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([PATHS.health, PATHS.ready, PATHS.metrics]);

export function isRestRoute(url: URL): boolean {
  return url.pathname === PATHS.rest;
}
