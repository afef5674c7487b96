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

/**
 * `bench/floor.ts`: the relays (the tutorial's algorithm behind a bare
 * node:http server, with fetch and with undici) answer as the REST driver
 * expects, every target of a row runs without a failed run, and the SSE floor
 * opens its subscribers and reaches them all. No timing is asserted.
 */
describe('bench/floor.ts', () => {
  it('runs every target and the SSE floor, and prints both tables', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/floor.ts',
        ...['--rows', '0/2,20/4', '--duration', '0.3', '--rounds', '1', '--subscribers', '20', '--server', 'tsx'],
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 150_000 },
    );
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => /^\| (0|20) ms \| (2|4) \| /.test(l));
    expect(rows.map((r) => r.split('|')[3]?.trim())).toEqual([
      ...['baseline', 'relay-fetch', 'relay-undici', 'graphql', 'rest'],
      ...['baseline', 'relay-fetch', 'relay-undici', 'graphql', 'rest'],
    ]);
    // the last column is the failed runs: none
    for (const row of rows) expect(row).toMatch(/\| 0 \|$/);
    expect(run.stdout).toMatch(
      /\| relay \(bare node:http, res\.write\) \| \d+ \(20 open\) \|.*\| \d+ \(20 reached\) \|/,
    );
    expect(run.stdout).toMatch(/\| server \| \d+ \(20 open\) \|.*\| \d+ \(20 reached\) \|/);
  }, 180_000);
});
