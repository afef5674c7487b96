import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile.js';

/** The results of one benchmark, and how they are printed (text for stdout, Markdown for BENCHMARKS.md). */

export type TargetName = 'baseline' | 'graphql' | 'rest';

export interface Cell extends LoadResult {
  latencyMs: number;
  target: TargetName;
  /** CPU ms per successful run in the window, per process */
  cpuPerRun: { bench: number; server?: number; simulator: number };
  /** CPUs' worth of time used by other processes on the machine during the window (noise), and stolen by the hypervisor */
  otherCores: number;
  stealCores: number;
  /** the largest server RSS sampled in the window, bytes */
  serverRssMax?: number;
}

export interface SseResult {
  subscribers: number;
  connected: number;
  openMs: number;
  rssBefore: number;
  rssWith: number;
  rssAfterClose: number;
  /**
   * the first RSS sampled (every 5 s, up to 90 s after they closed) within 20 %
   * of rssBefore, and when: V8 collects an idle heap's garbage on its own
   * schedule; undefined: not back within 90 s
   */
  rssRecovered?: { rss: number; afterS: number };
  /** how long RSS was watched after they closed, s */
  watchedS: number;
  /** the server's CPU to open them, and to deliver the run's five events to them, ms */
  openCpuMs: number;
  deliverCpuMs: number;
  /** from sending the mutation to the last subscriber receiving RECEIVED */
  firstEventMs: number;
  firstEventReached: number;
  /** ... and COMPLETE, the fifth event of the run */
  lastEventMs: number;
  lastEventReached: number;
}

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  memory: string;
  node: string;
  os: string;
  commit: string;
  ulimitN: string;
  /** CPUs' worth used by other processes in the second before the load */
  othersAtStart?: number;
}

export interface BenchReport {
  machine: Machine;
  settings: {
    durationS: number;
    rounds: number;
    warmupS: number;
    concurrency: number[];
    latency: number[];
    subscribers: number;
    server: string;
    logLevel: string;
    maxConcurrency: number;
    mutation: string;
    sqlite: string;
  };
  cells: Cell[];
  memory: { atStart: number; atRest: number; inFlight?: { concurrency: number; latencyMs: number; rss: number } };
  tokens: { total: number; baseline: number; server: number; profileServer?: number };
  sse?: SseResult;
  profile?: {
    file: string;
    throughput: number;
    serverCpuPerRun: number;
    /** the measured window, µs of the monotonic clock: summariseProfile(file, n, window) again */
    window: { startUs: number; endUs: number };
    summary: ProfileSummary;
  };
  targets: Array<{ target: string; value: string; met: boolean | undefined }>;
}

