import { type ChildProcess, spawn } from 'node:child_process';

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  /** everything the process wrote, stdout and stderr */
  output(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
// a failed test must not leave servers behind: the worker kills its children as it exits
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts `src/server.ts` in its own process on a free loopback port, as `npm start` does. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 15_000);
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
  return { url, proc, output: () => out, exited };
}
