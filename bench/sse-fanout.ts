import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { eagerRun } from './drivers.js';
import {
  cpuMsOf,
  prepareRuntime,
  ROOT,
  rssOf,
  type ServerProc,
  startServerProcess,
  startSimulatorProcess,
} from './processes.js';
import { summariseProfile } from './profile.js';
import { openSubscribers } from './sse.js';

/**
 * The SSE fan-out alone, with the evidence `npm run bench` has no room for:
 * the server's CPU to open the subscribers and to deliver one run to them,
 * its V8 heap next to its RSS before, with and after them (from /metrics),
 * and on request a CPU profile or heap snapshots of the server.
 *
 *   npx tsx bench/sse-fanout.ts [--subscribers 10000] [--cpu-prof] [--heap-snapshots]
 *     [--watch-seconds 10] [--gc] [--server build|tsx]
 *
 * --watch-seconds: how long to keep sampling the memory after the subscribers
 * close; --gc: then force a full collection (over the inspector protocol).
 *
 * Profiles and snapshots go to bench/results/sse-fanout/.
 */

const USAGE = `Usage: npx tsx bench/sse-fanout.ts [--subscribers n] [--cpu-prof] [--heap-snapshots]
  [--watch-seconds s] [--gc] [--server build|tsx]`;

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    'cpu-prof': { type: 'boolean', default: false },
    'heap-snapshots': { type: 'boolean', default: false },
    'watch-seconds': { type: 'string', default: '10' },
    gc: { type: 'boolean', default: false },
    server: { type: 'string', default: 'build' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const count = Number(args.subscribers);
if (!Number.isInteger(count) || count <= 0) throw new Error('--subscribers takes a whole number');

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 2 ** 20;
/** the monotonic clock V8 stamps profile samples with, in µs */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const phases = {
  open: { startUs: 0, endUs: 0 },
  deliver: { startUs: 0, endUs: 0 },
  close: { startUs: 0, endUs: 0 },
};

/** The V8 heap and the rest, as the server's own /metrics reports them. */
async function heapOf(server: ServerProc): Promise<{ used: number; total: number; external: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^orchestrator_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    used: read('nodejs_heap_size_used_bytes'),
    total: read('nodejs_heap_size_total_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

async function memory(server: ServerProc, label: string): Promise<void> {
  const h = await heapOf(server);
  log(
    `  ${label}: RSS ${(rssOf(server.pid) / MB).toFixed(0)} MB, V8 heap used ${(h.used / MB).toFixed(0)} MB ` +
      `of ${(h.total / MB).toFixed(0)} MB, external ${(h.external / MB).toFixed(0)} MB`,
  );
}

const outDir = join(ROOT, 'bench', 'results', 'sse-fanout');
mkdirSync(outDir, { recursive: true });
const nodeArgs: string[] = [
  `--diagnostic-dir=${outDir}`,
  ...(process.env.SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
];
if (args['cpu-prof']) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${outDir}`);
if (args['heap-snapshots']) nodeArgs.push('--heapsnapshot-signal=SIGUSR2');
// a full collection on demand, through the inspector: what is left after it is live, not garbage
if (args.gc) nodeArgs.push('--inspect=127.0.0.1:0');
for (const f of readdirSync(outDir)) rmSync(join(outDir, f), { force: true });

const rt = prepareRuntime(args.server === 'tsx' ? 'tsx' : 'build', log);
const sim = await startSimulatorProcess(rt, 0);
const dir = mkdtempSync(join(tmpdir(), 'sse-fanout-'));
const server = await startServerProcess(rt, sim.url, join(dir, 'runs.sqlite'), nodeArgs);
const snapshot = async (label: string) => {
  if (!args['heap-snapshots']) return;
  const before = new Set(readdirSync(outDir));
  process.kill(server.pid, 'SIGUSR2');
  // the snapshot is written synchronously by the server; wait for the file to appear and settle
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const fresh = readdirSync(outDir).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (fresh.length > 0) {
      await sleep(1000);
      log(`  heap snapshot (${label}): ${fresh[0]}`);
      return;
    }
  }
};

try {
  const { hostname, port } = new URL(server.url);
  // one run first, so the code paths are warm and the baseline holds what any working server holds
  await eagerRun(server.url);
  await sleep(1000);
  await memory(server, 'before');
  await snapshot('before');
  const cpu0 = cpuMsOf(server.pid);
  phases.open.startUs = nowUs();
  const subs = await openSubscribers(hostname, Number(port), count);
  phases.open.endUs = nowUs();
  const cpu1 = cpuMsOf(server.pid);
  log(`opened ${subs.connected} in ${subs.openMs.toFixed(0)} ms; server CPU ${(cpu1 - cpu0).toFixed(0)} ms`);
  await sleep(1000);
  await memory(server, 'with them');
  const first = subs.waitForAll('"stage":"RECEIVED"', 60_000);
  const last = subs.waitForAll('"stage":"COMPLETE"', 60_000);
  const cpu2 = cpuMsOf(server.pid);
  const client2 = cpuMsOf(process.pid);
  const t0 = performance.now();
  phases.deliver.startUs = nowUs();
  await eagerRun(server.url);
  const [a, b] = await Promise.all([first, last]);
  phases.deliver.endUs = nowUs();
  const cpu3 = cpuMsOf(server.pid);
  const client3 = cpuMsOf(process.pid);
  log(
    `one event to ${a.reached} in ${(a.lastAt - t0).toFixed(0)} ms; the whole run (5 events) to ${b.reached} in ` +
      `${(b.lastAt - t0).toFixed(0)} ms; server CPU ${(cpu3 - cpu2).toFixed(0)} ms, this client's ${(client3 - client2).toFixed(0)} ms`,
  );
  await snapshot('with them');
  phases.close.startUs = nowUs();
  subs.close();
  await sleep(2000);
  phases.close.endUs = nowUs();
  await memory(server, '2 s after closing');
  const watchS = Number(args['watch-seconds']);
  for (let s = 10; s <= watchS; s += s < 30 ? 10 : 30) {
    await sleep(s === 10 ? 8000 : (s <= 30 ? 10 : 30) * 1000);
    await memory(server, `${s} s after closing`);
  }
  if (args.gc) {
    await collectGarbage(server);
    await sleep(1000);
    await memory(server, 'after a full collection (HeapProfiler.collectGarbage)');
  }
  await snapshot('after closing');
  if (args['heap-snapshots']) await memory(server, 'after the snapshot (which collects garbage first)');
} finally {
  await server.stop();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}

if (args['cpu-prof']) {
  const file = readdirSync(outDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no CPU profile');
  for (const [name, window] of Object.entries(phases)) {
    const s = summariseProfile(join(outDir, file), 30, window);
    log(`\n${name}: busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms`);
    log('  self, by area:');
    for (const r of s.selfByArea.slice(0, 15)) log(`    ${r.pct.toFixed(1).padStart(5)} %  ${r.name}`);
    log('  self, by function:');
    for (const r of s.selfByFunction.slice(0, 30)) log(`    ${r.pct.toFixed(1).padStart(5)} %  ${r.name}`);
    log('  inclusive, by function:');
    for (const r of s.inclusiveByFunction.slice(0, 30)) log(`    ${r.pct.toFixed(1).padStart(5)} %  ${r.name}`);
  }
}

/** Asks the server's V8 for a full garbage collection over the inspector protocol. */
async function collectGarbage(s: ServerProc): Promise<void> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(s.output())?.[1];
  if (!url) throw new Error(`no inspector URL in the server's output:\n${s.output()}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  await new Promise<void>((resolve) => {
    socket.on('message', (m) => {
      if ((JSON.parse(String(m)) as { id?: number }).id === 1) resolve();
    });
    socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  });
  socket.close();
}
