import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PREFIX, handleControl, isLatency, notFound } from './control-endpoint.js';
import { errorBody } from './dialects.js';
import { type Fault, FaultQueue } from './faults.js';
import { write } from './http.js';
import { handleModelCall } from './model-endpoint.js';
import type { ModelKind } from './models.js';
import { emptyStats, resetStats, type SimState, type SimulatorStats } from './state.js';
import { handleTokenRequest } from './token-endpoint.js';
import { TokenStore } from './tokens.js';

/**
 * A Genesys Cloud LLM Gateway look-alike on loopback HTTP, for tests, demos
 * and `npm start` without credentials. It checks what it receives as the real
 * service would, answers deterministically (every shipped pipeline: the
 * extractor reads the entity schema it is sent, see models.ts), says it is
 * simulated (the `x-simulator` header, "sim-" ids, "Simulated rule:" reasons),
 * and misbehaves on request through `fault()` or `POST /__sim/faults`.
 */

export type { Fault, FaultTarget } from './faults.js';
export type { RequestRecord, SimulatorStats } from './state.js';

export interface SimulatorOptions {
  /** default '127.0.0.1' */
  host?: string;
  /** default 0, a free port */
  port?: number;
  /** default 'sim-client' */
  clientId?: string;
  /** default 'sim-secret' */
  clientSecret?: string;
  /** default 'sim-openai-key' */
  openaiApiKey?: string;
  /** default 86400 */
  tokenTtlSeconds?: number;
  /** delay before each model answer, default 0 */
  latencyMs?: number;
  /** default { 'sim-extractor': 'extractor', 'sim-specialist': 'specialist' } */
  models?: Record<string, ModelKind>;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:43123, no trailing slash; both the login and the API base URL */
  url: string;
  /** `${url}/openai/v1` */
  openaiBaseUrl: string;
  /** live counters, mutated in place */
  stats: SimulatorStats;
  /** queues faults, consumed FIFO by the requests they target; throws a TypeError on a bad one */
  fault(...faults: Fault[]): void;
  clearFaults(): void;
  resetStats(): void;
  /** every token issued so far now answers 401 */
  expireTokens(): void;
  setLatency(ms: number): void;
  /** closes every socket at once; resolves when the server is closed */
  close(): Promise<void>;
}

export const DEFAULT_MODELS: Readonly<Record<string, ModelKind>> = {
  'sim-extractor': 'extractor',
  'sim-specialist': 'specialist',
};

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const ttl = options.tokenTtlSeconds ?? 86_400;
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new RangeError('port must be 0-65535');
  if (!(Number.isInteger(ttl) && ttl >= 1))
    throw new RangeError('tokenTtlSeconds must be a whole number of at least 1');
  if (!isLatency(latencyMs)) throw new RangeError('latencyMs must be a number of at least 0');

  const state: SimState = {
    credentials: {
      clientId: options.clientId ?? 'sim-client',
      clientSecret: options.clientSecret ?? 'sim-secret',
      openaiApiKey: options.openaiApiKey ?? 'sim-openai-key',
    },
    tokenTtlSeconds: ttl,
    models: { ...(options.models ?? DEFAULT_MODELS) },
    stats: emptyStats(),
    faults: new FaultQueue(),
    tokens: new TokenStore(ttl * 1000),
    latencyMs,
    rateWindow: { start: 0, count: 0 },
  };

  const server = createServer((req, res) => {
    route(state, req, res)?.catch((e: unknown) => {
      if (!res.headersSent) write(res, 500, errorBody('genesys', 500, `simulator error: ${String(e)}`));
      else res.destroy();
    });
  });
  // Longer than the usual client idle timeouts, so clients never reuse a socket the server is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const url = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    openaiBaseUrl: `${url}/openai/v1`,
    stats: state.stats,
    fault: (...faults) => state.faults.add(faults),
    clearFaults: () => {
      state.faults.clear();
    },
    resetStats: () => resetStats(state.stats),
    expireTokens: () => state.tokens.expireAll(),
    setLatency: (ms) => {
      if (!isLatency(ms)) throw new RangeError('latency must be a number of at least 0');
      state.latencyMs = ms;
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // Also ends requests waiting on latency or a slow fault: their timers stop on 'close'.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function route(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (req.method === 'POST') {
    if (path === '/api/v2/llm/gateway') return handleModelCall(state, 'genesys', req, res);
    if (path === '/openai/v1/chat/completions') return handleModelCall(state, 'openai', req, res);
    if (path === '/oauth/token') return handleTokenRequest(state, req, res);
  }
  if (path.startsWith(CONTROL_PREFIX)) return handleControl(state, path, req, res);
  notFound(res, req.method, path);
  return undefined;
}

// A wildcard address is not somewhere a client can connect to.
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
