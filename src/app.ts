import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import { Budgets } from './access/budgets.js';
import { KeyRing } from './access/key-ring.js';
import { RateLimiter } from './access/rate-limiter.js';
import { SubscriptionSlots } from './access/subscription-slots.js';
import type { Config } from './config.js';
import { type Context, type ContextDeps, createContext } from './context.js';
import { sleep } from './gateway/abort.js';
import { GRAPHIQL_TABS } from './http/graphiql-examples.js';
import { createMaskError } from './http/mask-error.js';
import { OriginPolicy, useOriginPolicy } from './http/origin-policy.js';
import { PATHS } from './http/paths.js';
import { useHideSchemaHints, withoutSchemaHints } from './http/schema-hints.js';
import { useSseFanOut } from './http/sse-response.js';
import { useAccess } from './http/use-access.js';
import { useBodyLimit } from './http/use-body-limit.js';
import { useCompiledExecution } from './http/use-compiled-execution.js';
import { useConsole } from './http/use-console.js';
import { useDrainGate } from './http/use-drain-gate.js';
import { useMetrics } from './http/use-metrics-endpoint.js';
import { usePersistedOperationsOnly } from './http/use-persisted-operations-only.js';
import { useReadiness } from './http/use-readiness.js';
import { useRequestLog } from './http/use-request-log.js';
import { useRestOrchestrate } from './http/use-rest-orchestrate.js';
import { useSharedSubscriptionResults } from './http/use-shared-subscription-results.js';
import { useSubscriptionLimits } from './http/use-subscription-limits.js';
import { useTracing } from './http/use-tracing.js';
import type { WebSocketOptions } from './http/websocket.js';
import { startTracing } from './observability/tracing-sdk.js';
import { createRuntime, type Runtime, type RuntimeDeps } from './runtime.js';
import { schema } from './schema/index.js';
import { startRetention } from './store/retention.js';

/** Limits set on purpose: the largest legitimate operation is a page of runs with both stages and events. */
export const OPERATION_LIMITS = {
  maxDepth: 8,
  maxAliases: 10,
  maxTokens: 1000,
  maxCost: 5000,
  maxBodyBytes: 256 * 1024,
} as const;

/** How long start-up waits for a shared bus to subscribe, so early events from other instances are heard. */
const BUS_READY_PATIENCE_MS = 2000;

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** what the WebSocket server takes from the app (server.ts attaches it) */
  webSocket: WebSocketOptions;
  runtime: Runtime;
  /** 'ready' once start-up recovery ran; 'draining' after a shutdown began */
  state: 'starting' | 'ready' | 'draining';
  /** stops taking work (/ready turns 503), lets stages in flight finish within the grace; still serves probes */
  drain(graceMs?: number): Promise<void>;
  /** closes the store, the bus and the gateway: after drain, once the listener is closed */
  close(): Promise<void>;
  /** drain, then close */
  shutdown(graceMs?: number): Promise<void>;
  retention?: ReturnType<typeof startRetention>;
}

/**
 * Builds the whole server without listening: runtime (gateway, store, bus,
 * orchestrator) and the Yoga instance with its plugins, in the order they act.
 */
