import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { baselineTokenRequests, configureBaseline } from './baseline.js';
import {
  baselineRunner,
  eagerRun,
  graphqlRunner,
  ORCHESTRATE_MUTATION,
  type RunOnce,
  restRunner,
  serverPool,
} from './drivers.js';
import { closedLoop, type LoadResult, percentile } from './load.js';
import {
  cpuMsOf,
  machineCpuMs,
  openFileLimit,
  prepareRuntime,
  ROOT,
  type Runtime,
  rssOf,
  SERVER_LOG_LEVEL,
  SERVER_MAX_CONCURRENCY,
  type ServerMode,
  type ServerProc,
  SIM_ACCOUNT,
  type SimProc,
  startServerProcess,
  startSimulatorProcess,
} from './processes.js';
import { summariseProfile } from './profile.js';
import {
  type BenchReport,
  type Cell,
  cellOf,
  type Machine,
  renderMarkdown,
  renderText,
  type SseResult,
  type TargetName,
} from './report.js';
import { openSubscribers } from './sse.js';

const USAGE = `Usage: npm run bench -- [options]

Starts the simulated gateway and the server (each in its own process) and
drives them side by side with the tutorial's algorithm run in this process
against the same simulator; prints a table.

Options:
  --duration <s>         measured seconds per row (default 9), split into --rounds slices
  --rounds <n>           slices per row; the targets of a row take turns, ABC then CBA ...,
                         so that a change in the machine's load hits them alike (default 3)
  --warmup <s>           warm-up seconds before a row's first slice (default 2; 1 before the others)
  --concurrency <list>   concurrent runs, comma-separated (default 1,32,256)
  --latency <list>       simulator latency per model call in ms (default 0,200)
  --targets <list>       baseline,graphql,rest (default all three)
  --subscribers <n>      SSE subscribers to pipelineEvents (default 10000; 0 skips)
  --profile-seconds <s>  CPU profile of the server at latency 0, concurrency 32 (default 10; 0 skips)
  --sqlite <dir|:memory:>  where the server's SQLite file goes (default a new temp dir under the OS temp dir)
  --server <build|tsx>   compiled JavaScript (default) or the TypeScript sources through tsx
  --out <file>           also write the results as Markdown into <file>, between
                         <!-- bench:<label>:begin/end --> markers (created or replaced)
  --label <name>         the section name in --out (default latest)
  --short                smoke mode: 0.5 s rows, concurrency 1,4, latency 0,20, 50 subscribers,
                         tsx, no profile (for tests; its figures mean nothing)
  --help                 this text`;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function list(v: string, name: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 0))
    fail(`--${name} takes whole numbers, comma-separated`);
  return out;
}

function num(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} takes a number of at least 0`);
  return n;
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        duration: { type: 'string' },
        rounds: { type: 'string' },
        warmup: { type: 'string' },
        concurrency: { type: 'string' },
        latency: { type: 'string' },
        targets: { type: 'string' },
        subscribers: { type: 'string' },
        'profile-seconds': { type: 'string' },
        server: { type: 'string' },
        sqlite: { type: 'string' },
        out: { type: 'string' },
        label: { type: 'string', default: 'latest' },
        short: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)} (see --help)`);
  }
})();

