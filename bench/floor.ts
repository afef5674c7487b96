import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configureBaseline } from './baseline.js';
import { baselineRunner, eagerRun, graphqlRunner, type RunOnce, restRunner, serverPool } from './drivers.js';
import { closedLoop, percentile } from './load.js';
import {
  cpuMsOf,
  machineCpuMs,
  openFileLimit,
  type Proc,
  prepareRuntime,
  type ServerMode,
  SIM_ACCOUNT,
  startRelayProcess,
  startServerProcess,
  startSimulatorProcess,
} from './processes.js';
import { openSubscribers } from './sse.js';

/**
 * The floor: what any server in front of the gateway costs on this machine,
 * measured in the same run as the baseline and this server.
 *
 *   npx tsx bench/floor.ts [--rows 0/32,200/256] [--duration 9] [--rounds 3]
 *     [--subscribers 10000] [--server build|tsx]
 *
 * Targets, taking turns within a row (ABCDE, EDCBA, ...):
 * - baseline: the tutorial's algorithm in this process (bench/baseline.ts);
 * - relay-fetch: the same code behind a bare node:http server in its own
 *   process (bench/relay.ts --client fetch): the price of the HTTP hop alone;
 * - relay-undici: that relay with the server's HTTP client (undici Agent):
 *   the cheapest relay this stack allows;
 * - graphql and rest: this server, as `npm run bench` drives it.
 * CPU per run is the bench process's, the target process's and the
 * simulator's. The relays store nothing, publish nothing and keep no metrics:
 * they bound from below what a server with any of that can reach here.
 *
 * Then SSE (unless --subscribers 0): that many subscribers opened on the
 * relay and on the server (bench/sse.ts, as `npm run bench` opens them), and
 * the time until every one has a RECEIVED event: one written by the relay to
 * each open response with `res.write`, and the first event of an eager run on
 * the server. Needs `ulimit -n` above the subscriber count.
 */

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '0/32,200/256' },
    duration: { type: 'string', default: '9' },
    rounds: { type: 'string', default: '3' },
    subscribers: { type: 'string', default: '10000' },
    server: { type: 'string', default: 'build' },
  },
});
const subscribers = Number(args.subscribers);
if (!Number.isInteger(subscribers) || subscribers < 0) throw new Error('--subscribers takes a whole number');
if (args.server !== 'build' && args.server !== 'tsx') throw new Error('--server is build or tsx');
if (subscribers + 1000 > openFileLimit())
  throw new Error(
    `${subscribers} subscribers need a higher ulimit -n (now ${openFileLimit()}), or a smaller --subscribers`,
  );
const rows = args.rows.split(',').map((r) => {
  const [latency, concurrency] = r.split('/').map(Number);
  if (!Number.isInteger(latency) || !Number.isInteger(concurrency) || !concurrency)
    throw new Error(`--rows: latency/concurrency pairs, as 0/32,200/256 (got ${r})`);
  return { latency: latency as number, concurrency: concurrency as number };
});
const rounds = Number(args.rounds);
const durationS = Number(args.duration);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1');
if (!(durationS > 0)) throw new Error('--duration takes a number of seconds above 0');
const sliceMs = (durationS * 1000) / rounds;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** an HTTP target's pool: every target with a url gets one */
function poolOf(pool: ReturnType<typeof serverPool> | undefined): ReturnType<typeof serverPool> {
  if (!pool) throw new Error('an HTTP target without its pool');
  return pool;
}

