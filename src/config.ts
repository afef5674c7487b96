import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The one reader of `process.env`. Everything else receives a parsed, typed
 * `Config`, so a test can build any configuration without touching the
 * environment, and a bad value stops start-up with one line naming it.
 */

export type GatewayMode = 'genesys' | 'openai' | 'simulated';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ApiKeyEntry {
  name: string;
  role: 'orchestrate' | 'read';
  /** hex sha256 of the key; plain keys are never held */
  sha256: string;
  /** tokens (prompt and completion) the key may spend per UTC day; none: no budget */
  dailyTokens?: number;
}

/** What every mode shares: the call policy's limits. */
export interface GatewayLimits {
  timeoutMs: number;
  maxAttempts: number;
  maxConcurrency: number;
}

/** Genesys Cloud's LLM gateway: OAuth client credentials, token and model hosts of the region. */
export interface GenesysGatewayConfig extends GatewayLimits {
  mode: 'genesys';
  genesysEnv: string;
  loginBaseUrl: string;
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Any OpenAI-compatible gateway (LiteLLM, vLLM, Ollama): a base URL and, if it wants one, a key. */
export interface OpenAIGatewayConfig extends GatewayLimits {
  mode: 'openai';
  openaiBaseUrl: string;
  openaiApiKey?: string;
}

/** The built-in simulator, started on loopback and reached through the genesys wire format. */
export interface SimulatedGatewayConfig extends GatewayLimits {
  mode: 'simulated';
}

/** One variant per mode, so code downstream switches on `mode` with nothing left to check. */
export type GatewayConfig = GenesysGatewayConfig | OpenAIGatewayConfig | SimulatedGatewayConfig;

export interface Config {
  gateway: GatewayConfig;
  models: { primary: string; secondary: string };
  /** ALLOWED_MODEL_IDS and the configured models: the only ids a request may name */
  allowedModelIds: string[];
  /** CORS_ORIGINS: origins (scheme://host[:port]) allowed cross-origin; none: same-origin only */
  corsOrigins: string[];
  maxInputChars: number;
  port: number;
  host: string;
  sqlitePath: string;
  redisUrl?: string;
  runRetentionDays: number;
  apiKeys: ApiKeyEntry[];
  apiKeysFile?: string;
  rateLimitPerMinute?: number;
  shutdownGraceMs: number;
  logLevel: LogLevel;
  nodeEnv: string;
  graphiql: boolean;
  introspection: boolean;
  breaker: { failureThreshold: number; cooldownMs: number };
  /** how long a dead instance's stage stays blocked before another instance takes it over */
  stageLeaseMs: number;
  /** PERSISTED_OPERATIONS_FILE: when set, only these operations (id -> document) are accepted */
  persistedOperations?: Record<string, string>;
  otlpEndpoint?: string;
  /** subscriptions held at once: by one WebSocket, and by one API key (or client address) over every transport */
  subscriptionLimits: { perConnection: number; perKey: number };
  pipelines: PipelinesConfig;
  /** CONSOLE: serve the operations console at /console (and redirect / to it) */
  console: boolean;
  /** GRAPHQL_JIT: run queries and mutations as compiled code (graphql-jit) where it is correct; off is the kill switch */
  graphqlJit: boolean;
}

/** Where pipeline definitions come from, and what `${VAR}` in their model ids may read. */
export interface PipelinesConfig {
  /** PIPELINES_DIR: one `<name>.yaml` per pipeline */
  dir: string;
  /** DEFAULT_PIPELINE: serves requests that name none */
  defaultName: string;
  /** MAX_ENTITY_CHARS: longest string value an extraction may pass to the domain model */
  maxEntityChars: number;
  /**
   * The variables `${VAR}` may name: those whose name holds MODEL and none
   * named like a credential. Not enumerable: printing the config never prints them.
   */
  readonly vars: Readonly<Record<string, string | undefined>>;
}

/**
 * Variables a model id may be read from: those that name a model (PRIMARY_MODEL_ID,
 * BACKUP_MODEL...), and none named like a credential. An allow-list, so a
 * pipeline can never carry DATABASE_URL or an API key into a log, a metric or a request.
 */
const MODEL_VARIABLE = /MODEL/i;
const SECRET_VARIABLE = /SECRET|PASSWORD|PASS$|TOKEN|(^|_)KEYS?($|_)|APIKEY|CREDENTIAL|DSN|_URL$/i;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

const SIMULATED_MODELS = { primary: 'sim-extractor', secondary: 'sim-specialist' } as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const url = z.preprocess(
  blankToUndefined,
  z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
);

const boolish = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v),
  z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).optional(),
);
const isTrue = (v: string | undefined, fallback: boolean) =>
  v === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(v);

