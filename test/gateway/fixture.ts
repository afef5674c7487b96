import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { createGateway, type GatewayHandle } from '../../src/gateway/create-gateway.js';
import { GatewayError } from '../../src/gateway/errors.js';
import { createDispatcher } from '../../src/gateway/http.js';
import type { AttemptNotice, ModelCall } from '../../src/gateway/types.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { captureLogs } from '../helpers/log-capture.js';

/**
 * What the gateway suites share: the production wiring (`loadConfig` then
 * `createGateway`) pointed at a simulator on loopback, plus a passive record
 * of what crossed the wire. The record is an undici interceptor around the
 * production dispatcher: it observes requests and answers, it changes nothing.
 */

export const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';

/** The environment of genesys mode against the simulator, as an operator would write it. */
export function genesysEnv(sim: Simulator, env: Record<string, string> = {}): Record<string, string> {
  return {
    GENESYS_LOGIN_BASE_URL: sim.url,
    GENESYS_API_BASE_URL: sim.url,
    GENESYS_CLIENT_ID: 'sim-client',
    GENESYS_CLIENT_SECRET: 'sim-secret',
    PRIMARY_MODEL_ID: 'sim-extractor',
    SECONDARY_MODEL_ID: 'sim-specialist',
    GATEWAY_TIMEOUT_MS: '5000',
    ...env,
  };
}

/** The environment of openai mode against the simulator's OpenAI-compatible endpoint. */
export function openaiEnv(sim: Simulator, env: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_MODE: 'openai',
    OPENAI_BASE_URL: sim.openaiBaseUrl,
    OPENAI_API_KEY: 'sim-openai-key',
    PRIMARY_MODEL_ID: 'sim-extractor',
    SECONDARY_MODEL_ID: 'sim-specialist',
    GATEWAY_TIMEOUT_MS: '5000',
    ...env,
  };
}

export interface WireExchange {
  path: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status?: number;
  responseHeaders: IncomingHttpHeaders;
  responseBody: string;
  error?: Error;
}

/** Every HTTP exchange the gateway made, in order, and how many were open at once. */
export class WireLog {
  readonly exchanges: WireExchange[] = [];
  open = 0;
  maxOpen = 0;

  /** exchanges with a model endpoint (Genesys or OpenAI-compatible), not the token endpoint */
  model(): WireExchange[] {
    return this.exchanges.filter((e) => !e.path.endsWith('/oauth/token'));
  }

  token(): WireExchange[] {
    return this.exchanges.filter((e) => e.path.endsWith('/oauth/token'));
  }
}

function headerRecord(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers && !Array.isArray(headers) && typeof headers === 'object' && !(Symbol.iterator in headers)) {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** The production dispatcher, observed. */
export function recordingDispatcher(log: WireLog): Dispatcher {
  return createDispatcher().compose((dispatch) => (opts, handler) => {
    const exchange: WireExchange = {
      path: String(opts.path),
      requestHeaders: headerRecord(opts.headers),
      requestBody: typeof opts.body === 'string' ? opts.body : '',
      responseHeaders: {},
      responseBody: '',
    };
    log.exchanges.push(exchange);
    log.open++;
    log.maxOpen = Math.max(log.maxOpen, log.open);
    let closed = false;
    const close = () => {
      if (!closed) log.open--;
      closed = true;
    };
    const chunks: Buffer[] = [];
    return dispatch(opts, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
      onRequestUpgrade: (controller, status, headers, socket) =>
        handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart: (controller, status, headers, message) => {
        exchange.status = status;
        exchange.responseHeaders = headers;
        handler.onResponseStart?.(controller, status, headers, message);
      },
      onResponseData: (controller, chunk) => {
        chunks.push(chunk);
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd: (controller, trailers) => {
        exchange.responseBody = Buffer.concat(chunks).toString('utf8');
        close();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError: (controller, error) => {
        exchange.error = error;
        close();
        handler.onResponseError?.(controller, error);
      },
    });
  });
}

export interface TestGateway extends GatewayHandle {
  config: Config;
  logs: ReturnType<typeof captureLogs>;
  wire: WireLog;
  close(): Promise<void>;
}

/**
 * `createGateway(loadConfig(env).gateway, {logger, random})` as production
 * builds it. `random` defaults to `() => 0`: every backoff wait is 0 ms,
 * so only the tests about waiting wait.
 */
export function startGateway(env: Record<string, string>, opts: { random?: () => number } = {}): TestGateway {
  const config = loadConfig(env);
  if (config.gateway.mode === 'simulated') throw new Error('startGateway needs a genesys or openai environment');
  const logs = captureLogs('debug');
  const wire = new WireLog();
  const handle = createGateway(config.gateway, {
    logger: logs.logger,
    random: opts.random ?? (() => 0),
    dispatcher: recordingDispatcher(wire),
  });
  return { ...handle, config, logs, wire, close: () => handle.gateway.close() };
}

/**
 * One simulator for the enclosing file or describe block, started before its
 * tests, reset (faults, counts, latency) before each, closed after them. The
 * object stands for whichever simulator is current, so tests use it directly.
 */
export function useSimulator(): Simulator {
  let current: Simulator | undefined;
  const sim = () => {
    if (!current) throw new Error('the simulator starts in beforeAll');
    return current;
  };
  beforeAll(async () => {
    current = await startSimulator();
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(() => {
    sim().clearFaults();
    sim().resetStats();
    sim().setLatency(0);
  });
  return {
    get url() {
      return sim().url;
    },
    get openaiBaseUrl() {
      return sim().openaiBaseUrl;
    },
    get stats() {
      return sim().stats;
    },
    fault: (...faults) => sim().fault(...faults),
    clearFaults: () => sim().clearFaults(),
    resetStats: () => sim().resetStats(),
    expireTokens: () => sim().expireTokens(),
    setLatency: (ms) => sim().setLatency(ms),
    close: () => sim().close(),
  };
}

/** Gateways on `sim` in genesys or openai mode; each one a test opens is closed after it. */
export function useGateways(
  sim: Simulator,
  mode: 'genesys' | 'openai' = 'genesys',
): (env?: Record<string, string>, opts?: { random?: () => number }) => TestGateway {
  const open: TestGateway[] = [];
  afterEach(async () => {
    for (const gw of open.splice(0)) await gw.close();
  });
  return (env = {}, opts = {}) => {
    const gw = startGateway(mode === 'openai' ? openaiEnv(sim, env) : genesysEnv(sim, env), opts);
    open.push(gw);
    return gw;
  };
}

/** A call to the simulated extractor with the seed sentence; `notices` collects `onAttempt`. */
export function extractionCall(
  overrides: Partial<ModelCall> = {},
  notices: AttemptNotice[] = [],
): ModelCall & { notices: AttemptNotice[] } {
  return {
    modelId: 'sim-extractor',
    messages: [
      { role: 'system', content: 'Extract the request as JSON.' },
      { role: 'user', content: SEED },
    ],
    onAttempt: (n) => notices.push(n),
    ...overrides,
    notices,
  };
}

/** The GatewayError a call ended with; fails the test if the call succeeded or threw something else. */
export async function gatewayFailure(promise: Promise<unknown>): Promise<GatewayError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome.ok, 'the call should have failed, but it answered').toBe(false);
  const error = (outcome as { error: unknown }).error;
  expect(error, 'the call should have failed with a GatewayError').toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** What rejected the promise (anything), or fails the test if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  expect(outcome.ok, 'the promise should have been rejected').toBe(false);
  return (outcome as { error: unknown }).error;
}

/** Resolves once `condition` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