const f = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits).replace(/\.0+$/, digits > 0 ? '' : '');
const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1024 / 1024).toFixed(0)} MB`);

export function cellOf(r: BenchReport, latencyMs: number, concurrency: number, target: TargetName): Cell | undefined {
  return r.cells.find((c) => c.latencyMs === latencyMs && c.concurrency === concurrency && c.target === target);
}

/** The rows of the main table, the same for stdout and Markdown. */
function mainRows(r: BenchReport): string[][] {
  const header = [
    'latency',
    'conc',
    'target',
    'runs/s',
    'p50 ms',
    'p99 ms',
    'overhead p50 ms',
    'thr ratio',
    'p50 ratio',
    'limit c/2L',
    'CPU ms/run bench/server/sim',
    'others/steal CPUs',
    'ok',
    'failed',
  ];
  const rows = [header];
  for (const c of r.cells) {
    const base = cellOf(r, c.latencyMs, c.concurrency, 'baseline');
    const isBase = c.target === 'baseline';
    const limit = c.latencyMs > 0 ? c.concurrency / ((2 * c.latencyMs) / 1000) : undefined;
    rows.push([
      `${c.latencyMs} ms`,
      String(c.concurrency),
      c.target,
      f(c.throughput),
      f(c.p50, 2),
      f(c.p99, 2),
      f(c.p50 - 2 * c.latencyMs, 2),
      isBase || !base ? '' : f(c.throughput / base.throughput, 3),
      isBase || !base ? '' : f(c.p50 / base.p50, 3),
      limit === undefined ? '' : f(limit),
      [
        f(c.cpuPerRun.bench, 3),
        c.cpuPerRun.server === undefined ? '-' : f(c.cpuPerRun.server, 3),
        f(c.cpuPerRun.simulator, 3),
      ].join(' / '),
      `${f(c.otherCores, 2)} / ${f(c.stealCores, 2)}`,
      String(c.ok),
      c.failed ? `${c.failed} (${c.firstError?.slice(0, 60) ?? ''})` : '0',
    ]);
  }
  return rows;
}

function otherRows(r: BenchReport): string[][] {
  const rows = [['measure', 'value']];
  rows.push([
    'token requests, whole benchmark',
    `${r.tokens.total} (server ${r.tokens.server}, baseline ${r.tokens.baseline})` +
      (r.tokens.profileServer === undefined ? '' : `; the separate profiling server: ${r.tokens.profileServer}`),
  ]);
  rows.push(['server RSS at start-up', mb(r.memory.atStart)]);
  if (r.memory.inFlight)
    rows.push([
      `server RSS with ${r.memory.inFlight.concurrency} runs in flight (latency ${r.memory.inFlight.latencyMs} ms, max sampled)`,
      mb(r.memory.inFlight.rss),
    ]);
  rows.push(['server RSS at rest after the load', mb(r.memory.atRest)]);
  if (r.sse) {
    const s = r.sse;
    rows.push([
      `SSE: ${s.subscribers} pipelineEvents subscribers open`,
      `${s.connected} (opened in ${f(s.openMs / 1000, 1)} s)`,
    ]);
    rows.push([
      'SSE: server RSS before / with them / 2 s after closing',
      `${mb(s.rssBefore)} / ${mb(s.rssWith)} / ${mb(s.rssAfterClose)}`,
    ]);
    rows.push([
      'SSE: server RSS back within 20 % of before',
      s.rssRecovered
        ? `${mb(s.rssRecovered.rss)}, ${s.rssRecovered.afterS} s after closing`
        : `not within ${s.watchedS} s`,
    ]);
    rows.push([
      'SSE: server CPU to open them / to deliver the run (5 events) to them',
      `${f(s.openCpuMs, 0)} ms / ${f(s.deliverCpuMs, 0)} ms`,
    ]);
    rows.push([
      'SSE: one event (RECEIVED) to all of them',
      `${f(s.firstEventMs, 1)} ms (${s.firstEventReached} reached)`,
    ]);
    rows.push([
      'SSE: a whole run (5 events, to COMPLETE) to all of them',
      `${f(s.lastEventMs, 1)} ms (${s.lastEventReached} reached)`,
    ]);
  }
  return rows;
}

function targetRows(r: BenchReport): string[][] {
  const rows = [['target', 'measured', 'met']];
  for (const t of r.targets)
    rows.push([t.target, t.value, t.met === undefined ? 'not measured' : t.met ? 'yes' : 'NO']);
  return rows;
}

function profileRows(p: ProfileSummary, which: 'selfByFunction' | 'inclusiveByFunction' | 'selfByArea'): string[][] {
  const rows = [[which === 'selfByArea' ? 'package or file' : 'function', 'ms', '% of busy']];
  for (const row of p[which]) rows.push([row.name, f(row.ms, 0), f(row.pct, 1)]);
  return rows;
}

function textTable(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function mdTable(rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const [head, ...body] = rows;
  return [
    `| ${(head ?? []).map(esc).join(' | ')} |`,
    `|${(head ?? []).map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function machineLines(r: BenchReport): string[] {
  const m = r.machine;
  const s = r.settings;
  return [
    `date: ${m.date}`,
    // figures hold for one Node line: V8 and undici differ from one to the next
    `node: ${m.node} (bench, simulator and server alike)`,
    `machine: ${m.nproc} CPUs (${m.cpu}), memory ${m.memory}, ${m.os}, ulimit -n ${m.ulimitN}` +
      (m.othersAtStart === undefined
        ? ''
        : `; other processes used ${f(m.othersAtStart, 2)} CPUs just before the load`),
    `code: ${m.commit}`,
    `server: ${s.server}; LOG_LEVEL=${s.logLevel}; GATEWAY_MAX_CONCURRENCY=${s.maxConcurrency}; ${s.sqlite}`,
    `load: closed loop; each row measured ${s.durationS} s in ${s.rounds} slice(s), the targets of a row taking turns (ABC, CBA, ...), ${s.warmupS} s warm-up before a row's first slice and up to 1 s before the others; concurrency ${s.concurrency.join(',')}; simulator latency ${s.latency.join(',')} ms per model call`,
    `requests: graphql = POST /graphql over keep-alive HTTP/1.1 (undici Pool) with \`${s.mutation}\`; rest = POST /v1/orchestrate; baseline = the tutorial's algorithm in the bench process (global fetch)`,
    'processes: simulator, server and bench (load generator and in-process baseline) are three processes sharing the same CPUs',
  ];
}

export function renderText(r: BenchReport): string {
  const out = [
    ...machineLines(r),
    '',
    textTable(mainRows(r)),
    '',
    textTable(otherRows(r)),
    '',
    textTable(targetRows(r)),
  ];
  if (r.profile) {
    out.push(
      '',
      `CPU profile of the server at latency 0, concurrency 32, measured window only (${f(r.profile.throughput)} runs/s and ${f(r.profile.serverCpuPerRun, 2)} server CPU ms/run under the profiler; busy ${f(r.profile.summary.busyMs / 1000, 1)} s of ${f(r.profile.summary.totalMs / 1000, 1)} s sampled): ${r.profile.file}`,
      '',
      textTable(profileRows(r.profile.summary, 'selfByArea')),
      '',
      textTable(profileRows(r.profile.summary, 'selfByFunction')),
    );
  }
  return out.join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const out = [
    ...machineLines(r).map((l) => `- ${l}`),
    '',
    'Throughput and latency ("overhead" is p50 minus 2 x the simulated latency; ratios are target / baseline of the same row group; CPU is per successful run in the measured window):',
    '',
    mdTable(mainRows(r)),
    '',
    mdTable(otherRows(r)),
    '',
    'Targets:',
    '',
    mdTable(targetRows(r)),
  ];
  if (r.profile) {
    const p = r.profile;
    out.push(
      '',
      `CPU profile of a second server process at latency 0, concurrency 32, GraphQL, measured window only, start-up and warm-up left out (${f(p.throughput)} runs/s and ${f(p.serverCpuPerRun, 2)} server CPU ms/run under the profiler; busy ${f(p.summary.busyMs / 1000, 1)} s of ${f(p.summary.totalMs / 1000, 1)} s sampled; \`${p.file}\`, open it in Chrome DevTools or speedscope for the flame graph). Self time by package or file:`,
      '',
      mdTable(profileRows(p.summary, 'selfByArea')),
      '',
      'Self time by function:',
      '',
      mdTable(profileRows(p.summary, 'selfByFunction')),
      '',
      'Inclusive time by function (each function counted once per sample):',
      '',
      mdTable(profileRows(p.summary, 'inclusiveByFunction')),
    );
  }
  return out.join('\n');
}