if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const short = args.short;
const settings = {
  durationS: num(args.duration ?? (short ? '0.5' : '9'), 'duration'),
  rounds: Math.max(1, Math.round(num(args.rounds ?? (short ? '1' : '3'), 'rounds'))),
  warmupS: num(args.warmup ?? (short ? '0.2' : '2'), 'warmup'),
  concurrency: list(args.concurrency ?? (short ? '1,4' : '1,32,256'), 'concurrency').filter((c) => c > 0),
  latency: list(args.latency ?? (short ? '0,20' : '0,200'), 'latency'),
  subscribers: num(args.subscribers ?? (short ? '50' : '10000'), 'subscribers'),
  profileS: num(args['profile-seconds'] ?? (short ? '0' : '10'), 'profile-seconds'),
  server: (args.server ?? (short ? 'tsx' : 'build')) as ServerMode,
};
if (settings.server !== 'build' && settings.server !== 'tsx') fail('--server is build or tsx');
if (settings.durationS <= 0) fail('--duration must be more than 0');
const targets = (args.targets ?? 'baseline,graphql,rest').split(',').map((s) => s.trim()) as TargetName[];
if (targets.some((t) => !['baseline', 'graphql', 'rest'].includes(t))) fail('--targets: baseline, graphql, rest');
if (!args.label || !/^[\w.-]+$/.test(args.label)) fail('--label: letters, digits, dot, dash, underscore');

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string, argv: string[]): string {
  try {
    return execFileSync(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return '?';
  }
}

function machine(): Machine {
  const freeLine = sh('free', ['-h']).split('\n')[1]?.trim().split(/\s+/)[1];
  const status = sh('git', ['status', '--porcelain', '--', 'src']);
  // '?': no git here (a copy of the tree), which says nothing of changes
  const dirty = status === '?' ? 0 : status.split('\n').filter(Boolean).length;
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? '?',
    memory: freeLine ?? `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${process.platform} ${sh('uname', ['-r'])}`,
    commit: `git ${sh('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ` with ${dirty} uncommitted change(s) under src/` : ''}`,
    ulimitN: sh('sh', ['-c', 'ulimit -n']),
  };
}

/** Samples a process's RSS every 200 ms while a window is open. */
function rssSampler(pid: number) {
  let max = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      max = rssOf(pid);
      timer = setInterval(() => {
        max = Math.max(max, rssOf(pid));
      }, 200);
    },
    stop(): number {
      clearInterval(timer);
      return Math.max(max, rssOf(pid));
    },
  };
}

interface Slice {
  result: LoadResult;
  cpu: { bench: number; server: number; sim: number; others: number; steal: number };
  rssMax?: number;
}

/** One closed-loop slice of a row, with the CPU each process spent in its window. */
async function measureSlice(
  target: TargetName,
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  run: RunOnce,
  sim: SimProc,
  server: ServerProc | undefined,
): Promise<Slice> {
  const cpu = { bench: 0, server: 0, sim: 0, others: 0, steal: 0 };
  const sampler = server && target !== 'baseline' ? rssSampler(server.pid) : undefined;
  const read = () => ({
    bench: cpuMsOf(process.pid),
    server: server ? cpuMsOf(server.pid) : 0,
    sim: cpuMsOf(sim.pid),
    machine: machineCpuMs(),
  });
  let atStart = read();
  const result = await closedLoop({
    concurrency,
    warmupMs,
    durationMs,
    run,
    onWindow(edge) {
      if (edge === 'start') {
        atStart = read();
        sampler?.start();
      } else {
        const end = read();
        cpu.bench = end.bench - atStart.bench;
        cpu.server = end.server - atStart.server;
        cpu.sim = end.sim - atStart.sim;
        // the server idles during baseline rows, but its CPU is still its own
        cpu.others = end.machine.busy - atStart.machine.busy - cpu.bench - cpu.server - cpu.sim;
        cpu.steal = end.machine.steal - atStart.machine.steal;
      }
    },
  });
  return { result, cpu, rssMax: sampler?.stop() };
}

/** A row of the table from its slices: throughput over all windows, percentiles over all samples. */
function mergeSlices(target: TargetName, latencyMs: number, concurrency: number, slices: Slice[]): Cell {
  const sum = (pick: (s: Slice) => number) => slices.reduce((a, s) => a + pick(s), 0);
  const ok = sum((s) => s.result.ok);
  const windowMs = sum((s) => s.result.windowMs);
  const samples = slices.flatMap((s) => s.result.samples).sort((a, b) => a - b);
  const per = (ms: number) => (ok > 0 ? ms / ok : Number.NaN);
  const rss = slices.map((s) => s.rssMax).filter((x): x is number => x !== undefined);
  return {
    latencyMs,
    target,
    concurrency,
    throughput: ok / (windowMs / 1000),
    ok,
    failed: sum((s) => s.result.failed),
    firstError: slices.find((s) => s.result.firstError)?.result.firstError,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    mean: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : Number.NaN,
    max: samples.length ? (samples[samples.length - 1] as number) : Number.NaN,
    windowMs,
    samples: [],
    cpuPerRun: {
      bench: per(sum((s) => s.cpu.bench)),
      server: target === 'baseline' ? undefined : per(sum((s) => s.cpu.server)),
      simulator: per(sum((s) => s.cpu.sim)),
    },
    otherCores:
      Math.max(
        0,
        sum((s) => s.cpu.others),
      ) / windowMs,
    stealCores: sum((s) => s.cpu.steal) / windowMs,
    serverRssMax: rss.length ? Math.max(...rss) : undefined,
  };
}

