import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { afterAll, beforeAll } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { RuntimeDeps } from '../../src/runtime.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { captureLogs } from './log-capture.js';

export type GqlResult<R> = ExecutionResult<R> & { status: number };

export interface TestApp {
  app: App;
  sim: Simulator;
  logs: ReturnType<typeof captureLogs>;
  /** one GraphQL operation in-process through yoga.fetch */
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, headers?: Record<string, string>): Promise<GqlResult<R>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The environment a test app runs with: a real simulator on loopback, in genesys mode. */
export function simulatorEnv(sim: Pick<Simulator, 'url'>, env: Record<string, string> = {}): Record<string, string> {
  return {
    GENESYS_CLIENT_ID: 'sim-client',
    GENESYS_CLIENT_SECRET: 'sim-secret',
    GENESYS_LOGIN_BASE_URL: sim.url,
    GENESYS_API_BASE_URL: sim.url,
    PRIMARY_MODEL_ID: 'sim-extractor',
    SECONDARY_MODEL_ID: 'sim-specialist',
    SQLITE_PATH: ':memory:',
    GATEWAY_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'debug',
    ...env,
  };
}

export async function createTestApp(
  opts: { env?: Record<string, string>; deps?: RuntimeDeps; sim?: Simulator } = {},
): Promise<TestApp> {
  const sim = opts.sim ?? (await startSimulator());
  const logs = captureLogs();
  // backoff waits of 0 ms keep retry tests fast; the policy itself is tested in the gateway suite
  const app = await createApp(loadConfig(simulatorEnv(sim, opts.env)), {
    logger: logs.logger,
    random: () => 0,
    ...opts.deps,
  });
  const fetchApp = (path: string, init?: RequestInit) =>
    Promise.resolve(app.yoga.fetch(new URL(path, 'http://test'), init ?? {}));
  return {
    app,
    sim,
    logs,
    fetch: fetchApp,
    async gql(doc, variables, headers = {}) {
      const res = await fetchApp('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: print(doc), variables }),
      });
      return { status: res.status, ...((await res.json()) as ExecutionResult) } as GqlResult<never>;
    },
    async close() {
      await app.shutdown(0);
      if (!opts.sim) await sim.close();
    },
  };
}

/** The same app listening on a real loopback port. */
export async function listen(app: App): Promise<RunningServer> {
  return startServer(app, '127.0.0.1', 0);
}

export interface ServedTestApp {
  t: TestApp;
  server: RunningServer;
}

/**
 * For the describe block it is called in: a test app listening on loopback,
 * started before its tests and, after them, drained and its simulator closed.
 * Read `t` and `server` inside tests and hooks (they are set in beforeAll).
 */
export function serveTestApp(opts: Parameters<typeof createTestApp>[0] = {}, timeoutMs?: number): ServedTestApp {
  const served = {} as ServedTestApp;
  beforeAll(async () => {
    served.t = await createTestApp(opts);
    served.server = await listen(served.t.app);
  }, timeoutMs);
  afterAll(async () => {
    await served.server?.close(0);
    await served.t?.sim.close();
  });
  return served;
}
