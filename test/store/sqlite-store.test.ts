import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { migrate, SCHEMA_VERSION } from '../../src/store/sqlite-migrations.js';
import { MAX_BATCH_WAIT_MS, SqliteRunStore } from '../../src/store/sqlite-store.js';
import { EPOCH, extractionResult, usageIncrement } from './fixtures.js';
import { newRun } from './new-run.js';
import { describeLegacyRunsContract, describeRunStoreContract } from './run-store-contract.js';

/** the last schema version before pipelines */
const BEFORE_PIPELINES = 3;
const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeRunStoreContract(
  'SQLite',
  () => new SqliteRunStore(':memory:'),
  async () => {
    // two processes' stores on one file
    const path = join(dir, `shared-${++files}.sqlite`);
    return [new SqliteRunStore(path), new SqliteRunStore(path)];
  },
);

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

/** the last schema version before runs kept their API key, usage and the cache */
const BEFORE_USAGE = 4;

describe('SQLite schema', () => {
  it('migrates a file of the version before usage: its runs read as made on an open server', async () => {
    const path = join(dir, 'before-usage.sqlite');
    const db = new Database(path);
    migrate(db, BEFORE_USAGE);
    const run = newRun();
    db.prepare(
      `INSERT INTO runs (id, text, pipeline_name, pipeline_version, primary_model, secondary_model, idempotency_key,
         input_hash, stage, created_at, updated_at, last_event_seq)
       VALUES (@id, @text, 'travel', 'v1', @primaryModelId, @secondaryModelId, @idempotencyKey, @inputHash, 'RECEIVED',
         @createdAt, @createdAt, 1)`,
    ).run({ ...run, pipeline: undefined, apiKey: undefined });
    db.close();
    const store = new SqliteRunStore(path);
    try {
      expect(await store.get(run.id)).toMatchObject({ id: run.id, apiKey: null });
      await store.transition(run.id, {
        stage: 'EXTRACTED',
        at: new Date().toISOString(),
        usage: [usageIncrement({ key: null })],
      });
      expect((await store.get(run.id))?.apiKey).toBeNull();
      expect(await store.tokensSpent(null, '2030-01-01')).toBe(15);
    } finally {
      await store.close();
    }
  });

  it("the retention sweep deletes the usage of the days before the cutoff's day, and expired cache entries", async () => {
    const path = join(dir, 'sweep.sqlite');
    const store = new SqliteRunStore(path);
    try {
      const { run } = await store.create(newRun({ createdAt: '2030-01-03T10:00:00.000Z' }), EPOCH);
      await store.transition(run.id, {
        stage: 'EXTRACTED',
        at: '2030-01-03T10:00:01.000Z',
        usage: ['2030-01-01', '2030-01-02', '2030-01-03', '2030-01-04'].map((day) => usageIncrement({ day })),
      });
      await store.cachePut('gone', { runId: run.id, result: extractionResult }, 1);
      await store.cachePut('kept', { runId: run.id, result: extractionResult }, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.deleteCreatedBefore('2030-01-03T00:00:00.000Z')).toBe(0);
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.prepare('SELECT day FROM usage ORDER BY day').pluck().all()).toEqual(['2030-01-03', '2030-01-04']);
        expect(raw.prepare('SELECT key FROM cache ORDER BY key').pluck().all()).toEqual(['kept']);
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });

  it("stores the open server's usage under '' so that it adds up in one row", async () => {
    const db = new Database(':memory:');
    migrate(db);
    const insert = db.prepare(
      `INSERT INTO usage (day, api_key, pipeline, model, runs, prompt_tokens, completion_tokens, cache_hits, rules_decisions)
       VALUES ('2030-01-01', ?, 'travel', 'm', 1, 1, 1, 0, 0)`,
    );
    insert.run('');
    expect(() => insert.run('')).toThrow(/UNIQUE/);
    expect(() => insert.run(null)).toThrow(/NOT NULL/);
    db.close();
  });

  it("reads a key's tokens of a day from the primary key (no scan)", () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = db
      .prepare<[], { detail: string }>(
        "EXPLAIN QUERY PLAN SELECT SUM(prompt_tokens + completion_tokens) FROM usage WHERE day = '2030-01-01' AND api_key = 'k'",
      )
      .all()
      .map((r) => r.detail)
      .join('; ');
    expect(plan).toMatch(/SEARCH usage USING PRIMARY KEY \(day=\? AND api_key=\?\)/);
    db.close();
  });

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

describe('SQLite group commit', () => {
  it('applies the writes of one turn in one transaction, and a write that fails rejects alone', async () => {
    const path = join(dir, `group-${++files}.sqlite`);
    const store = new SqliteRunStore(path);
    const reader = new Database(path, { readonly: true });
    const count = (table: string) => (reader.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    // the WAL's growth: one commit writes each page it changed once, however many writes changed it
    const walBytes = () => statSync(`${path}-wal`).size;
    const writer = new Database(path);
    writer.pragma('wal_checkpoint(TRUNCATE)');
    await store.create(newRun(), EPOCH);
    const oneCreate = walBytes();
    writer.pragma('wal_checkpoint(TRUNCATE)');

    const runs = [newRun(), newRun(), newRun()];
    const writes = Promise.allSettled([
      ...runs.map((r) => store.create(r, EPOCH)),
      store.transition('no-such-run', { stage: 'EXTRACTING', at: new Date().toISOString() }),
      store.acquireLease(runs[0]?.id as string, 'extraction', 'me', 60_000),
    ]);
    // nothing is written before the turn ends
    expect(count('runs')).toBe(1);
    const outcomes = await writes;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'RUN_NOT_FOUND' });
    expect((outcomes[4] as PromiseFulfilledResult<boolean>).value).toBe(true);
    expect([count('runs'), count('events'), count('leases')]).toEqual([4, 4, 1]);
    // three runs and a lease in less WAL than two runs alone: the pages they share are written once
    expect(walBytes()).toBeLessThan(2 * oneCreate);
    reader.close();
    writer.close();
    await store.close();
  });

  it('undoes all of a write that fails after writing part of itself, and applies the rest of its batch', async () => {
    const path = join(dir, `group-${++files}.sqlite`);
    const store = new SqliteRunStore(path);
    const broken = newRun();
    await store.create(broken, EPOCH);
    // an event already at the seq the next transition takes: its UPDATE applies, then its event insert fails
    const writer = new Database(path);
    writer
      .prepare("INSERT INTO events (run_id, seq, stage, at) VALUES (?, 2, 'EXTRACTING', ?)")
      .run(broken.id, new Date().toISOString());
    writer.close();

    const [before, after] = [newRun(), newRun()];
    // the first pass straight, rolled back; the second with a savepoint a write (see applyAll)
    const exec = vi.spyOn(Database.prototype, 'exec');
    const outcomes = await Promise.allSettled([
      store.create(before, EPOCH),
      store.transition(broken.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' }),
      store.acquireLease(before.id, 'extraction', 'me', 60_000),
      store.create(after, EPOCH),
    ]);
    expect(exec.mock.calls.map(([sql]) => sql)).toEqual(['BEGIN IMMEDIATE', 'ROLLBACK', 'BEGIN IMMEDIATE', 'COMMIT']);
    exec.mockRestore();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    // the failed transition's UPDATE is undone with it: the run is where it was
    expect(await store.get(broken.id)).toMatchObject({ stage: 'RECEIVED', running: null });
    expect((await store.events(broken.id)).map((e) => e.seq)).toEqual([1, 2]);
    for (const r of [before, after]) expect(await store.get(r.id)).toMatchObject({ id: r.id, stage: 'RECEIVED' });
    await expect(store.acquireLease(before.id, 'extraction', 'other', 60_000), 'the lease was taken').resolves.toBe(
      false,
    );
    // and the store goes on as before
    await expect(store.create(newRun(), EPOCH)).resolves.toMatchObject({ created: true });
    await store.close();
  });

  it('commits a write asked for as soon as an earlier one is told, in the same turn', async () => {
    const store = new SqliteRunStore(':memory:');
    const run = newRun();
    await store.create(run, EPOCH);
    // the caller's next write, as the orchestrator takes a stage's lease right after creating the run:
    // committed before the event loop turns again, not after everything the next turn brings in
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await expect(store.acquireLease(run.id, 'extraction', 'me', 60_000)).resolves.toBe(true);
    await store.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), running: 'extraction' });
    expect(turned).toBe(false);
    await store.close();
  });

  it('commits at the end of a task, not of the turn, once the oldest write has waited MAX_BATCH_WAIT_MS', async () => {
    const store = new SqliteRunStore(':memory:');
    const [early, late, quick] = [newRun(), newRun(), newRun()];
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    const first = store.create(early, EPOCH);
    // a task of a busy turn that takes longer than the wait
    const until = performance.now() + MAX_BATCH_WAIT_MS + 1;
    while (performance.now() < until);
    const second = store.create(late, EPOCH);
    await expect(Promise.all([first, second])).resolves.toMatchObject([{ created: true }, { created: true }]);
    expect(turned).toBe(false);

    // writes asked for together, with no wait between them: committed when the turn ends, as before
    await new Promise((resolve) => setImmediate(resolve));
    turned = false;
    setImmediate(() => {
      turned = true;
    });
    await Promise.all([store.create(quick, EPOCH), store.acquireLease(quick.id, 'extraction', 'me', 60_000)]);
    expect(turned).toBe(true);
    await store.close();
  });

  it('lets the event loop turn after a few chained batches, so a caller that keeps writing starves no I/O', async () => {
    const store = new SqliteRunStore(':memory:');
    const run = newRun();
    await store.create(run, EPOCH);
    let done = 0;
    let doneWhenTurned: number | undefined;
    setImmediate(() => {
      doneWhenTurned = done;
    });
    for (let i = 0; i < 30; i++) {
      await store.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), attempt: i + 1 });
      done++;
    }
    expect(doneWhenTurned).toBeGreaterThan(1);
    expect(doneWhenTurned).toBeLessThan(30);
    await store.close();
  });

  it('lets the event loop turn after a few chained batches even when writes come late', async () => {
    const store = new SqliteRunStore(':memory:');
    const run = newRun();
    await store.create(run, EPOCH);
    const write = (i: number) =>
      store.transition(run.id, { stage: 'EXTRACTING', at: new Date().toISOString(), attempt: i + 1 });
    let done = 0;
    let most = 0;
    let stop = false;
    let atLastTurn = 0;
    const turn = () => {
      most = Math.max(most, done - atLastTurn);
      atLastTurn = done;
      if (!stop) setImmediate(turn);
    };
    setImmediate(turn);
    // one caller writes again at once; the other a few ticks later and after working past the wait,
    // so that its writes, old enough to start a commit themselves, come after a drain has stopped
    const eager = async () => {
      for (let i = 0; i < 100; i++) {
        await write(i);
        done++;
      }
    };
    const late = async () => {
      for (let i = 0; i < 100; i++) {
        await write(i);
        done++;
        for (let hop = 0; hop < 3; hop++) await new Promise((resolve) => process.nextTick(resolve));
        const until = performance.now() + MAX_BATCH_WAIT_MS + 0.5;
        while (performance.now() < until);
      }
    };
    await Promise.all([eager(), late()]);
    stop = true;
    // a turn commits at most 8 batches of these two callers' writes
    expect(most).toBeLessThanOrEqual(16);
    await store.close();
  });

  it('rejects every write of a batch whose COMMIT and ROLLBACK both fail, and goes on with the next', async () => {
    const store = new SqliteRunStore(':memory:');
    const db = (store as unknown as { db: { exec(sql: string): unknown } }).db;
    const exec = db.exec.bind(db);
    let failing = true;
    db.exec = (sql: string) => {
      if (failing && (sql === 'COMMIT' || sql === 'ROLLBACK')) throw new Error(`${sql} failed`);
      return exec(sql);
    };
    const outcomes = await Promise.allSettled([store.create(newRun(), EPOCH), store.create(newRun(), EPOCH)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'COMMIT failed' });
    failing = false;
    exec('ROLLBACK');
    await expect(store.create(newRun(), EPOCH)).resolves.toMatchObject({ created: true });
    await store.close();
  });

  it('commits the writes already asked for when it closes', async () => {
    const path = join(dir, `group-${++files}.sqlite`);
    const store = new SqliteRunStore(path);
    const created = store.create(newRun(), EPOCH);
    await store.close();
    await expect(created).resolves.toMatchObject({ created: true });
    const reopened = new SqliteRunStore(path);
    expect((await reopened.list({ first: 10 })).runs).toHaveLength(1);
    await reopened.close();
  });
});