const envSchema = z.object({
  GENESYS_ENV: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a region domain such as mypurecloud.com')
      .default('mypurecloud.com'),
  ),
  GENESYS_CLIENT_ID: optionalString,
  GENESYS_CLIENT_SECRET: optionalString,
  PRIMARY_MODEL_ID: optionalString,
  SECONDARY_MODEL_ID: optionalString,
  GENESYS_LOGIN_BASE_URL: url,
  GENESYS_API_BASE_URL: url,
  GATEWAY_MODE: z.preprocess(blankToUndefined, z.enum(['genesys', 'openai', 'simulated']).optional()),
  OPENAI_BASE_URL: url,
  OPENAI_API_KEY: optionalString,
  GATEWAY_TIMEOUT_MS: int(1, 600_000, 30_000),
  GATEWAY_MAX_ATTEMPTS: int(1, 20, 3),
  GATEWAY_MAX_CONCURRENCY: int(1, 10_000, 32),
  MAX_INPUT_CHARS: int(1, 1_000_000, 16_000),
  PORT: int(0, 65_535, 4000),
  HOST: z.preprocess(blankToUndefined, z.string().default('0.0.0.0')),
  SQLITE_PATH: z.preprocess(blankToUndefined, z.string().default('./data/runs.sqlite')),
  REDIS_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  RUN_RETENTION_DAYS: int(1, 36_500, 30),
  API_KEYS: optionalString,
  API_KEYS_FILE: optionalString,
  RATE_LIMIT_PER_MINUTE: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).optional()),
  SHUTDOWN_GRACE_MS: int(0, 600_000, 25_000),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  NODE_ENV: z.preprocess(blankToUndefined, z.string().default('development')),
  GRAPHIQL: boolish,
  INTROSPECTION: boolish,
  BREAKER_FAILURE_THRESHOLD: int(1, 1000, 5),
  BREAKER_COOLDOWN_MS: int(100, 3_600_000, 30_000),
  STAGE_LEASE_MS: int(300, 600_000, 15_000),
  PIPELINES_DIR: z.preprocess(blankToUndefined, z.string().default('./pipelines')),
  DEFAULT_PIPELINE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a pipeline name such as travel')
      .default('travel'),
  ),
  MAX_ENTITY_CHARS: int(1, 100_000, 500),
  PERSISTED_OPERATIONS_FILE: optionalString,
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  CORS_ORIGINS: optionalString,
  ALLOWED_MODEL_IDS: optionalString,
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 1_000_000, 100),
  MAX_SUBSCRIPTIONS_PER_KEY: int(1, 10_000_000, 5000),
  CONSOLE: boolish,
  GRAPHQL_JIT: boolish,
});

type Env = Record<string, string | undefined>;

/**
 * Parses `API_KEYS` (`name:role:key[:dailyTokens],...`) into hashed entries.
 * A key may hold colons; a last part of digits only is the daily token budget.
 */
export function parseApiKeys(raw: string | undefined, hash: (key: string) => string): ApiKeyEntry[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [name, role, ...rest] = entry.split(':');
      const budget = rest.length > 1 && /^\d+$/.test(rest[rest.length - 1] as string) ? rest.pop() : undefined;
      const key = rest.join(':');
      if (!name || !key || (role !== 'orchestrate' && role !== 'read')) {
        // The entry itself may hold a key: say which entry, never what it holds.
        throw new ConfigError(
          'API_KEYS',
          `entry ${i + 1} must be name:role:key[:dailyTokens] with role orchestrate or read`,
        );
      }
      return { name, role, sha256: hash(key), ...(budget !== undefined ? { dailyTokens: Number(budget) } : {}) };
    });
}

