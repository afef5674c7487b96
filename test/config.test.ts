import { describe, expect, it } from 'vitest';
import { type Config, ConfigError, type GenesysGatewayConfig, loadConfig, sha256Hex } from '../src/config.js';

/** docs/configuration.md: defaults, mode inference, and one line naming a bad variable. */

const GENESYS = {
  GENESYS_CLIENT_ID: 'client-id',
  GENESYS_CLIENT_SECRET: 'super-s3cret-value',
  PRIMARY_MODEL_ID: 'extractor-model',
  SECONDARY_MODEL_ID: 'specialist-model',
};

/** The ConfigError that `loadConfig(env)` throws; fails the test if it parses. */
function configError(env: Record<string, string>): ConfigError {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `loadConfig should refuse ${JSON.stringify(env)}`).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

describe('an empty environment', () => {
  it('gives the defaults of docs/configuration.md, in simulated mode', () => {
    const c = loadConfig({});

    // the simulated variant of the union has no hosts or credentials to hold
    expect(c.gateway).toEqual({
      mode: 'simulated',
      timeoutMs: 30_000,
      maxAttempts: 3,
      maxConcurrency: 32,
    });
    expect(c.models).toEqual({ primary: 'sim-extractor', secondary: 'sim-specialist' });
    expect(c.maxInputChars).toBe(16_000);
    expect(c.port).toBe(4000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.sqlitePath).toBe('./data/runs.sqlite');
    expect(c.redisUrl).toBeUndefined();
    expect(c.runRetentionDays).toBe(30);
    expect(c.apiKeys).toEqual([]);
    expect(c.apiKeysFile).toBeUndefined();
    expect(c.rateLimitPerMinute).toBeUndefined();
    expect(c.shutdownGraceMs).toBe(25_000);
    expect(c.logLevel).toBe('info');
  });

  it('treats blank values as unset', () => {
    const c = loadConfig({ GATEWAY_TIMEOUT_MS: '', PORT: '  ', GENESYS_CLIENT_ID: '', LOG_LEVEL: '' });

    expect(c.gateway.timeoutMs).toBe(30_000);
    expect(c.port).toBe(4000);
    expect(c.gateway.mode).toBe('simulated');
    expect(c.logLevel).toBe('info');
  });
});

describe('values given', () => {
  it('are parsed into the config', () => {
    const c = loadConfig({
      ...GENESYS,
      GATEWAY_TIMEOUT_MS: '150',
      GATEWAY_MAX_ATTEMPTS: '5',
      GATEWAY_MAX_CONCURRENCY: '4',
      MAX_INPUT_CHARS: '100',
      PORT: '0',
      HOST: '127.0.0.1',
      SQLITE_PATH: ':memory:',
      REDIS_URL: 'redis://localhost:6379',
      RUN_RETENTION_DAYS: '7',
      RATE_LIMIT_PER_MINUTE: '60',
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'DEBUG',
    });

    expect(c.gateway).toMatchObject({ timeoutMs: 150, maxAttempts: 5, maxConcurrency: 4 });
    expect(c.models).toEqual({ primary: 'extractor-model', secondary: 'specialist-model' });
    expect(c).toMatchObject({
      maxInputChars: 100,
      port: 0,
      host: '127.0.0.1',
      sqlitePath: ':memory:',
      redisUrl: 'redis://localhost:6379',
      runRetentionDays: 7,
      rateLimitPerMinute: 60,
      shutdownGraceMs: 1000,
      logLevel: 'debug',
    });
  });

  it('API_KEYS: name:role:key entries, hashed, the key never kept', () => {
    const c = loadConfig({ API_KEYS: 'desk:orchestrate:k3y-one, dash:read:k3y:with:colons' });

    expect(c.apiKeys).toEqual([
      { name: 'desk', role: 'orchestrate', sha256: sha256Hex('k3y-one') },
      { name: 'dash', role: 'read', sha256: sha256Hex('k3y:with:colons') },
    ]);
    expect(JSON.stringify(c)).not.toContain('k3y-one');
  });
});

/** The genesys variant of the gateway config (the union says which fields each mode has). */
function genesys(c: Config): GenesysGatewayConfig {
  if (c.gateway.mode !== 'genesys') throw new Error(`expected genesys mode, got ${c.gateway.mode}`);
  return c.gateway;
}