function tempSqlite(dir: string, name: string): string {
  if (args.sqlite === ':memory:') return ':memory:';
  return join(dir, `${name}.sqlite`);
}

async function ssePhase(server: ServerProc, sim: SimProc, count: number, waitS: number): Promise<SseResult> {
  await sim.setLatency(0);
  const { hostname, port } = new URL(server.url);
  const rssBefore = rssOf(server.pid);
  log(`opening ${count} SSE subscriptions to pipelineEvents ...`);
  const cpu0 = cpuMsOf(server.pid);
  const subs = await openSubscribers(hostname, Number(port), count);
  const openCpuMs = cpuMsOf(server.pid) - cpu0;
  await sleep(1000);
  const rssWith = rssOf(server.pid);
  log(
    `  ${subs.connected} open in ${(subs.openMs / 1000).toFixed(1)} s; server RSS ${(rssWith / 2 ** 20).toFixed(0)} MB`,
  );
  const first = subs.waitForAll('"stage":"RECEIVED"', 60_000);
  const last = subs.waitForAll('"stage":"COMPLETE"', 60_000);
  const cpu1 = cpuMsOf(server.pid);
  const t0 = performance.now();
  await eagerRun(server.url);
  const [a, b] = await Promise.all([first, last]);
  const deliverCpuMs = cpuMsOf(server.pid) - cpu1;
  subs.close();
  await sleep(2000);
  const rssAfterClose = rssOf(server.pid);
  let rssRecovered: SseResult['rssRecovered'];
  for (let s = 2; s <= waitS; s += 5) {
    const rss = s === 2 ? rssAfterClose : rssOf(server.pid);
    if (rss <= rssBefore * 1.2) {
      rssRecovered = { rss, afterS: s };
      break;
    }
    if (s + 5 <= waitS) await sleep(5000);
  }
  log(
    `  server RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(rssAfterClose / 2 ** 20).toFixed(0)} MB 2 s after closing, ` +
      (rssRecovered
        ? `${(rssRecovered.rss / 2 ** 20).toFixed(0)} MB ${rssRecovered.afterS} s after`
        : `not back within ${waitS} s`),
  );
  return {
    openCpuMs,
    deliverCpuMs,
    rssRecovered,
    watchedS: waitS,
    subscribers: count,
    connected: subs.connected,
    openMs: subs.openMs,
    rssBefore,
    rssWith,
    rssAfterClose,
    firstEventMs: a.lastAt - t0,
    firstEventReached: a.reached,
    lastEventMs: b.lastAt - t0,
    lastEventReached: b.reached,
  };
}

async function profilePhase(rt: Runtime, sim: SimProc, dir: string, seconds: number) {
  await sim.setLatency(0);
  const profDir = join(ROOT, 'bench', 'results');
  mkdirSync(profDir, { recursive: true });
  const name = `server-${args.label}.cpuprofile`;
  rmSync(join(profDir, name), { force: true });
  log(`profiling a fresh server (--cpu-prof) at latency 0, concurrency 32 for ${seconds} s ...`);
  const before = (await sim.stats()).tokenRequests;
  const server = await startServerProcess(rt, sim.url, tempSqlite(dir, 'profile'), [
    '--cpu-prof',
    '--cpu-prof-dir',
    profDir,
    '--cpu-prof-name',
    name,
  ]);
  const pool = serverPool(server.url, 32);
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = { startUs: 0, endUs: 0 };
  let cpuAtStart = 0;
  let serverCpuMs = 0;
  let result: Awaited<ReturnType<typeof closedLoop>>;
  try {
    result = await closedLoop({
      concurrency: 32,
      warmupMs: 2000,
      durationMs: seconds * 1000,
      run: graphqlRunner(pool),
      onWindow(edge) {
        if (edge === 'start') {
          window.startUs = nowUs();
          cpuAtStart = cpuMsOf(server.pid);
        } else {
          window.endUs = nowUs();
          serverCpuMs = cpuMsOf(server.pid) - cpuAtStart;
        }
      },
    });
  } finally {
    await pool.close();
    await server.stop();
  }
  const tokens = (await sim.stats()).tokenRequests - before;
  const file = join(profDir, name);
  if (!existsSync(file)) throw new Error(`no profile written: ${readdirSync(profDir).join(', ')}`);
  return {
    file: relative(ROOT, file),
    throughput: result.throughput,
    serverCpuPerRun: result.ok > 0 ? serverCpuMs / result.ok : Number.NaN,
    summary: summariseProfile(file, 30, window),
    window,
    tokens,
  };
}

