import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { type App, createApp } from './app.js';
import { loadConfigOrExit } from './config.js';
import { PATHS } from './http/paths.js';
import { attachWebSocket } from './http/websocket.js';
import { createLogger, prettyDestination } from './logger.js';

/** After a drain, how long responses in progress get before their connections are cut. */
const RESPONSE_FLUSH_MS = 3000;
/**
 * A signal this soon after the first is the same one, not a second: a supervisor's
 * `kill -- -PGID` (systemd's default) reaches the server directly and again relayed
 * by its parent (npm, under `npm start`), milliseconds apart. Later, a second signal
 * is someone asking on purpose for the exit at once.
 */
const SIGNAL_BURST_MS = 2000;

export interface RunningServer {
  url: string;
  server: Server;
  /** graceful: drains the app, then closes connections */
  close(graceMs?: number): Promise<void>;
}

/** Listens on host:port (0: a free port) with HTTP, SSE and WebSocket on /graphql. */
export async function startServer(app: App, host: string, port: number): Promise<RunningServer> {
  const server = createServer((req, res) => {
    // a chunked body has no length to check against the body limit: ask for one (411)
    if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined) {
      res.writeHead(411, { 'content-type': 'application/json', connection: 'close' });
      res.end(
        JSON.stringify({
          errors: [{ message: 'Send the body with a Content-Length header.', extensions: { code: 'BAD_USER_INPUT' } }],
        }),
      );
      return;
    }
    void app.yoga(req, res);
  });
  // keep-alive longer than common load balancers' idle timeouts, so they close first
  server.keepAliveTimeout = 65_000;
  const wss = attachWebSocket(server, app.webSocket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    async close(graceMs) {
      // keep listening while draining, so load balancers can read /ready's 503
      await app.drain(graceMs);
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
      // answers of the stages that just finished are still being written: let them go out
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), RESPONSE_FLUSH_MS);
        // keep-alive sockets turn idle as their last answers go out: close each as it does
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(idle);
          resolve();
        });
        server.closeIdleConnections();
      });
      await app.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // a person at a terminal reads lines; anything else (a container, a file, a pipe) gets JSON
  const logger = createLogger(config.logLevel, process.stdout.isTTY ? prettyDestination() : undefined);
  const app = await createApp(config, { logger });
  const running = await startServer(app, config.host, config.port);
  const consoleUrl = config.console ? `${running.url}${PATHS.console}` : undefined;
  logger.info(
    {
      url: `${running.url}${PATHS.graphql}`,
      console: consoleUrl,
      mode: config.gateway.mode,
      store: config.redisUrl ? 'redis' : config.sqlitePath,
    },
    consoleUrl
      ? `serving the console at ${consoleUrl} and GraphQL at ${running.url}${PATHS.graphql} (GraphiQL in a browser)`
      : `serving GraphQL at ${running.url}${PATHS.graphql} (GraphiQL in a browser)`,
  );

  let firstSignalAt: number | undefined;
  const stop = (signal: string) => {
    const now = performance.now();
    if (firstSignalAt !== undefined) {
      if (now - firstSignalAt < SIGNAL_BURST_MS) {
        logger.info({ signal }, 'signal repeated (process group or relay): already shutting down');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    firstSignalAt = now;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing stages in flight');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void reloadPipelines(app));
}

/**
 * SIGHUP: PIPELINES_DIR again, checked whole. A directory with a problem is
 * refused (a log line per problem, naming file and pointer) and the previous
 * definitions keep serving; /ready stays 200 either way.
 */
export async function reloadPipelines(app: App): Promise<boolean> {
  const { logger, pipelines } = app.runtime;
  try {
    const outcome = await pipelines.reload();
    if (outcome.ok) {
      logger.info({ pipelines: outcome.pipelines.map((p) => `${p.name}@${p.version}`) }, 'pipelines reloaded');
      return true;
    }
    for (const problem of outcome.error.message.split('\n')) {
      logger.error({ problem }, 'pipelines reload refused: the previous definitions keep serving');
    }
  } catch (err) {
    logger.error({ err }, 'pipelines reload failed: the previous definitions keep serving');
  }
  return false;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    // a pipelines directory with problems: one line each, naming the file and the JSON pointer
    const lines = (err instanceof Error ? err.message : String(err)).split('\n');
    for (const line of lines) process.stderr.write(`start-up failed: ${line}\n`);
    process.exit(1);
  });
}
