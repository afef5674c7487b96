import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real `redis-server` on a free loopback port, without persistence, in a temp dir. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** stops the server (SIGKILL: an outage, not a shutdown); its data is gone */
  stop(): Promise<void>;
  /** starts it again on the same port */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOP: a server that keeps its connections but answers nothing; `resume()` undoes it */
  pause(): void;
  resume(): void;
  /** stops it and removes its directory */
  close(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `persistent`: an append-only file synced on every write, so data outlives a stop (as a production Redis should). */
export async function startRedisServer(opts: { persistent?: boolean } = {}): Promise<RedisServer> {
  if (spawnSync(BINARY, ['--version']).error) {
    throw new Error(
      `${BINARY} not found: install it (Debian/Ubuntu: apt-get install redis-server), or set ALLOW_MISSING_SYSTEM_DEPS=1 to leave the Redis suites out`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'orchestrator-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;

  const launch = async () => {
    const proc = spawn(
      BINARY,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...(opts.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
        '--dir',
        dir,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    child = proc;
    await waitUntilAnswers(port, proc);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  };

  // a free port can be taken between finding and binding it: try a few
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      await stop();
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: launch,
    async restart() {
      await stop();
      await launch();
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls with a raw PING until the server answers +PONG; fails if the process exits first. */
async function waitUntilAnswers(port: number, proc: ChildProcess, timeoutMs = 30_000): Promise<void> {
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`redis-server exited before answering on port ${port}: ${stderr.trim()}`);
    }
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += String(chunk);
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