function evaluate(r: BenchReport): BenchReport['targets'] {
  const out: BenchReport['targets'] = [];
  // the issue's targets are at these points exactly; other settings are not judged
  const hi = cellOf(r, 200, 256, 'graphql');
  const hiBase = hi && cellOf(r, hi.latencyMs, hi.concurrency, 'baseline');
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  if (hi && hi.latencyMs > 0) {
    const limit = hi.concurrency / ((2 * hi.latencyMs) / 1000);
    const label = `latency ${hi.latencyMs} ms, concurrency ${hi.concurrency}`;
    if (hiBase)
      out.push({
        target: `${label}: GraphQL throughput >= 0.95 x baseline`,
        value: `${hi.throughput.toFixed(1)} / ${hiBase.throughput.toFixed(1)} runs/s = ${pct(hi.throughput / hiBase.throughput)}`,
        met: hi.throughput >= 0.95 * hiBase.throughput,
      });
    out.push({
      target: `${label}: GraphQL throughput >= 0.95 x limit ${hi.concurrency} / ${(2 * hi.latencyMs) / 1000} s`,
      value: `${hi.throughput.toFixed(1)} / ${limit.toFixed(1)} runs/s = ${pct(hi.throughput / limit)}`,
      met: hi.throughput >= 0.95 * limit,
    });
    out.push({
      target: `${label}: p50 overhead < 5 ms`,
      value: `${hi.p50.toFixed(2)} - ${2 * hi.latencyMs} = ${(hi.p50 - 2 * hi.latencyMs).toFixed(2)} ms (baseline ${hiBase ? (hiBase.p50 - 2 * hiBase.latencyMs).toFixed(2) : '-'} ms)`,
      met: hi.p50 - 2 * hi.latencyMs < 5,
    });
  } else out.push({ target: 'latency 200 ms, concurrency 256 targets', value: 'not in this run', met: undefined });
  const lo = cellOf(r, 0, 32, 'graphql');
  const loBase = cellOf(r, 0, 32, 'baseline');
  out.push(
    lo && loBase
      ? {
          target: 'latency 0, concurrency 32: GraphQL throughput >= baseline',
          value: `${lo.throughput.toFixed(1)} / ${loBase.throughput.toFixed(1)} runs/s = ${pct(lo.throughput / loBase.throughput)}`,
          met: lo.throughput >= loBase.throughput,
        }
      : {
          target: 'latency 0, concurrency 32: GraphQL throughput >= baseline',
          value: 'not in this run',
          met: undefined,
        },
  );
  out.push({
    target: 'one token request for the whole benchmark (server)',
    value: `${r.tokens.server}`,
    met: r.tokens.server === 1,
  });
  if (r.sse) {
    const at10k = r.sse.subscribers >= 10_000;
    out.push({
      target: '10,000 SSE subscribers under 1 GB server RSS',
      value: `${r.sse.connected} subscribers: ${(r.sse.rssWith / 2 ** 20).toFixed(0)} MB`,
      met: at10k ? r.sse.connected >= 10_000 && r.sse.rssWith < 2 ** 30 : undefined,
    });
    out.push(
      {
        target: 'SSE: one event to every subscriber in <= 200 ms',
        value: `${r.sse.firstEventMs.toFixed(0)} ms to ${r.sse.firstEventReached}`,
        met: at10k ? r.sse.firstEventMs <= 200 && r.sse.firstEventReached === r.sse.connected : undefined,
      },
      {
        target: 'SSE: opening them in <= 3 s',
        value: `${(r.sse.openMs / 1000).toFixed(1)} s`,
        met: at10k ? r.sse.openMs <= 3000 : undefined,
      },
      {
        target: 'SSE: RSS back within 20 % of before after they close',
        value: r.sse.rssRecovered
          ? `${(r.sse.rssRecovered.rss / 2 ** 20).toFixed(0)} MB (before ${(r.sse.rssBefore / 2 ** 20).toFixed(0)}), ${r.sse.rssRecovered.afterS} s after`
          : `not within ${r.sse.watchedS} s (before ${(r.sse.rssBefore / 2 ** 20).toFixed(0)} MB)`,
        met: at10k ? r.sse.rssRecovered !== undefined : undefined,
      },
    );
  }
  return out;
}