/** A comma-separated list, blanks dropped. */
const listOf = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `CORS_ORIGINS`: comma-separated origins, each normalized as a browser sends it in `Origin`. */
export function parseCorsOrigins(raw: string | undefined): string[] {
  return [
    ...new Set(
      listOf(raw).map((entry, i) => {
        const url = URL.canParse(entry) ? new URL(entry) : undefined;
        // an origin is scheme://host[:port]: a path, a wildcard or credentials would never match what browsers send
        const originOnly =
          url?.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !entry.includes('*');
        if (!url || !originOnly || !/^https?:$/.test(url.protocol)) {
          throw new ConfigError('CORS_ORIGINS', `entry ${i + 1} must be an origin such as https://desk.example.com`);
        }
        return url.origin;
      }),
    ),
  ];
}

const MODEL_ID = /^[\w.:/@+-]{1,200}$/;

/**
 * `ALLOWED_MODEL_IDS` with the configured models. The pipelines' models and
 * fallbacks are added by the pipeline catalog, after each (re)load.
 */
export function parseAllowedModelIds(raw: string | undefined, configured: string[]): string[] {
  const ids = listOf(raw);
  const bad = ids.findIndex((id) => !MODEL_ID.test(id));
  if (bad >= 0) {
    throw new ConfigError(
      'ALLOWED_MODEL_IDS',
      `entry ${bad + 1} must be a model id (letters, digits and . : / @ + - _)`,
    );
  }
  return [...new Set([...configured, ...ids])];
}

const apiKeysFileSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      role: z.enum(['orchestrate', 'read']),
      sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'must be a hex sha256'),
      dailyTokens: z.number().int().min(0).optional(),
    }),
  )
  .min(1, 'must list at least one key');

/** `API_KEYS_FILE`: a JSON array of `{name, role, sha256}`, so no plain key sits on disk. */
function readApiKeysFile(path: string): ApiKeyEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError('API_KEYS_FILE', `cannot read ${path} as JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = apiKeysFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError('API_KEYS_FILE', `${issue?.path.join('.') || 'file'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data.map((k) => ({ ...k, sha256: k.sha256.toLowerCase() }));
}

const persistedOperationsSchema = z
  .record(z.string().min(1), z.string().min(1))
  .refine((m) => Object.keys(m).length > 0, 'must list at least one operation');

/** `PERSISTED_OPERATIONS_FILE`: `{ "<id>": "<document>" }`, as `npm run codegen` writes it. */
function readPersistedOperations(path: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      'PERSISTED_OPERATIONS_FILE',
      `cannot read ${path} as JSON (${(err as Error).message.split('\n')[0]})`,
    );
  }
  const parsed = persistedOperationsSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError('PERSISTED_OPERATIONS_FILE', 'must be a JSON object of id -> GraphQL document');
  return parsed.data;
}

/**
 * Parses an environment into a `Config`. Throws `ConfigError` naming the first
 * variable that is wrong; the message never repeats a secret's value.
 */
export function loadConfig(env: Env, hash: (key: string) => string = sha256Hex): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, issue?.message ?? 'invalid value');
  }
  const e = parsed.data;
  const { gateway, models } = parseGateway(e);
  return {
    gateway,
    models,
    allowedModelIds: parseAllowedModelIds(e.ALLOWED_MODEL_IDS, [models.primary, models.secondary]),
    corsOrigins: parseCorsOrigins(e.CORS_ORIGINS),
    maxInputChars: e.MAX_INPUT_CHARS,
    port: e.PORT,
    host: e.HOST,
    sqlitePath: e.SQLITE_PATH,
    redisUrl: e.REDIS_URL,
    runRetentionDays: e.RUN_RETENTION_DAYS,
    apiKeys: e.API_KEYS_FILE ? readApiKeysFile(e.API_KEYS_FILE) : parseApiKeys(e.API_KEYS, hash),
    apiKeysFile: e.API_KEYS_FILE,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    // a production server does not advertise its schema unless asked to
    graphiql: isTrue(e.GRAPHIQL, e.NODE_ENV !== 'production'),
    introspection: isTrue(e.INTROSPECTION, e.NODE_ENV !== 'production'),
    breaker: { failureThreshold: e.BREAKER_FAILURE_THRESHOLD, cooldownMs: e.BREAKER_COOLDOWN_MS },
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    stageLeaseMs: e.STAGE_LEASE_MS,
    persistedOperations: e.PERSISTED_OPERATIONS_FILE ? readPersistedOperations(e.PERSISTED_OPERATIONS_FILE) : undefined,
    subscriptionLimits: { perConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION, perKey: e.MAX_SUBSCRIPTIONS_PER_KEY },
    pipelines: pipelinesConfig(env, e),
    // a static page whose every call carries a key: as safe to serve in production as the API itself
    console: isTrue(e.CONSOLE, true),
    graphqlJit: isTrue(e.GRAPHQL_JIT, true),
  };
}

