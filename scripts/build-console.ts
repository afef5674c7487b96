import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the console (web/) into dist/console/ with vite. `--if-stale`
 * (what `npm start` and the browser tests run) builds only when the output
 * is missing or older than a source: anything under web/, or the lock file
 * (a dependency changed). A git checkout gives changed files a new mtime, so
 * a pull is enough to trigger it.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const output = join(root, 'dist', 'console', 'index.html');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function consoleIsStale(): boolean {
  if (!existsSync(output)) return true;
  const sources = Math.max(newestMtime(join(root, 'web')), newestMtime(join(root, 'package-lock.json')));
  return sources > statSync(output).mtimeMs;
}

export async function buildConsole(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'warn' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !consoleIsStale()) process.exit(0);
  const started = Date.now();
  process.stdout.write(ifStale ? 'building the console (web/ changed or not built yet)…\n' : 'building the console…\n');
  buildConsole().then(
    () => process.stdout.write(`console built into dist/console/ in ${Date.now() - started} ms\n`),
    (err: unknown) => {
      process.stderr.write(`console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