export async function createApp(config: Config, deps: RuntimeDeps = {}): Promise<App> {
  const runtime = await createRuntime(config, deps);
  const { orchestrator, logger } = runtime;

  const stopTimers: Array<() => void> = [];
  // each happens once, however many callers ask (a signal handler and a test's cleanup, say)
  let draining: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const app: App = {
    state: 'starting',
    runtime,
    yoga: undefined as unknown as App['yoga'],
    webSocket: undefined as unknown as WebSocketOptions,
    drain(graceMs = config.shutdownGraceMs) {
      app.state = 'draining';
      app.retention?.stop();
      for (const stop of stopTimers) stop();
      draining ??= orchestrator.drain(graceMs);
      return draining;
    },
    close() {
      closing ??= (async () => {
        await runtime.close();
        await tracing?.shutdown();
      })();
      return closing;
    },
    async shutdown(graceMs) {
      await app.drain(graceMs);
      await app.close();
    },
  };

  const { metrics } = runtime;
  const tracing = config.otlpEndpoint ? startTracing(config.otlpEndpoint) : undefined;
  if (tracing) logger.info({ endpoint: config.otlpEndpoint }, 'exporting traces over OTLP/HTTP');
  const keys = new KeyRing(config.apiKeys);
  if (keys.isOpen) {
    logger.warn(
      'NO API KEYS CONFIGURED: the server is open to anyone who can reach it. Set API_KEYS or API_KEYS_FILE.',
    );
  }
  // on an open server, a page naming this server by a host name must be listed (DNS rebinding)
  const origins = new OriginPolicy(config.corsOrigins, !keys.isOpen);
  const hideSchemaHints = config.nodeEnv === 'production' || !config.introspection;
  const maskError = createMaskError(logger);
  const limitRejected = { onReject: [() => metrics.operationRejected('operation_limits')] };

  const plugins: Plugin[] = [
    // 1. the request log line sees every request, whatever ends it
    useRequestLog(logger.child({ component: 'http' })),
    // then, before anything answers: a page from another origin gets 403 unless CORS_ORIGINS lists it
    useOriginPolicy(origins, metrics),
    // 2. /metrics for Prometheus (unauthenticated, like /health and /ready: keep it off the public edge)
    useMetrics(metrics),
    // 3. readiness for load balancers (/health, always 200 while alive, is Yoga's own)
    useReadiness({
      state: () => app.state,
      pingStore: () => runtime.store.ping(),
      circuits: () => runtime.breaker.states(),
    }),
    // the console's static page and assets (public, like GraphiQL's page: each GraphQL call it makes carries the key)
    ...(config.console ? [useConsole({ logger })] : []),
    // 4. once draining, new operations go elsewhere
    useDrainGate(() => app.state === 'draining', metrics),
    // 5. refuse oversized bodies before anything reads them
    useBodyLimit(OPERATION_LIMITS.maxBodyBytes, () => metrics.operationRejected('body_too_large')),
    // 6. who is calling, what their role allows, and their rate limit
    useAccess({
      keys,
      graphiql: config.graphiql,
      limiter: config.rateLimitPerMinute ? new RateLimiter(config.rateLimitPerMinute) : undefined,
      budgets: new Budgets(runtime.store, deps.now),
      metrics,
    }),
    // 7. the REST route shares the orchestrator, outside GraphQL
    useRestOrchestrate(orchestrator, logger),
    // 8. with an allow-list, only its operations run
    ...(config.persistedOperations ? [usePersistedOperationsOnly(config.persistedOperations)] : []),
    // 9. a browser form cannot post a mutation on a visitor's behalf
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'x-requested-with'] }),
    // 10. operation limits, checked at validation, before any resolver runs
    maxDepthPlugin({ n: OPERATION_LIMITS.maxDepth, exposeLimits: true, ...limitRejected }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.maxAliases, exposeLimits: true, ...limitRejected }),
    maxTokensPlugin({ n: OPERATION_LIMITS.maxTokens, exposeLimits: true, ...limitRejected }),
    costLimitPlugin({ maxCost: OPERATION_LIMITS.maxCost, exposeLimits: true, ...limitRejected }),
    // without introspection (production), no error hands the schema back as "Did you mean" hints
    ...(hideSchemaHints ? [useHideSchemaHints()] : []),
    ...(config.introspection ? [] : [useDisableIntrospection() as Plugin]),
    // 11. a span per operation, when traces are exported
    ...(tracing ? [useTracing()] : []),
    // 12. incremental delivery: @defer on specialization sends extraction first
    useDeferStream(),
    // queries and mutations without @defer/@stream run as code compiled once per document
    ...(config.graphqlJit
      ? [useCompiledExecution((errors) => logger.warn({ errors }, 'graphql-jit could not compile a document'))]
      : []),
    // 13. a client that goes away stops resolvers that have not started (calls under way go on)
    useExecutionCancellation(),
    // 14. subscribers asking the same thing share each event's execution and, over SSE, its bytes
    useSharedSubscriptionResults(),
    useSseFanOut(),
    // 15. last, so only subscriptions that will start take a slot: per key, per WebSocket, and the open gauge
    useSubscriptionLimits(new SubscriptionSlots(config.subscriptionLimits), metrics),
  ];

  const contextDeps: ContextDeps = {
    orchestrator,
    runs: runtime.store,
    pipelines: runtime.pipelines,
    circuits: () => runtime.breaker.states(),
    progress: { runs: runtime.store, bus: runtime.bus, onStop: (fn) => orchestrator.onStop(fn) },
  };
  app.yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: (initial) => createContext(contextDeps, initial),
    plugins,
    // Yoga's default reflects any Origin with credentials: only the listed origins get CORS headers
    cors: origins.cors,
    maskedErrors: {
      maskError: hideSchemaHints ? (error, message) => withoutSchemaHints(maskError(error, message)) : maskError,
    },
    graphiql: config.graphiql ? { title: 'genesys-llm-orchestrator', defaultTabs: GRAPHIQL_TABS } : false,
    // GraphiQL served from this package, not a CDN: it works on a closed network
    renderGraphiQL,
    logging: false,
    graphqlEndpoint: PATHS.graphql,
    healthCheckEndpoint: PATHS.health,
    landingPage: false,
    // our own limit (useBodyLimit, and 411 for undeclared lengths in server.ts) checks the declared
    // length before anything reads; Yoga's would re-stream every body to count it
    maxRequestBodySize: false,
  });
  app.webSocket = {
    yoga: app.yoga,
    keys,
    metrics,
    origins,
    persistedOperations: config.persistedOperations,
    isDraining: () => app.state === 'draining',
    maxPayload: OPERATION_LIMITS.maxBodyBytes,
  };

  // a store that is down at start-up is not fatal: /ready says so, and the periodic sweep catches up
  await orchestrator.recoverInterrupted().catch((err: unknown) => logger.warn({ err }, 'start-up recovery skipped'));
  await Promise.race([runtime.bus.ready, sleep(BUS_READY_PATIENCE_MS)]).catch(() => {});
  app.retention = startRetention(runtime.store, config.runRetentionDays, logger, deps.now);
  // a holder on another process may die at any time: its runs are found once its lease expires
  const sweep = setInterval(() => {
    orchestrator.recoverInterrupted().catch((err: unknown) => logger.warn({ err }, 'interrupted-run sweep failed'));
  }, orchestrator.leaseTtlMs);
  sweep.unref();
  stopTimers.push(() => clearInterval(sweep));
  app.state = 'ready';
  return app;
}
