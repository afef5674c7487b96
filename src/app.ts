import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import {
  createYoga,
  type Plugin,
  useExecutionCancellation,
  useReadinessCheck,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Config } from './config.js';
import { type Context, createContext } from './context.js';
import { GRAPHIQL_TABS } from './http/graphiql-examples.js';
import { createMaskError } from './http/mask-error.js';
import { useBodyLimit } from './http/use-body-limit.js';
import { useRequestLog } from './http/use-request-log.js';
import { useRestOrchestrate } from './http/use-rest-orchestrate.js';
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

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  runtime: Runtime;
  /** 'ready' once start-up recovery ran; 'draining' after a shutdown began */
  state: 'starting' | 'ready' | 'draining';
  /** stops taking work, lets stages in flight finish (up to the grace), closes everything */
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
  const app: App = {
    state: 'starting',
    runtime,
    yoga: undefined as unknown as App['yoga'],
    async shutdown(graceMs = config.shutdownGraceMs) {
      app.state = 'draining';
      app.retention?.stop();
      for (const stop of stopTimers) stop();
      await orchestrator.drain(graceMs);
      await runtime.close();
    },
  };

  const plugins: Plugin[] = [
    // 1. the request log line sees every request, whatever ends it
    useRequestLog(logger.child({ component: 'http' })),
    // 2. refuse oversized bodies before anything reads them
    useBodyLimit(OPERATION_LIMITS.maxBodyBytes),
    // 3. readiness for load balancers (/health, always 200 while alive, is Yoga's own)
    useReadinessCheck({
      endpoint: '/ready',
      check: async ({ fetchAPI }) => {
        const json = (status: number, body: unknown) =>
          new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
        if (app.state !== 'ready') return json(503, { status: app.state });
        try {
          await runtime.store.ping();
        } catch {
          return json(503, { status: 'store unavailable' });
        }
        return json(200, { status: 'ready' });
      },
    }),
    // 4. the REST route shares the orchestrator, outside GraphQL
    useRestOrchestrate(orchestrator, logger),
    // 5. a browser form cannot post a mutation on a visitor's behalf
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'x-requested-with'] }),
    // 6. operation limits, checked at validation, before any resolver runs
    maxDepthPlugin({ n: OPERATION_LIMITS.maxDepth, exposeLimits: true }),
    maxAliasesPlugin({ n: OPERATION_LIMITS.maxAliases, exposeLimits: true }),
    maxTokensPlugin({ n: OPERATION_LIMITS.maxTokens, exposeLimits: true }),
    costLimitPlugin({ maxCost: OPERATION_LIMITS.maxCost, exposeLimits: true }),
    blockFieldSuggestionsPlugin(),
    // 7. incremental delivery: @defer on specialization sends extraction first
    useDeferStream(),
    // 8. a client that goes away stops resolvers that have not started (calls under way go on)
    useExecutionCancellation(),
  ];

  app.yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: (initial) => createContext(orchestrator, initial),
    plugins,
    maskedErrors: { maskError: createMaskError(logger) },
    graphiql: { title: 'genesys-llm-orchestrator', defaultTabs: GRAPHIQL_TABS },
    // GraphiQL served from this package, not a CDN: it works on a closed network
    renderGraphiQL,
    logging: false,
    healthCheckEndpoint: '/health',
    landingPage: false,
  });

  await orchestrator.recoverInterrupted();
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
