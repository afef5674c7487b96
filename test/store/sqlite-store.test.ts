import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, SCHEMA_VERSION } from '../../src/store/sqlite-migrations.js';
import { SqliteRunStore } from '../../src/store/sqlite-store.js';
import { describeLegacyRunsContract, describeRunStoreContract } from './run-store-contract.js';

describeRunStoreContract('SQLite', () => new SqliteRunStore(':memory:'));

/** the last schema version before pipelines */
const BEFORE_PIPELINES = 3;
const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

// a file written by the server before pipelines, with that server's own INSERTs, opened by this one
describeLegacyRunsContract('SQLite', async (legacy) => {
  const path = join(dir, `legacy-${++files}.sqlite`);
  const db = new Database(path);
  migrate(db, BEFORE_PIPELINES);
  for (const run of legacy) {
    db.prepare(
      `INSERT INTO runs (id, text, primary_model, secondary_model, idempotency_key, input_hash, stage, created_at, updated_at, last_event_seq)
       VALUES (@id, @text, @primaryModelId, @secondaryModelId, @idempotencyKey, @inputHash, 'RECEIVED', @createdAt, @createdAt, 1)`,
    ).run({ ...run, pipeline: undefined });
    db.prepare('INSERT INTO events (run_id, seq, stage, at) VALUES (?, 1, ?, ?)').run(
      run.id,
      'RECEIVED',
      run.createdAt,
    );
  }
  db.close();
  return new SqliteRunStore(path);
});

describe('SQLite schema', () => {
  it('migrates a file of the version before pipelines to the current one', async () => {
    const path = join(dir, 'migrated.sqlite');
    const db = new Database(path);
    migrate(db, BEFORE_PIPELINES);
    expect(db.pragma('user_version', { simple: true })).toBe(BEFORE_PIPELINES);
    db.close();
    const store = new SqliteRunStore(path);
    await store.close();
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const indexes = after.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index'").all();
    expect(indexes.map((i) => i.name)).toEqual(expect.arrayContaining(['runs_by_pipeline', 'runs_by_pipeline_stage']));
    after.close();
  });

  it('lists by pipeline, and by pipeline and stage, from an index in creation order (no sort, no scan)', async () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string) =>
      db
        .prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => r.detail)
        .join('; ');
    const byPipeline = plan("SELECT * FROM runs WHERE seq < 9 AND pipeline_name = 'x' ORDER BY seq DESC LIMIT 3");
    expect(byPipeline).toMatch(/USING INDEX runs_by_pipeline \(pipeline_name=\? AND seq<\?\)/);
    const both = plan(
      "SELECT * FROM runs WHERE seq < 9 AND pipeline_name = 'x' AND stage = 'FAILED' ORDER BY seq DESC LIMIT 3",
    );
    expect(both).toMatch(/USING INDEX runs_by_pipeline_stage \(pipeline_name=\? AND stage=\? AND seq<\?\)/);
    for (const p of [byPipeline, both]) expect(p).not.toMatch(/TEMP B-TREE|SCAN runs/);
    db.close();
  });
});