describe('CORS_ORIGINS', () => {
  it('none: no origin is listed (same-origin only)', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('a comma-separated list, each entry as a browser sends it in Origin', () => {
    const c = loadConfig({
      CORS_ORIGINS: 'https://Desk.Example.com/, http://localhost:5173,,https://desk.example.com:443',
    });
    expect(c.corsOrigins).toEqual(['https://desk.example.com', 'http://localhost:5173']);
  });

  it.each(['*', 'https://*.example.com', 'https://desk.example.com/app', 'desk.example.com', 'ftp://desk.example.com'])(
    '%s stops start-up: it would never match an Origin',
    (entry) => {
      const error = configError({ CORS_ORIGINS: `https://ok.example.com,${entry}` });
      expect(error.variable).toBe('CORS_ORIGINS');
      expect(error.message).toMatch(/entry 2/);
    },
  );
});

describe('ALLOWED_MODEL_IDS', () => {
  it('none: the configured models (simulated defaults, or PRIMARY_MODEL_ID and SECONDARY_MODEL_ID)', () => {
    expect(loadConfig({}).allowedModelIds).toEqual(['sim-extractor', 'sim-specialist']);
    expect(loadConfig(GENESYS).allowedModelIds).toEqual(['extractor-model', 'specialist-model']);
  });

  it('a comma-separated list, to which the configured models are added (requests naming none use them)', () => {
    const c = loadConfig({ ...GENESYS, ALLOWED_MODEL_IDS: 'big-extractor, extractor-model,,llama3.1:8b' });
    expect(c.allowedModelIds).toEqual(['extractor-model', 'specialist-model', 'big-extractor', 'llama3.1:8b']);
  });

  it('an entry that is not a model id stops start-up, naming its position', () => {
    const error = configError({ ALLOWED_MODEL_IDS: 'fine-model,not a model' });
    expect(error.variable).toBe('ALLOWED_MODEL_IDS');
    expect(error.message).toMatch(/entry 2/);
  });
});

describe('the gateway mode', () => {
  it('is genesys when GENESYS_CLIENT_ID is set', () => {
    const c = loadConfig(GENESYS);

    expect(c.gateway.mode).toBe('genesys');
    const gateway = genesys(c);
    expect(gateway.clientId).toBe('client-id');
    expect(gateway.clientSecret).toBe('super-s3cret-value');
  });

  it('is simulated when GENESYS_CLIENT_ID is not set', () => {
    expect(loadConfig({ GENESYS_CLIENT_SECRET: 'x' }).gateway.mode).toBe('simulated');
  });

  it('is what GATEWAY_MODE says when set', () => {
    expect(loadConfig({ ...GENESYS, GATEWAY_MODE: 'simulated' }).gateway.mode).toBe('simulated');
    const openai = loadConfig({
      GATEWAY_MODE: 'openai',
      OPENAI_BASE_URL: 'http://localhost:11434/v1/',
      PRIMARY_MODEL_ID: 'a',
      SECONDARY_MODEL_ID: 'b',
    });
    expect(openai.gateway.mode).toBe('openai');
    if (openai.gateway.mode !== 'openai') return;
    expect(openai.gateway.openaiBaseUrl, 'the trailing slash is dropped').toBe('http://localhost:11434/v1');
    expect(openai.gateway.openaiApiKey, 'a local gateway may take no key').toBeUndefined();
  });
});

describe('GENESYS_ENV', () => {
  it('mypurecloud.ie gives https://login.mypurecloud.ie and https://api.mypurecloud.ie', () => {
    const c = { gateway: genesys(loadConfig({ ...GENESYS, GENESYS_ENV: 'mypurecloud.ie' })) };

    expect(c.gateway.loginBaseUrl).toBe('https://login.mypurecloud.ie');
    expect(c.gateway.apiBaseUrl).toBe('https://api.mypurecloud.ie');
  });

  it('is overridden by GENESYS_LOGIN_BASE_URL and GENESYS_API_BASE_URL, trailing slashes dropped', () => {
    const c = {
      gateway: genesys(
        loadConfig({
          ...GENESYS,
          GENESYS_ENV: 'usw2.pure.cloud',
          GENESYS_LOGIN_BASE_URL: 'http://127.0.0.1:4010/',
          GENESYS_API_BASE_URL: 'http://127.0.0.1:4011',
        }),
      ),
    };

    expect(c.gateway.loginBaseUrl).toBe('http://127.0.0.1:4010');
    expect(c.gateway.apiBaseUrl).toBe('http://127.0.0.1:4011');
  });
});

describe('a wrong or missing value', () => {
  it.each([
    [{ GATEWAY_TIMEOUT_MS: 'abc' }, 'GATEWAY_TIMEOUT_MS'],
    [{ GATEWAY_TIMEOUT_MS: '1.5' }, 'GATEWAY_TIMEOUT_MS'],
    [{ GATEWAY_MAX_ATTEMPTS: '0' }, 'GATEWAY_MAX_ATTEMPTS'],
    [{ GATEWAY_MAX_CONCURRENCY: '-1' }, 'GATEWAY_MAX_CONCURRENCY'],
    [{ PORT: '70000' }, 'PORT'],
    [{ GATEWAY_MODE: 'foo' }, 'GATEWAY_MODE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ GENESYS_ENV: 'not a domain' }, 'GENESYS_ENV'],
    [{ GENESYS_LOGIN_BASE_URL: 'ftp://login.example.com' }, 'GENESYS_LOGIN_BASE_URL'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL'],
    [{ GENESYS_CLIENT_ID: 'client-id', PRIMARY_MODEL_ID: 'a', SECONDARY_MODEL_ID: 'b' }, 'GENESYS_CLIENT_SECRET'],
    [{ GATEWAY_MODE: 'genesys', GENESYS_CLIENT_SECRET: 'x' }, 'GENESYS_CLIENT_ID'],
    [{ GATEWAY_MODE: 'openai', PRIMARY_MODEL_ID: 'a', SECONDARY_MODEL_ID: 'b' }, 'OPENAI_BASE_URL'],
    [{ ...GENESYS, PRIMARY_MODEL_ID: '' }, 'PRIMARY_MODEL_ID'],
    [{ ...GENESYS, SECONDARY_MODEL_ID: '' }, 'SECONDARY_MODEL_ID'],
    [{ API_KEYS: 'desk:admin:k3y-one' }, 'API_KEYS'],
    [{ API_KEYS: 'desk:orchestrate' }, 'API_KEYS'],
  ])('%j stops start-up with one line naming %s', (env, variable) => {
    const error = configError(env);

    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `), error.message).toBe(true);
    expect(error.message, 'one line').not.toMatch(/\n/);
  });
});

describe('a config error', () => {
  it('never repeats a secret’s value', () => {
    const secrets = {
      GENESYS_CLIENT_SECRET: 'super-s3cret-value',
      OPENAI_API_KEY: 'sk-s3cret-openai',
    };
    const errors = [
      configError({ ...GENESYS, ...secrets, GATEWAY_TIMEOUT_MS: 'abc' }),
      configError({ ...GENESYS, ...secrets, GATEWAY_MODE: 'super-s3cret-value' }),
      configError({ ...secrets, GATEWAY_MODE: 'openai', PRIMARY_MODEL_ID: 'a', SECONDARY_MODEL_ID: 'b' }),
      configError({ API_KEYS: 'desk:orchestrate:fine-k3y,leak:admin:k3y-in-a-bad-entry' }),
      configError({ REDIS_URL: 'http://user:r3dis-passw0rd@localhost:6379' }),
      configError({ OPENAI_BASE_URL: 'not a url sk-s3cret-openai', GATEWAY_MODE: 'openai' }),
    ];

    for (const error of errors) {
      for (const secret of [
        'super-s3cret-value',
        'sk-s3cret-openai',
        'fine-k3y',
        'k3y-in-a-bad-entry',
        'r3dis-passw0rd',
      ]) {
        expect(error.message, `the message "${error.message}" holds a secret`).not.toContain(secret);
      }
    }
    expect(errors[3]?.message, 'the bad entry is named by its position').toMatch(/entry 2/);
  });
});

describe('MAX_SUBSCRIPTIONS_PER_CONNECTION and MAX_SUBSCRIPTIONS_PER_KEY', () => {
  it('default to 100 per WebSocket and 5000 per key', () => {
    expect(loadConfig({}).subscriptionLimits).toEqual({ perConnection: 100, perKey: 5000 });
  });

  it('take whole numbers of at least 1', () => {
    const c = loadConfig({ MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', MAX_SUBSCRIPTIONS_PER_KEY: '7' });
    expect(c.subscriptionLimits).toEqual({ perConnection: 3, perKey: 7 });
    for (const [variable, value] of [
      ['MAX_SUBSCRIPTIONS_PER_CONNECTION', '0'],
      ['MAX_SUBSCRIPTIONS_PER_CONNECTION', 'many'],
      ['MAX_SUBSCRIPTIONS_PER_KEY', '-5'],
      ['MAX_SUBSCRIPTIONS_PER_KEY', '2.5'],
    ] as const) {
      expect(configError({ [variable]: value }).variable).toBe(variable);
    }
  });
});

describe('CONSOLE', () => {
  it('is on by default, in production too', () => {
    expect(loadConfig({}).console).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).console).toBe(true);
  });

  it('false turns it off; a word that is not a switch stops start-up', () => {
    expect(loadConfig({ CONSOLE: 'false' }).console).toBe(false);
    expect(loadConfig({ CONSOLE: 'off' }).console).toBe(false);
    expect(loadConfig({ CONSOLE: 'true' }).console).toBe(true);
    expect(configError({ CONSOLE: 'maybe' }).variable).toBe('CONSOLE');
  });
});

describe('GRAPHQL_JIT', () => {
  it('is on unless turned off, and refuses anything but a boolean', () => {
    expect(loadConfig({}).graphqlJit).toBe(true);
    expect(loadConfig({ GRAPHQL_JIT: 'false' }).graphqlJit).toBe(false);
    expect(loadConfig({ GRAPHQL_JIT: 'on' }).graphqlJit).toBe(true);
    expect(configError({ GRAPHQL_JIT: 'maybe' }).variable).toBe('GRAPHQL_JIT');
  });
});
