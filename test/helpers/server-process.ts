import { type ChildProcess, spawn } from 'node:child_process';

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** everything the process wrote, stdout and stderr */
  output(): string;
  exited: Promise<number | null>;
  /**
   * Sends a signal as a supervisor does: with `npmStart`, to the whole process
   * group (`kill -- -PGID`: npm and the server each get it); else to the server.
   */
  signal(signal: NodeJS.Signals): void;
}

export interface ServerProcessOptions {
  /** start it with `npm start`, in a process group of its own, as systemd or a supervisor would */
  npmStart?: boolean;
}

/** A loaded machine can take long to compile and start a server: generous, as nothing is timed with it. */
const START_PATIENCE_MS = 60_000;

const children = new Set<ChildProcess>();
/** children that lead a process group of their own: killed with their group, so npm's child goes too */
const leaders = new WeakSet<ChildProcess>();
const killAll = (child: ChildProcess) => {
  try {
    if (leaders.has(child) && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // already gone
  }
};
// a failed test must not leave servers behind: the worker kills its children as it exits
process.once('exit', () => {
  for (const child of children) killAll(child);
});

/** Starts `src/server.ts` in its own process on a free loopback port, as `npm start` does. */
export async function startServerProcess(
  env: Record<string, string>,
  opts: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const fullEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env };
  const proc = opts.npmStart
    ? spawn('npm', ['start'], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        env: fullEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  children.add(proc);
  if (opts.npmStart) leaders.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killAll(proc);
      reject(new Error(`server did not start:\n${out}`));
    }, START_PATIENCE_MS);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`server exited:\n${out}`)));
  });
  const signal = (sig: NodeJS.Signals) => {
    if (opts.npmStart && proc.pid !== undefined) process.kill(-proc.pid, sig);
    else proc.kill(sig);
  };
  return { url, proc, output: () => out, exited, signal };
}
