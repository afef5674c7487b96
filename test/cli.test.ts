import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/simulator/server.js';
import { type CliRun, runCli } from './helpers/run-cli.js';

/** docs/api.md "REST and CLI: the unified JSON": `npm run orchestrate -- "text"` prints it; exit 0 on success, 1 on failure. */

const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orchestrate-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `npm run orchestrate -- ...args`, with PATH and HOME only, plus `env`. */
const orchestrate = (args: string[], env: Record<string, string> = {}) => runCli('src/cli.ts', args, env);

function json(run: CliRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

describe.concurrent('npm run orchestrate', () => {
  describe('with no credentials (the built-in simulator)', () => {
    it('exits 0 and prints the unified JSON of a complete run', async () => {
      const run = await orchestrate([SEED], { SQLITE_PATH: join(dir, 'simulated.sqlite') });

      expect(run.code, run.stderr).toBe(0);
      const out = json(run);
      expect(out.status).toBe('success');
      expect(out.extraction).toEqual({ action: 'modify_flight', date: 'next Tuesday', seat: '14A' });
      expect(out.specialization).toEqual({
        isValid: true,
        reason: expect.any(String),
        nextSteps: expect.arrayContaining([expect.any(String)]),
      });
      const metadata = out.metadata as Record<string, unknown>;
      expect(metadata.pipelineStage).toBe('complete');
      expect(metadata.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new Date(String(metadata.timestamp)).toISOString()).toBe(metadata.timestamp);
      expect(Object.keys(out).sort()).toEqual(['extraction', 'metadata', 'specialization', 'status']);
    });
  });

  describe('blank text', () => {
    it('exits 1 with code BAD_USER_INPUT', async () => {
      const run = await orchestrate(['   '], { SQLITE_PATH: join(dir, 'blank.sqlite') });

      expect(run.code).toBe(1);
      const out = json(run);
      expect(out).toMatchObject({ status: 'error', code: 'BAD_USER_INPUT', metadata: { pipelineStage: 'failed' } });
      expect(out.message).toMatch(/text must not be blank/);
    });

    // a lone surrogate cannot come this way: the shell hands over bytes, which Node decodes as UTF-8
    it('made only of invisible characters (zero-width, BOM, soft hyphen) is blank too', async () => {
      const run = await orchestrate(['\u200B\u200C\u200D \u2060\uFEFF\u00AD'], {
        SQLITE_PATH: join(dir, 'invisible.sqlite'),
      });

      expect(run.code).toBe(1);
      expect(json(run)).toMatchObject({
        status: 'error',
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/blank/),
      });
    });
  });

  describe('a bad configuration', () => {
    it('GATEWAY_TIMEOUT_MS=abc: exits 1 with one stderr line naming the variable, nothing on stdout', async () => {
      const run = await orchestrate([SEED], { GATEWAY_TIMEOUT_MS: 'abc', SQLITE_PATH: join(dir, 'bad.sqlite') });

      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toContain('GATEWAY_TIMEOUT_MS');
      expect(run.stdout).toBe('');
    });
  });

  describe('--help', () => {
    it('exits 0 and explains the configuration, GENESYS_CLIENT_ID included', async () => {
      const run = await orchestrate(['--help']);

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: npm run orchestrate/);
      expect(run.stdout).toContain('GENESYS_CLIENT_ID');
    });
  });

  describe('against a gateway that refuses the client secret', () => {
    let sim: Simulator;
    beforeAll(async () => {
      sim = await startSimulator();
    });
    afterAll(async () => {
      await sim.close();
    });

    it('exits 1 with {"status":"error","code":"GATEWAY_AUTH_FAILED"} and never shows the secret', async () => {
      const secret = 'wr0ng-s3cr3t-for-the-cli';
      const run = await orchestrate([SEED], {
        GENESYS_LOGIN_BASE_URL: sim.url,
        GENESYS_API_BASE_URL: sim.url,
        GENESYS_CLIENT_ID: 'sim-client',
        GENESYS_CLIENT_SECRET: secret,
        PRIMARY_MODEL_ID: 'sim-extractor',
        SECONDARY_MODEL_ID: 'sim-specialist',
        SQLITE_PATH: join(dir, 'auth.sqlite'),
      });

      expect(run.code).toBe(1);
      const out = json(run);
      expect(out).toMatchObject({
        status: 'error',
        code: 'GATEWAY_AUTH_FAILED',
        metadata: { pipelineStage: 'failed' },
      });
      expect((out.metadata as { requestId: unknown }).requestId, 'the failed run is named').toEqual(expect.any(String));
      expect(out.message).toMatch(/GENESYS_CLIENT_SECRET/);
      expect(sim.stats.tokenRequests, 'refused credentials are asked once').toBe(1);
      expect(sim.stats.modelCalls).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(secret);
    });
  });
});
