import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, ROOT } from './processes.js';

/**
 * Summarises a V8 `.cpuprofile` (node --cpu-prof): self time and inclusive
 * time per function, and self time per package or source file. Frames of the
 * compiled server (bench/.build/*.js) are mapped back to src/*.ts through
 * their source maps, so every line points at the TypeScript.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Row {
  name: string;
  ms: number;
  /** share of the busy (non-idle) time */
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  selfByFunction: Row[];
  inclusiveByFunction: Row[];
  selfByArea: Row[];
}

/**
 * `window` (µs of the monotonic clock, as `process.hrtime` gives it in any
 * process of the machine: V8 stamps its samples with the same clock) keeps
 * only the samples taken inside it, e.g. the measured load without start-up.
 */
export function summariseProfile(path: string, top = 25, window?: { startUs: number; endUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const maps = new SourceMaps();
  const labelCache = new Map<number, { fn: string; area: string }>();
  const label = (id: number) => {
    let l = labelCache.get(id);
    if (!l) {
      l = describe((byId.get(id) as ProfileNode).callFrame, maps);
      labelCache.set(id, l);
    }
    return l;
  };

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) continue;
    // the delta before the next sample is the time this one stands for
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    total += ms;
    const { fn, area: a } = label(id);
    if (fn === '(idle)') {
      idle += ms;
      continue;
    }
    add(self, fn, ms);
    add(area, a, ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = label(cur).fn;
      if (f === '(root)' || seen.has(f)) continue;
      seen.add(f);
      add(inclusive, f, ms);
    }
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms, pct: busy > 0 ? (100 * ms) / busy : 0 }));
  return {
    totalMs: total,
    busyMs: busy,
    selfByFunction: rows(self, top),
    inclusiveByFunction: rows(inclusive, top),
    selfByArea: rows(area, 20),
  };
}

function describe(cf: CallFrame, maps: SourceMaps): { fn: string; area: string } {
  const name = cf.functionName || '(anonymous)';
  if (!cf.url) {
    // (program), (garbage collector), (idle), (root) and natives
    return { fn: name, area: name.startsWith('(') ? name : '(native)' };
  }
  if (cf.url.startsWith('node:')) return { fn: `${name} ${cf.url}:${cf.lineNumber + 1}`, area: 'node: internals' };
  let file = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  let line = cf.lineNumber + 1;
  if (file.startsWith(`${BUILD_DIR}/`)) {
    const original = maps.original(file, cf.lineNumber, cf.columnNumber);
    if (original) {
      file = original.file;
      line = original.line + 1;
    }
  }
  const rel = relative(ROOT, file);
  const nm = rel.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = rel.slice(nm + 'node_modules/'.length).split('/');
    const scoped = parts[0]?.startsWith('@') === true;
    const pkg = scoped ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
    return { fn: `${name} ${pkg}/${parts.slice(scoped ? 2 : 1).join('/')}:${line}`, area: pkg };
  }
  return { fn: `${name} ${rel}:${line}`, area: rel };
}

/** Just enough of the source map v3 format: line and file of a generated position. */
class SourceMaps {
  private readonly cache = new Map<string, Decoded | null>();

  original(jsFile: string, line: number, column: number): { file: string; line: number } | undefined {
    let m = this.cache.get(jsFile);
    if (m === undefined) {
      m = load(jsFile);
      this.cache.set(jsFile, m);
    }
    const segs = m?.lines[line];
    if (!m || !segs || segs.length === 0) return undefined;
    let best = segs[0] as Segment;
    for (const s of segs) {
      if (s.col <= column) best = s;
      else break;
    }
    const src = m.sources[best.src];
    return src === undefined ? undefined : { file: src, line: best.line };
  }
}

interface Segment {
  col: number;
  src: number;
  line: number;
}
interface Decoded {
  sources: string[];
  lines: Segment[][];
}

function load(jsFile: string): Decoded | null {
  const mapFile = `${jsFile}.map`;
  if (!existsSync(mapFile)) return null;
  const raw = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; sourceRoot?: string; mappings: string };
  const dir = mapFile.slice(0, mapFile.lastIndexOf('/'));
  const sources = raw.sources.map((s) => new URL(s, `file://${dir}/`).pathname);
  const lines: Segment[][] = [];
  let src = 0;
  let origLine = 0;
  raw.mappings.split(';').forEach((group) => {
    const segs: Segment[] = [];
    let col = 0;
    if (group) {
      for (const part of group.split(',')) {
        const v = vlq(part);
        col += v[0] ?? 0;
        if (v.length >= 4) {
          src += v[1] ?? 0;
          origLine += v[2] ?? 0;
          segs.push({ col, src, line: origLine });
        }
      }
    }
    lines.push(segs);
  });
  return { sources, lines };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function vlq(s: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of s) {
    const d = B64.indexOf(ch);
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
