import {
  type Config,
  ConfigError,
  type GatewayLimits,
  type GenesysGatewayConfig,
  type OpenAIGatewayConfig,
} from './config.js';
import { type EventBus, LocalEventBus } from './events/event-bus.js';
import { RedisEventBus } from './events/redis-bus.js';
import { CircuitBreaker } from './gateway/circuit-breaker.js';
import type { AttemptRecord } from './gateway/client.js';
import { createGateway } from './gateway/create-gateway.js';
import type { ConcurrencyLimiter } from './gateway/limiter.js';
import type { TokenProvider } from './gateway/token-provider.js';
import type { Gateway } from './gateway/types.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './observability/metrics.js';
import { PipelineCatalog } from './pipeline/catalog.js';
import { Orchestrator } from './pipeline/orchestrator.js';
import { DEFAULT_ENTITY_BOUNDS } from './pipeline/stages.js';
import type { StageName } from './pipeline/types.js';
import { type Simulator, startSimulator } from './simulator/server.js';
import { RedisRunStore } from './store/redis-store.js';
import type { RunStore } from './store/run-store.js';
import { SqliteRunStore } from './store/sqlite-store.js';

/** What a test (or another entry point) may hand in instead of the defaults. */
export interface RuntimeDeps {
  logger?: Logger;
  store?: RunStore;
  bus?: EventBus;
  gateway?: Gateway;
  now?: () => Date;
  /** the backoff's jitter source (tests pass () => 0 for instant retries) */
  random?: () => number;
  leaseTtlMs?: number;
  metrics?: Metrics;
  onAttemptEnd?: (e: AttemptRecord) => void;
  onStageEnd?: (stage: StageName, outcome: 'ok' | 'failed', seconds: number) => void;
  onRunEnd?: (stage: 'COMPLETE' | 'FAILED') => void;
}

/** The domain half of the server, shared by the HTTP app and the CLI. */
export interface Runtime {
  config: Config;
  logger: Logger;
  orchestrator: Orchestrator;
  /** the pipelines served; `reload()` on SIGHUP */
  pipelines: PipelineCatalog;
  store: RunStore;
  bus: EventBus;
  gateway: Gateway;
  limiter?: ConcurrencyLimiter;
  tokens?: TokenProvider;
  breaker: CircuitBreaker;
  metrics: Metrics;
  /** the in-process simulator, in simulated mode */
  simulator?: Simulator;
  close(): Promise<void>;
}

/**
 * Builds the gateway, store, event bus and orchestrator. In simulated mode the
 * simulator starts on a loopback port and the genesys client is pointed at
 * it, so the code path is the one a real org gets.
 */