const required = (mode: GatewayMode) => z.string({ error: `required when GATEWAY_MODE is ${mode}` });
const limitsOf = (e: z.infer<typeof envSchema>): GatewayLimits => ({
  timeoutMs: e.GATEWAY_TIMEOUT_MS,
  maxAttempts: e.GATEWAY_MAX_ATTEMPTS,
  maxConcurrency: e.GATEWAY_MAX_CONCURRENCY,
});

/** What each mode needs, as one zod model per mode (a missing one names the variable and the mode). */
const gatewayModels = {
  genesys: z.object({
    GENESYS_CLIENT_ID: required('genesys'),
    GENESYS_CLIENT_SECRET: required('genesys'),
    PRIMARY_MODEL_ID: required('genesys'),
    SECONDARY_MODEL_ID: required('genesys'),
  }),
  openai: z.object({
    OPENAI_BASE_URL: required('openai'),
    PRIMARY_MODEL_ID: required('openai'),
    SECONDARY_MODEL_ID: required('openai'),
  }),
  simulated: z.object({}),
} as const;

/** The gateway of the mode GATEWAY_MODE names (default: genesys with a client id, else simulated). */
function parseGateway(e: z.infer<typeof envSchema>): { gateway: GatewayConfig; models: Config['models'] } {
  const mode: GatewayMode = e.GATEWAY_MODE ?? (e.GENESYS_CLIENT_ID ? 'genesys' : 'simulated');
  // the parsed values (trimmed, blank as missing) are what each mode's model checks
  const checked = gatewayModels[mode].safeParse(e);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? 'GATEWAY_MODE'), issue?.message ?? 'invalid value');
  }
  const limits = limitsOf(e);
  const models = {
    primary: e.PRIMARY_MODEL_ID ?? SIMULATED_MODELS.primary,
    secondary: e.SECONDARY_MODEL_ID ?? SIMULATED_MODELS.secondary,
  };
  switch (mode) {
    case 'genesys':
      return {
        gateway: {
          mode,
          ...limits,
          genesysEnv: e.GENESYS_ENV,
          loginBaseUrl: e.GENESYS_LOGIN_BASE_URL ?? `https://login.${e.GENESYS_ENV}`,
          apiBaseUrl: e.GENESYS_API_BASE_URL ?? `https://api.${e.GENESYS_ENV}`,
          clientId: e.GENESYS_CLIENT_ID as string,
          clientSecret: e.GENESYS_CLIENT_SECRET as string,
        },
        models,
      };
    case 'openai':
      return {
        gateway: { mode, ...limits, openaiBaseUrl: e.OPENAI_BASE_URL as string, openaiApiKey: e.OPENAI_API_KEY },
        models,
      };
    case 'simulated':
      return { gateway: { mode, ...limits }, models };
  }
}

/** The variables `${VAR}` in a pipeline's model ids may read (MODEL_VARIABLE, less anything like a secret). */
export function pipelineVariables(env: Env): Readonly<Record<string, string | undefined>> {
  const vars: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (MODEL_VARIABLE.test(name) && !SECRET_VARIABLE.test(name)) vars[name] = value;
  }
  return Object.freeze(vars);
}

function pipelinesConfig(env: Env, e: z.infer<typeof envSchema>): PipelinesConfig {
  const vars = pipelineVariables(env);
  const config = { dir: e.PIPELINES_DIR, defaultName: e.DEFAULT_PIPELINE, maxEntityChars: e.MAX_ENTITY_CHARS };
  Object.defineProperty(config, 'vars', { value: vars, enumerable: false });
  return config as PipelinesConfig;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** For entry points: parse or print one line naming the variable and exit 1. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
