import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm run bench -- --short`: the benchmark runs end to end (simulator and
 * server in their own processes, baseline, load, SSE subscribers) and prints
 * its table. Timings on a shared test machine mean nothing: none is asserted.
 */
describe('npm run bench -- --short', () => {
  it('runs and prints the table', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--short'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    // figures are per Node line: the report names the one it ran on
    expect(out).toContain(`node: ${process.version} (bench, simulator and server alike)`);
    for (const heading of ['latency', 'conc', 'target', 'runs/s', 'p50 ms', 'p99 ms', 'overhead p50 ms', 'thr ratio'])
      expect(out).toContain(heading);
    const rows = out.split('\n').filter((l) => /^(0|20) ms\s+(1|4)\s+(baseline|graphql|rest)\s/.test(l));
    expect(rows).toHaveLength(12);
    // every row ran without a failed run
    for (const row of rows) expect(row.trimEnd()).toMatch(/\s0$/);
    expect(out).toMatch(/token requests, whole benchmark\s+\d+ \(server 1, baseline 1\)/);
    expect(out).toContain('server RSS at start-up');
    expect(out).toMatch(/SSE: 50 pipelineEvents subscribers open\s+50 /);
    expect(out).toMatch(/SSE: one event \(RECEIVED\) to all of them\s+[\d.]+ ms \(50 reached\)/);
    expect(out).toContain('one token request for the whole benchmark (server)');
  }, 180_000);
});