export async function createRuntime(config: Config, deps: RuntimeDeps = {}): Promise<Runtime> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  let simulator: Simulator | undefined;
  let gatewayConfig: GenesysGatewayConfig | OpenAIGatewayConfig | undefined;
  if (deps.gateway) gatewayConfig = undefined;
  else if (config.gateway.mode === 'simulated') {
    simulator = await startSimulator({ host: '127.0.0.1', port: 0 });
    gatewayConfig = simulatorGateway(config.gateway, simulator.url);
    logger.info({ url: simulator.url }, 'simulated gateway started: no credentials set, models are simulated');
  } else gatewayConfig = config.gateway;
  const metrics = deps.metrics ?? new Metrics();
  const { now } = deps;
  // the app's one clock: a test can run a cool-down without waiting for it
  const breaker = new CircuitBreaker({ ...config.breaker, now: now && (() => now().getTime()) });
  const built = !gatewayConfig
    ? { gateway: deps.gateway as Gateway, limiter: undefined, tokens: undefined }
    : createGateway(gatewayConfig, {
        logger,
        random: deps.random,
        breaker,
        onAttemptEnd: (e) => {
          metrics.attemptEnded(e);
          deps.onAttemptEnd?.(e);
        },
      });
  const limiter = built.limiter;
  metrics.attach({
    inflight: () => limiter?.inFlight ?? 0,
    queued: () => limiter?.waiting ?? 0,
    circuits: () => breaker.states(),
  });
  const { redisUrl } = config;
  const store =
    deps.store ??
    (redisUrl
      ? new RedisRunStore(redisUrl, { retentionDays: config.runRetentionDays, logger })
      : openSqlite(config.sqlitePath));
  const bus = deps.bus ?? (redisUrl ? new RedisEventBus(redisUrl, { logger }) : new LocalEventBus());
  if (!deps.store) {
    // the host only: a URL may carry a password
    const where = redisUrl ? { redis: new URL(redisUrl).host } : { sqlite: config.sqlitePath };
    logger.info({ store: redisUrl ? 'redis' : 'sqlite', ...where }, 'run store');
  }
  const pipelines = await loadPipelines(config, store, logger).catch(async (err: unknown) => {
    // nothing is left running behind a failed start
    await Promise.allSettled([bus.close(), store.close(), built.gateway.close(), simulator?.close()]);
    throw err;
  });
  const orchestrator = new Orchestrator({
    store,
    bus,
    gateway: built.gateway,
    logger,
    pipelines,
    allowedModelIds: () => pipelines.allowedModelIds(),
    maxInputChars: config.maxInputChars,
    entityBounds: { ...DEFAULT_ENTITY_BOUNDS, maxChars: config.pipelines.maxEntityChars },
    now: deps.now,
    leaseTtlMs: deps.leaseTtlMs ?? config.stageLeaseMs,
    onStageEnd: (stage, outcome, seconds) => {
      metrics.stageEnded(stage, outcome, seconds);
      deps.onStageEnd?.(stage, outcome, seconds);
    },
    onRunEnd: (stage) => {
      metrics.runEnded(stage);
      deps.onRunEnd?.(stage);
    },
    onFallback: (stage, from, to, code) => metrics.fallback(stage, from, to, code),
    onCache: (stage, result) => metrics.cacheRequest(stage, result),
  });
  return {
    config,
    logger,
    orchestrator,
    pipelines,
    store,
    bus,
    gateway: built.gateway,
    limiter: built.limiter,
    tokens: built.tokens,
    breaker,
    metrics,
    simulator,
    async close() {
      await bus.close();
      await store.close();
      await built.gateway.close();
      await simulator?.close();
    },
  };
}

/** The genesys wire format pointed at the in-process simulator: the code path a real org gets. */
function simulatorGateway(limits: GatewayLimits, url: string): GenesysGatewayConfig {
  return {
    ...limits,
    mode: 'genesys',
    genesysEnv: 'simulated',
    loginBaseUrl: url,
    apiBaseUrl: url,
    clientId: 'sim-client',
    clientSecret: 'sim-secret',
  };
}

/** PIPELINES_DIR, checked whole: a problem stops start-up with one line per problem, naming file and pointer. */
async function loadPipelines(config: Config, store: RunStore, logger: Logger): Promise<PipelineCatalog> {
  const { dir, defaultName, vars } = config.pipelines;
  // ALLOWED_MODEL_IDS (with the configured models) and every model a pipeline names may be called
  const catalog = await PipelineCatalog.load({
    dir,
    defaultName,
    vars,
    store,
    allowedModelIds: config.allowedModelIds,
  });
  logger.info(
    { dir, pipelines: catalog.list().map((p) => `${p.name}@${p.version}`), default: catalog.defaultName },
    'pipelines loaded',
  );
  return catalog;
}

/** Opens the embedded store; a path it cannot use stops start-up with a line naming SQLITE_PATH. */
function openSqlite(path: string): SqliteRunStore {
  try {
    return new SqliteRunStore(path);
  } catch (err) {
    throw new ConfigError('SQLITE_PATH', `cannot open ${path} (${err instanceof Error ? err.message : String(err)})`);
  }
}
