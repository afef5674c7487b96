import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The simulator and the server, each in its own process, so that neither's
 * CPU is charged to the load generator (the bench process) or to the other.
 */

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
/** where `--server build` compiles src/ (not dist/: another build may be using it) */
export const BUILD_DIR = join(ROOT, 'bench', '.build');

export type ServerMode = 'build' | 'tsx';

/** read once: every server a benchmark starts asks for them */
let startProdFlags: string[] | undefined;

/**
 * The node flags `npm run start:prod` starts the server with (package.json is
 * their one home; `npm start` and the Docker image carry the same, which a
 * test checks), so the server measured here runs as it is deployed.
 */
export function serverNodeFlags(): string[] {
  if (!startProdFlags) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const script = pkg.scripts['start:prod'] ?? '';
    const m = /^node((?: --\S+)*) dist\/server\.js$/.exec(script);
    if (!m) throw new Error(`package.json's start:prod is not "node [--flags] dist/server.js": ${script}`);
    startProdFlags = (m[1] ?? '').split(' ').filter(Boolean);
  }
  return [...startProdFlags];
}

export interface Runtime {
  mode: ServerMode;
  /** node arguments before the script */
  nodeArgs: string[];
  script(rel: 'server' | 'simulator/main'): string;
  note: string;
}