/** every process started, stopped whatever happens (a failed row, a refused subscriber, a bad answer) */
const started: Proc[] = [];
function track<P extends Proc>(proc: P): P {
  started.push(proc);
  return proc;
}
const dir = mkdtempSync(join(tmpdir(), 'floor-'));
try {
  await measure();
} finally {
  await Promise.all(started.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
}

async function measure(): Promise<void> {
  const rt = prepareRuntime(args.server as ServerMode, log);
  const sim = track(await startSimulatorProcess(rt, 0));
  const server = track(await startServerProcess(rt, sim.url, join(dir, 'runs.sqlite')));
  const relayFetch = track(await startRelayProcess(sim.url, 'fetch'));
  const relayUndici = track(await startRelayProcess(sim.url, 'undici'));
  configureBaseline({ loginBaseUrl: sim.url, apiBaseUrl: sim.url, ...SIM_ACCOUNT });

  interface Target {
    name: string;
    proc?: Proc;
    url?: string;
    runner(pool: ReturnType<typeof serverPool> | undefined): RunOnce;
  }
  const targets: Target[] = [
    { name: 'baseline', runner: () => baselineRunner() },
    { name: 'relay-fetch', proc: relayFetch, url: relayFetch.url, runner: (p) => restRunner(poolOf(p)) },
    { name: 'relay-undici', proc: relayUndici, url: relayUndici.url, runner: (p) => restRunner(poolOf(p)) },
    { name: 'graphql', proc: server, url: server.url, runner: (p) => graphqlRunner(poolOf(p)) },
    { name: 'rest', proc: server, url: server.url, runner: (p) => restRunner(poolOf(p)) },
  ];

  interface Tally {
    ok: number;
    failed: number;
    windowMs: number;
    samples: number[];
    /** others: the rest of the machine (other sessions, the idle targets), CPU ms in the windows */
    cpu: { bench: number; target: number; sim: number; others: number };
    firstError?: string;
  }

  const lines = [
    '| latency | conc | target | runs/s | p50 ms | overhead p50 ms | x baseline | x limit c/2L | CPU ms/run bench / target / sim | others CPUs | failed |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    await sim.setLatency(row.latency);
    const tallies = new Map<string, Tally>();
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const pool = t.url ? serverPool(t.url, row.concurrency) : undefined;
        const read = () => ({
          bench: cpuMsOf(process.pid),
          target: t.proc ? cpuMsOf(t.proc.pid) : 0,
          sim: cpuMsOf(sim.pid),
          machine: machineCpuMs().busy,
        });
        let start = read();
        let end = start;
        const res = await closedLoop({
          concurrency: row.concurrency,
          warmupMs: r === 0 ? 2000 : 1000,
          durationMs: sliceMs,
          run: t.runner(pool),
          onWindow(edge) {
            if (edge === 'start') start = read();
            else end = read();
          },
        });
        await pool?.close();
        const tally = tallies.get(t.name) ?? {
          ok: 0,
          failed: 0,
          windowMs: 0,
          samples: [],
          cpu: { bench: 0, target: 0, sim: 0, others: 0 },
        };
        tally.ok += res.ok;
        tally.failed += res.failed;
        tally.windowMs += res.windowMs;
        tally.samples.push(...res.samples);
        tally.cpu.bench += end.bench - start.bench;
        tally.cpu.target += end.target - start.target;
        tally.cpu.sim += end.sim - start.sim;
        tally.cpu.others +=
          end.machine - start.machine - (end.bench - start.bench) - (end.target - start.target) - (end.sim - start.sim);
        tally.firstError ??= res.firstError;
        tallies.set(t.name, tally);
        log(
          `latency ${row.latency} c ${row.concurrency} ${t.name}: ${(res.ok / (res.windowMs / 1000)).toFixed(1)} runs/s`,
        );
      }
    }
    const thr = (t: Tally) => t.ok / (t.windowMs / 1000);
    const base = tallies.get('baseline') as Tally;
    const limit = row.latency > 0 ? row.concurrency / ((2 * row.latency) / 1000) : undefined;
    for (const t of targets) {
      const tally = tallies.get(t.name) as Tally;
      tally.samples.sort((a, b) => a - b);
      const p50 = percentile(tally.samples, 0.5);
      const per = (ms: number) => (ms / tally.ok).toFixed(3);
      lines.push(
        `| ${row.latency} ms | ${row.concurrency} | ${t.name} | ${thr(tally).toFixed(1)} | ${p50.toFixed(2)} | ${(p50 - 2 * row.latency).toFixed(2)} | ${(thr(tally) / thr(base)).toFixed(3)} | ${limit ? (thr(tally) / limit).toFixed(3) : ''} | ${per(tally.cpu.bench)} / ${t.proc ? per(tally.cpu.target) : '-'} / ${per(tally.cpu.sim)} | ${Math.max(0, tally.cpu.others / tally.windowMs).toFixed(2)} | ${tally.failed}${tally.firstError ? ` (${tally.firstError.slice(0, 80)})` : ''} |`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  if (subscribers > 0) {
    await sim.setLatency(0);
    const sse = [
      '',
      `| SSE, ${subscribers} subscribers | opened in ms | target CPU to open, ms | one event to all, ms (server: from the mutation that creates the run) | target CPU until then, ms |`,
      '|---|---|---|---|---|',
    ];
    const sseTargets: Array<[string, Proc & { url: string }, () => Promise<void>]> = [
      [
        'relay (bare node:http, res.write)',
        relayUndici,
        () =>
          fetch(`${relayUndici.url}/__broadcast`, { method: 'POST' })
            .then((r) => r.text())
            .then(() => {}),
      ],
      ['server', server, () => eagerRun(server.url)],
    ];
    for (const [name, proc, trigger] of sseTargets) {
      const { hostname, port } = new URL(proc.url);
      const cpu0 = cpuMsOf(proc.pid);
      const subs = await openSubscribers(hostname, Number(port), subscribers);
      const cpu1 = cpuMsOf(proc.pid);
      await new Promise((r) => setTimeout(r, 1000));
      const received = subs.waitForAll('"stage":"RECEIVED"', 60_000);
      const cpu2 = cpuMsOf(proc.pid);
      const t0 = performance.now();
      await trigger();
      const { lastAt, reached } = await received;
      const cpu3 = cpuMsOf(proc.pid);
      subs.close();
      log(
        `SSE ${name}: opened ${subs.connected} in ${subs.openMs.toFixed(0)} ms, one event to ${reached} in ${(lastAt - t0).toFixed(0)} ms`,
      );
      sse.push(
        `| ${name} | ${subs.openMs.toFixed(0)} (${subs.connected} open) | ${(cpu1 - cpu0).toFixed(0)} | ${(lastAt - t0).toFixed(0)} (${reached} reached) | ${(cpu3 - cpu2).toFixed(0)} |`,
      );
      await new Promise((r) => setTimeout(r, 2000));
    }
    process.stdout.write(`${sse.join('\n')}\n`);
  }
}
