import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { SqliteRunStore } from '../../src/store/sqlite-store.js';
import { graphql } from '../gql/index.js';
import { createTestApp } from '../helpers/test-app.js';
import { newRun } from '../store/new-run.js';

const Full = graphql(`
  mutation Full($text: String!) {
    orchestrate(input: { text: $text }) { id stage extraction { entities } specialization { isValid reason } }
  }
`);

const Read = graphql(`
  query Read($id: ID!) {
    run(id: $id) {
      id
      stage
      text
      error { code stage retryable }
      extraction { entities model attempts usage { totalTokens } }
      specialization { isValid reason nextSteps }
      events { seq stage }
      usage { totalTokens }
    }
  }
`);

const Resume = graphql(`
  mutation Resume($id: ID!) {
    resumeRun(id: $id) { stage error { code } specialization { isValid } }
  }
`);

describe('a restart loses nothing', () => {
  let dir: string;
  let sim: Simulator;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchestrator-restart-'));
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a finished run reads back whole from the same SQLite file, with no model call', async () => {
    const env = { SQLITE_PATH: join(dir, 'runs.sqlite') };
    const first = await createTestApp({ env, sim });
    const made = await first.gql(Full, {
      text: 'I need to change my flight to next Tuesday and update my seat to 14A',
    });
    const id = made.data?.orchestrate.id as string;
    const before = await first.gql(Read, { id });
    await first.close();

    sim.resetStats();
    const second = await createTestApp({ env, sim });
    const after = await second.gql(Read, { id });
    await second.close();
    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual(before.data);
    expect(after.data?.run?.stage).toBe('COMPLETE');
    expect(sim.stats.modelCalls).toBe(0);
  });

  it('a run whose stage was in flight at a crash is marked resumable, and resumeRun finishes it', async () => {
    const path = join(dir, 'crash.sqlite');
    // the state a crash leaves: a stage recorded as running, its answer never stored
    const store = new SqliteRunStore(path);
    const at = new Date().toISOString();
    await store.create(newRun({ id: '11111111-1111-4111-8111-111111111111', inputHash: 'x', createdAt: at }), at);
    await store.transition('11111111-1111-4111-8111-111111111111', {
      stage: 'EXTRACTING',
      at,
      attempt: 1,
      running: 'extraction',
    });
    await store.close();

    sim.resetStats();
    const t = await createTestApp({ env: { SQLITE_PATH: path }, sim });
    try {
      const read = await t.gql(Read, { id: '11111111-1111-4111-8111-111111111111' });
      expect(read.data?.run?.stage).toBe('FAILED');
      expect(read.data?.run?.error).toEqual({ code: 'RUN_INTERRUPTED', stage: 'EXTRACTING', retryable: true });
      const resumed = await t.gql(Resume, { id: '11111111-1111-4111-8111-111111111111' });
      expect(resumed.errors).toBeUndefined();
      expect(resumed.data?.resumeRun?.stage).toBe('COMPLETE');
      expect(sim.stats.modelCalls).toBe(2);
    } finally {
      await t.close();
    }
  });
});

describe('retention: runs older than RUN_RETENTION_DAYS are deleted', () => {
  it('a sweep deletes old runs with their events and keeps recent ones', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const t = await createTestApp({ env: { RUN_RETENTION_DAYS: '30' }, deps: { now: () => now } });
    try {
      const old = await t.app.runtime.orchestrator.create({ text: 'old request' });
      now = new Date('2026-01-25T00:00:00Z');
      const recent = await t.app.runtime.orchestrator.create({ text: 'recent request' });
      now = new Date('2026-02-05T00:00:00Z');
      expect(await t.app.retention?.sweep()).toBe(1);
      expect(await t.app.runtime.store.get(old.id)).toBeNull();
      expect(await t.app.runtime.store.events(old.id)).toEqual([]);
      expect(await t.app.runtime.store.get(recent.id)).not.toBeNull();
    } finally {
      await t.close();
    }
  });
});