/** Compiles src/ into bench/.build with the project's build config; falls back to tsx when that fails. */
export function prepareRuntime(wanted: ServerMode, log: (line: string) => void): Runtime {
  const tsx: Runtime = {
    mode: 'tsx',
    nodeArgs: ['--import', 'tsx'],
    script: (rel) => join(ROOT, 'src', `${rel}.ts`),
    note: `TypeScript sources through tsx (node ${[...serverNodeFlags(), '--import tsx src/server.ts'].join(' ')})`,
  };
  if (wanted === 'tsx') return tsx;
  log(`compiling src/ into ${BUILD_DIR} (tsc -p tsconfig.build.json) ...`);
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  let failure: string | undefined;
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? String(e);
    failure = out.split('\n').slice(0, 5).join('\n');
  }
  // tsc emits despite type errors; what matters is that the entry points exist
  if (!existsSync(join(BUILD_DIR, 'server.js')) || !existsSync(join(BUILD_DIR, 'simulator', 'main.js'))) {
    log(`build failed, falling back to tsx:\n${failure ?? 'no output'}`);
    return { ...tsx, note: `${tsx.note}; the build failed` };
  }
  if (failure) log(`tsc reported type errors (the emitted JavaScript is used anyway):\n${failure}`);
  return {
    mode: 'build',
    nodeArgs: [],
    script: (rel) => join(BUILD_DIR, `${rel}.js`),
    note: `compiled JavaScript (tsc -p tsconfig.build.json, then node ${[...serverNodeFlags(), 'server.js'].join(' ')}), as \`npm run start:prod\` and the Docker image run it`,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** the last lines of stderr and stdout, for error messages */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`could not start ${cmd} ${args.join(' ')}`);
  return {
    child,
    pid: child.pid,
    output: () => tail,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * The URL a child prints once it listens (the first group of `pattern` on its
 * stdout). A child that exits first, or says nothing for 30 s, is killed (it
 * is not returned, so nobody else could stop it) and the start fails.
 */
async function announcedUrl(proc: Proc, pattern: RegExp, name: string): Promise<string> {
  try {
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${proc.output()}`)), 30_000);
      proc.child.stdout?.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = pattern.exec(buf);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.child.once('exit', () => reject(new Error(`${name} exited:\n${proc.output()}`)));
    });
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
}

export interface SimProc extends Proc {
  url: string;
  stats(): Promise<{ tokenRequests: number; modelCalls: number }>;
  setLatency(ms: number): Promise<void>;
}

export async function startSimulatorProcess(rt: Runtime, latencyMs: number): Promise<SimProc> {
  const args = [...rt.nodeArgs, rt.script('simulator/main'), '--port', '0', '--latency-ms', String(latencyMs)];
  const proc = start(process.execPath, args, { ...process.env });
  const url = await announcedUrl(proc, / at (http:\/\/[^,\s]+),/, 'simulator');
  return {
    ...proc,
    url,
    async stats() {
      const res = await fetch(`${url}/__sim/stats`);
      return (await res.json()) as { tokenRequests: number; modelCalls: number };
    },
    async setLatency(ms) {
      const res = await fetch(`${url}/__sim/latency`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      if (!res.ok) throw new Error(`could not set the simulator latency: ${res.status}`);
      await res.arrayBuffer();
    },
  };
}

export interface ServerProc extends Proc {
  url: string;
  sqlitePath: string;
}

/** The account and models every bench process uses on the simulator (it accepts any). */
export const SIM_ACCOUNT = {
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
  primaryModelId: 'sim-extractor',
  secondaryModelId: 'sim-specialist',
} as const;

export const SERVER_LOG_LEVEL = 'warn';
export const SERVER_MAX_CONCURRENCY = 512;

export async function startServerProcess(
  rt: Runtime,
  simUrl: string,
  sqlitePath: string,
  extraNodeArgs: string[] = [],
): Promise<ServerProc> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    GENESYS_CLIENT_ID: SIM_ACCOUNT.clientId,
    GENESYS_CLIENT_SECRET: SIM_ACCOUNT.clientSecret,
    GENESYS_LOGIN_BASE_URL: simUrl,
    GENESYS_API_BASE_URL: simUrl,
    PRIMARY_MODEL_ID: SIM_ACCOUNT.primaryModelId,
    SECONDARY_MODEL_ID: SIM_ACCOUNT.secondaryModelId,
    SQLITE_PATH: sqlitePath,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: SERVER_LOG_LEVEL,
    GATEWAY_MAX_CONCURRENCY: String(SERVER_MAX_CONCURRENCY),
    SHUTDOWN_GRACE_MS: '2000',
    // every SSE subscriber comes from loopback, one address on this open server: let all 10,000 through
    MAX_SUBSCRIPTIONS_PER_KEY: '1000000',
  };
  // the caller's flags after start:prod's: V8 takes the last of a flag given twice
  const args = [...serverNodeFlags(), ...extraNodeArgs, ...rt.nodeArgs, rt.script('server')];
  const proc = start(process.execPath, args, env);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`server exited at start-up:\n${proc.output()}`);
    try {
      const res = await fetch(`${url}/ready`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.stop('SIGKILL');
      throw new Error(`server not ready after 60 s:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...proc, url, sqlitePath };
}

export interface RelayProc extends Proc {
  url: string;
}

/**
 * bench/relay.ts in its own process (through tsx, with the server's node
 * flags): the tutorial's algorithm behind a bare node:http server.
 */
export async function startRelayProcess(simUrl: string, client: 'fetch' | 'undici'): Promise<RelayProc> {
  const args = [
    ...serverNodeFlags(),
    '--import',
    'tsx',
    join(ROOT, 'bench', 'relay.ts'),
    '--sim',
    simUrl,
    '--client',
    client,
  ];
  const proc = start(process.execPath, args, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
  });
  const url = await announcedUrl(proc, /relay listening at (http:\/\/\S+)/, 'relay');
  return { ...proc, url };
}

/** This process's limit on open files (ulimit -n): each SSE subscriber holds one. */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m?.[1] || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time a process has used so far, in ms (/proc/<pid>/stat). */
export function cpuMsOf(pid: number): number {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command may contain spaces: fields are counted after the closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** CPU time the whole machine spent busy (all CPUs, all processes) and stolen by the hypervisor, in ms. */
export function machineCpuMs(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ms = (ticks: number | undefined) => ((ticks ?? 0) * 1000) / CLOCK_TICKS;
  return {
    busy: ms((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)),
    steal: ms(steal),
  };
}