function writeOut(file: string, label: string, markdown: string): void {
  const begin = `<!-- bench:${label}:begin -->`;
  const end = `<!-- bench:${label}:end -->`;
  const block = `${begin}\n\n${markdown}\n\n${end}`;
  // an absolute --out stays as given
  const path = resolve(process.cwd(), file);
  if (!existsSync(path)) {
    writeFileSync(path, `# Benchmarks\n\n${block}\n`);
    return;
  }
  const text = readFileSync(path, 'utf8');
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  writeFileSync(
    path,
    i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`,
  );
}

/** CPUs' worth of time other processes use right now, over `ms`: a busy machine makes every figure noise. */
async function otherLoad(ms: number, pids: number[]): Promise<number> {
  const own = () => pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  const m0 = machineCpuMs().busy;
  const o0 = own();
  await sleep(ms);
  return Math.max(0, machineCpuMs().busy - m0 - (own() - o0)) / ms;
}

async function main(): Promise<void> {
  const started = Date.now();
  const limit = openFileLimit();
  if (settings.subscribers + 1000 > limit) {
    fail(
      `${settings.subscribers} subscribers need more open files than ulimit -n allows (${limit}): ` +
        `raise it in the shell first (ulimit -n ${Math.max(65_536, settings.subscribers * 2)}), or pass a smaller --subscribers`,
    );
  }
  // before the build: the code measured is the code of this moment
  const host = machine();
  log(`node ${process.version} (${process.execPath}): bench, simulator and server`);
  const rt = prepareRuntime(settings.server, log);
  const dir = mkdtempSync(join(args.sqlite && args.sqlite !== ':memory:' ? args.sqlite : tmpdir(), 'bench-'));
  const sim = await startSimulatorProcess(rt, settings.latency[0] ?? 0);
  let server: ServerProc | undefined;
  let pool: ReturnType<typeof serverPool> | undefined;
  try {
    configureBaseline({ loginBaseUrl: sim.url, apiBaseUrl: sim.url, ...SIM_ACCOUNT });
    const tokensBefore = (await sim.stats()).tokenRequests;
    server = await startServerProcess(rt, sim.url, tempSqlite(dir, 'runs'));
    await sleep(500);
    const atStart = rssOf(server.pid);
    pool = serverPool(server.url, Math.max(...settings.concurrency));
    const runners: Record<TargetName, RunOnce> = {
      baseline: baselineRunner(),
      graphql: graphqlRunner(pool),
      rest: restRunner(pool),
    };
    log(`simulator ${sim.url} (pid ${sim.pid}), server ${server.url} (pid ${server.pid}), bench pid ${process.pid}`);
    const othersAtStart = await otherLoad(1000, [process.pid, server.pid, sim.pid]);
    if (othersAtStart > 0.2)
      log(
        `warning: other processes use ${othersAtStart.toFixed(2)} CPUs of ${availableParallelism()}: the figures will be noisy`,
      );

    const cells: Cell[] = [];
    for (const latencyMs of settings.latency) {
      await sim.setLatency(latencyMs);
      for (const concurrency of settings.concurrency) {
        const slices = new Map<TargetName, Slice[]>(targets.map((t) => [t, []]));
        for (let round = 0; round < settings.rounds; round++) {
          // ABC, CBA, ABC...: no target always runs first or last
          const order = round % 2 === 0 ? targets : [...targets].reverse();
          for (const target of order) {
            const warmupMs = (round === 0 ? settings.warmupS : Math.min(settings.warmupS, 1)) * 1000;
            const durationMs = (settings.durationS * 1000) / settings.rounds;
            const slice = await measureSlice(target, concurrency, warmupMs, durationMs, runners[target], sim, server);
            slices.get(target)?.push(slice);
            await sleep(200);
          }
        }
        for (const target of targets) {
          const cell = mergeSlices(target, latencyMs, concurrency, slices.get(target) ?? []);
          cells.push(cell);
          log(
            `  latency ${latencyMs} ms, concurrency ${concurrency}, ${target}: ${cell.throughput.toFixed(1)} runs/s, p50 ${cell.p50.toFixed(2)} ms, p99 ${cell.p99.toFixed(2)} ms, others ${cell.otherCores.toFixed(2)} CPUs${cell.failed ? `, ${cell.failed} failed: ${cell.firstError}` : ''}`,
          );
        }
      }
    }
    await sleep(2000);
    const atRest = rssOf(server.pid);
    const serverCells = cells.filter((c) => c.target === 'graphql' && c.latencyMs > 0);
    const inflightCell = serverCells.sort((a, b) => b.concurrency - a.concurrency || b.latencyMs - a.latencyMs)[0];

    let sse: SseResult | undefined;
    if (settings.subscribers > 0) sse = await ssePhase(server, sim, settings.subscribers, short ? 2 : 90);

    const simStats = await sim.stats();
    const total = simStats.tokenRequests - tokensBefore;
    await pool.close();
    pool = undefined;
    const code = await server.stop();
    if (code !== 0) log(`server exited with ${code}:\n${server.output()}`);
    server = undefined;

    const profile = settings.profileS > 0 ? await profilePhase(rt, sim, dir, settings.profileS) : undefined;

    const report: BenchReport = {
      machine: { ...host, othersAtStart },
      settings: {
        durationS: settings.durationS,
        rounds: settings.rounds,
        warmupS: settings.warmupS,
        concurrency: settings.concurrency,
        latency: settings.latency,
        subscribers: settings.subscribers,
        server: rt.note,
        logLevel: SERVER_LOG_LEVEL,
        maxConcurrency: SERVER_MAX_CONCURRENCY,
        mutation: ORCHESTRATE_MUTATION,
        sqlite:
          args.sqlite === ':memory:'
            ? 'SQLITE_PATH=:memory:'
            : `SQLite file in ${dir} (${sh('df', ['--output=fstype,source', dir]).split('\n').pop()?.trim().replace(/\s+/, ' on ') ?? '?'})`,
      },
      cells,
      memory: {
        atStart,
        atRest,
        inFlight: inflightCell?.serverRssMax
          ? { concurrency: inflightCell.concurrency, latencyMs: inflightCell.latencyMs, rss: inflightCell.serverRssMax }
          : undefined,
      },
      tokens: {
        total,
        baseline: baselineTokenRequests,
        server: total - baselineTokenRequests,
        profileServer: profile?.tokens,
      },
      sse,
      profile: profile && {
        file: profile.file,
        throughput: profile.throughput,
        serverCpuPerRun: profile.serverCpuPerRun,
        window: profile.window,
        summary: profile.summary,
      },
      targets: [],
    };
    report.targets = evaluate(report);
    process.stdout.write(`\n${renderText(report)}\n`);
    if (args.out) {
      writeOut(args.out, args.label, renderMarkdown(report));
      log(`results written to ${args.out} (section "${args.label}")`);
    }
    if (!short) {
      const resultsDir = join(ROOT, 'bench', 'results');
      mkdirSync(resultsDir, { recursive: true });
      const raw = join(resultsDir, `${args.label}.json`);
      writeFileSync(raw, JSON.stringify(report, null, 2));
      log(`raw results in ${relative(ROOT, raw)}`);
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await pool?.close();
    await server?.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
