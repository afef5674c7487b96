import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import type { PipelineRef, RunRecord, StageEvent } from '../pipeline/run.js';
import type { PipelineError, PipelineStage, StageName } from '../pipeline/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { definitionJson } from './definition-json.js';
import {
  type CachedStage,
  eventOf,
  type NewRun,
  type RunListQuery,
  type RunPage,
  type RunStore,
  type StageClaim,
  type Transition,
  type UsageGroup,
  type UsageIncrement,
  type UsageQuery,
  type UsageRow,
} from './run-store.js';
import { migrate } from './sqlite-migrations.js';
import {
  checkDay,
  checkUsageIncrement,
  sortUsageRows,
  type UsageCounters,
  usageDays,
  usageGroups,
  usageRow,
} from './usage.js';

interface RunRow {
  seq: number;
  id: string;
  text: string;
  pipeline_name: string;
  pipeline_version: string;
  api_key: string | null;
  primary_model: string;
  secondary_model: string;
  idempotency_key: string | null;
  input_hash: string;
  stage: PipelineStage;
  created_at: string;
  updated_at: string;
  extraction: string | null;
  specialization: string | null;
  error: string | null;
  running: StageName | null;
  last_event_seq: number;
  last_transition_key: string | null;
}

type EventFields = Pick<Transition, 'stage' | 'at' | 'attempt' | 'message' | 'error'>;

/** the open server's key in the usage table: NULLs would not meet in its primary key */
const OPEN_KEY = '';

/** a usage query's dimensions as columns (their names are fixed: the SQL is built from these only) */
const GROUP_COLUMNS: Record<UsageGroup, string> = {
  KEY: 'api_key',
  PIPELINE: 'pipeline',
  MODEL: 'model',
  DAY: 'day',
};

/** SUM over no row is NULL */
type UsageSumRow = { [C in keyof UsageCounters]: number | null } & {
  api_key?: string;
  pipeline?: string;
  model?: string;
  day?: string;
};

/** a write waiting for the next group commit */
interface QueuedWrite {
  /** the write's statements: no effect outside the database, as it may be applied, rolled back and applied again */
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** batches one turn of the event loop may commit back to back (see drain): a bound, so I/O is never starved */
const MAX_CHAINED_BATCHES = 8;

/**
 * Once the oldest write waiting has waited this long in a busy turn of the
 * event loop, the next write asked for commits the batch at the end of its
 * task rather than of the turn (see write). Long enough that batches stay
 * about as large when the server is saturated (12-13 writes at 1,600 runs a
 * second, against 14: BENCHMARKS.md, sixth session), short enough that a
 * run's writes no longer wait out a whole turn at 256 runs in flight (8 ms,
 * and its model request with them).
 */
export const MAX_BATCH_WAIT_MS = 2;

/**
 * Resolves once every microtask queued so far, and every one those queue in
 * turn, has run: a tick queued from a microtask runs only after the microtask
 * queue is empty.
 */
function afterMicrotasks(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(() => process.nextTick(resolve)));
}

interface EventRow {
  run_id: string;
  seq: number;
  stage: PipelineStage;
  at: string;
  attempt: number | null;
  message: string | null;
  error: string | null;
}

/**
 * The embedded store: one SQLite file in WAL mode, prepared statements only.
 * better-sqlite3 is synchronous, and each method is one short transaction, so
 * the event loop is held for microseconds; the async interface is for Redis.
 */
export class SqliteRunStore implements RunStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly createTx;
  private readonly transitionTx;
  private readonly deleteBeforeTx;
  /** runs one write in a savepoint of the group commit: a write that throws leaves the others applied */
  private readonly inSavepoint;
  /** writes asked for since the last group commit */
  private queue: QueuedWrite[] = [];
  /** a drain is under way: it commits what is queued meanwhile, so a write needs no turn of its own */
  private draining = false;
  /** when the oldest write in the queue was asked for (performance.now()) */
  private oldestQueuedAt = 0;
  /** a drain is due at the end of the current task, the oldest write having waited long enough */
  private drainDue = false;
  /** a drain stopped at MAX_CHAINED_BATCHES: the rest waits for the next turn, however long it has waited */
  private yielding = false;
  /** one statement per set of dimensions asked, prepared when first asked */
  private readonly usageSums = new Map<string, Database.Statement<[string, string], UsageSumRow>>();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a power cut may lose the last commits, never corrupt the file
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);

    const db = this.db;
    this.stmt = {
      byId: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      byIds: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?))'),
      byKey: db.prepare<[string, string], RunRow>(
        'SELECT * FROM runs WHERE idempotency_key = ? AND created_at >= ? ORDER BY seq DESC LIMIT 1',
      ),
      insertRun: db.prepare<[Omit<NewRun, 'pipeline'> & { pipelineName: string; pipelineVersion: string }], RunRow>(
        `INSERT INTO runs (id, text, pipeline_name, pipeline_version, api_key, primary_model, secondary_model, idempotency_key,
           input_hash, stage, created_at, updated_at, last_event_seq)
         VALUES (@id, @text, @pipelineName, @pipelineVersion, @apiKey, @primaryModelId, @secondaryModelId, @idempotencyKey,
           @inputHash, 'RECEIVED', @createdAt, @createdAt, 1)
         RETURNING *`,
      ),
      // one statement takes the next seq and applies the change; a resend of the last key matches no row
      // returns the seq alone: the whole row (RETURNING *) cost up to a third of the statement, for nobody
      updateRun: db.prepare<[Record<string, unknown>], { last_event_seq: number }>(
        `UPDATE runs SET stage = @stage, updated_at = @at, last_event_seq = last_event_seq + 1, last_transition_key = @key,
           extraction = COALESCE(@extraction, extraction),
           specialization = COALESCE(@specialization, specialization),
           error = CASE WHEN @setError THEN @error ELSE error END,
           running = CASE WHEN @setRunning THEN @running ELSE running END
         WHERE id = @id AND (@key IS NULL OR last_transition_key IS NOT @key)
         RETURNING last_event_seq`,
      ),
      lastSeq: db.prepare<[string], { last_event_seq: number }>('SELECT last_event_seq FROM runs WHERE id = ?'),
      insertEvent: db.prepare(
        'INSERT INTO events (run_id, seq, stage, at, attempt, message, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      events: db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq'),
      eventsOfMany: db.prepare<[string], EventRow>(
        'SELECT * FROM events WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, seq',
      ),
      listAll: db.prepare<[number, number], RunRow>('SELECT * FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?'),
      listStage: db.prepare<[number, string, number], RunRow>(
        'SELECT * FROM runs WHERE seq < ? AND stage = ? ORDER BY seq DESC LIMIT ?',
      ),
      listPipeline: db.prepare<[number, string, number], RunRow>(
        'SELECT * FROM runs WHERE seq < ? AND pipeline_name = ? ORDER BY seq DESC LIMIT ?',
      ),
      listPipelineStage: db.prepare<[number, string, string, number], RunRow>(
        'SELECT * FROM runs WHERE seq < ? AND pipeline_name = ? AND stage = ? ORDER BY seq DESC LIMIT ?',
      ),
      orphans: db.prepare<[number], RunRow>(
        `SELECT r.* FROM runs r WHERE r.running IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM leases l WHERE l.run_id = r.id AND l.stage = r.running AND l.expires_at > ?)`,
      ),
      // a lapsed lease of a stage still marked running goes to another owner graceMs after its expiry
      acquireLease: db.prepare(
        `INSERT INTO leases (run_id, stage, owner, expires_at) VALUES (@runId, @stage, @owner, @expiresAt)
         ON CONFLICT (run_id, stage) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at <= @now - CASE
           WHEN EXISTS (SELECT 1 FROM runs WHERE id = @runId AND running = @stage) THEN @graceMs ELSE 0 END`,
      ),
      renewLease: db.prepare(
        'UPDATE leases SET expires_at = @expiresAt WHERE run_id = @runId AND stage = @stage AND owner = @owner AND expires_at > @now',
      ),
      releaseLease: db.prepare('DELETE FROM leases WHERE run_id = ? AND stage = ? AND owner = ?'),
      deleteBefore: db.prepare('DELETE FROM runs WHERE created_at < ?'),
      addUsage: db.prepare(
        `INSERT INTO usage (day, api_key, pipeline, model, runs, prompt_tokens, completion_tokens, cache_hits, rules_decisions)
         VALUES (@day, @key, @pipeline, @model, @runs, @promptTokens, @completionTokens, @cacheHits, @rulesDecisions)
         ON CONFLICT (day, api_key, pipeline, model) DO UPDATE SET
           runs = runs + excluded.runs,
           prompt_tokens = prompt_tokens + excluded.prompt_tokens,
           completion_tokens = completion_tokens + excluded.completion_tokens,
           cache_hits = cache_hits + excluded.cache_hits,
           rules_decisions = rules_decisions + excluded.rules_decisions`,
      ),
      // the primary key's prefix (day, api_key): a range of the key's rows of that day
      tokensSpent: db.prepare<[string, string], { spent: number }>(
        'SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS spent FROM usage WHERE day = ? AND api_key = ?',
      ),
      deleteUsageBefore: db.prepare('DELETE FROM usage WHERE day < ?'),
      cacheGet: db.prepare<[string, number], { entry: string }>(
        'SELECT entry FROM cache WHERE key = ? AND expires_at > ?',
      ),
      cachePut: db.prepare(
        `INSERT INTO cache (key, entry, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET entry = excluded.entry, expires_at = excluded.expires_at`,
      ),
      deleteExpiredCache: db.prepare('DELETE FROM cache WHERE expires_at <= ?'),
      // the first save of a version stands: a version is a hash of its definition
      savePipeline: db.prepare(
        'INSERT INTO pipelines (name, version, definition, saved_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      pipelineDefinition: db.prepare<[string, string], { definition: string }>(
        'SELECT definition FROM pipelines WHERE name = ? AND version = ?',
      ),
      ping: db.prepare('SELECT 1'),
    };

    // the writes themselves, always applied inside a transaction: the group commit's, or markInterrupted's
    this.createTx = (run: NewRun, since: string): { row: RunRow; created: boolean } => {
      if (run.idempotencyKey) {
        const existing = this.stmt.byKey.get(run.idempotencyKey, since);
        if (existing) return { row: existing, created: false };
      }
      // the statement's parameters, each named (a spread and two more properties cost 1 µs on Node 20: copy-with.ts)
      const row = this.stmt.insertRun.get({
        id: run.id,
        text: run.text,
        pipelineName: run.pipeline.name,
        pipelineVersion: run.pipeline.version,
        apiKey: run.apiKey,
        primaryModelId: run.primaryModelId,
        secondaryModelId: run.secondaryModelId,
        idempotencyKey: run.idempotencyKey,
        inputHash: run.inputHash,
        createdAt: run.createdAt,
      }) as RunRow;
      this.insertEvent(run.id, 1, { stage: 'RECEIVED', at: run.createdAt });
      return { row, created: true };
    };

    this.transitionTx = (runId: string, t: Transition): StageEvent => {
      const event = (seq: number) => eventOf(runId, seq, t);
      const setError = t.error !== undefined || t.clearError === true;
      const row = this.stmt.updateRun.get({
        id: runId,
        stage: t.stage,
        at: t.at,
        extraction: t.extraction ? JSON.stringify(t.extraction) : null,
        specialization: t.specialization ? JSON.stringify(t.specialization) : null,
        setError: setError ? 1 : 0,
        error: t.error ? JSON.stringify(t.error) : null,
        setRunning: t.running !== undefined ? 1 : 0,
        running: t.running ?? null,
        key: t.key ?? null,
      });
      if (row) {
        this.insertEvent(runId, row.last_event_seq, t);
        if (t.release) this.stmt.releaseLease.run(runId, t.release.stage, t.release.owner);
        // counted only with a write that was applied: a resend (no row) adds nothing
        for (const u of t.usage ?? []) this.stmt.addUsage.run(usageParams(u));
        return event(row.last_event_seq);
      }
      // no row changed: the run is unknown, or this key was the last one applied (a resend)
      const current = this.stmt.lastSeq.get(runId);
      if (!current) throw new AppError('RUN_NOT_FOUND', `No run has the id ${runId}.`);
      return event(current.last_event_seq);
    };

    this.inSavepoint = db.transaction((work: () => unknown) => work());

    this.deleteBeforeTx = db.transaction((cutoff: string, now: number): number => {
      const deleted = this.stmt.deleteBefore.run(cutoff).changes;
      // the days wholly before the cutoff's day: their runs are all gone (see deleteCreatedBefore)
      this.stmt.deleteUsageBefore.run(new Date(cutoff).toISOString().slice(0, 10));
      this.stmt.deleteExpiredCache.run(now);
      return deleted;
    });
  }

  private insertEvent(runId: string, seq: number, t: EventFields): void {
    this.stmt.insertEvent.run(
      runId,
      seq,
      t.stage,
      t.at,
      t.attempt ?? null,
      t.message ?? null,
      t.error ? JSON.stringify(t.error) : null,
    );
  }

  async create(run: NewRun, idempotentSince: string) {
    // IMMEDIATE: two processes on one file cannot both miss the key and insert
    const { row, created } = await this.write(() => this.createTx(run, idempotentSince));
    return { run: toRun(row), created };
  }

  async get(id: string) {
    const row = this.stmt.byId.get(id);
    return row ? toRun(row) : null;
  }

  async getMany(ids: readonly string[]) {
    const rows = this.stmt.byIds.all(JSON.stringify(ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? toRun(row) : null;
    });
  }

  async list(q: RunListQuery): Promise<RunPage> {
    const before = q.after ? decodeCursor(q.after) : Number.MAX_SAFE_INTEGER;
    const limit = q.first + 1;
    // one statement per filter: each reads its own index, newest first, and stops at `limit`
    const rows =
      q.pipeline !== undefined
        ? q.stage
          ? this.stmt.listPipelineStage.all(before, q.pipeline, q.stage, limit)
          : this.stmt.listPipeline.all(before, q.pipeline, limit)
        : q.stage
          ? this.stmt.listStage.all(before, q.stage, limit)
          : this.stmt.listAll.all(before, limit);
    return {
      runs: rows.slice(0, q.first).map((r) => ({ run: toRun(r), cursor: encodeCursor(r.seq) })),
      hasNextPage: rows.length > q.first,
    };
  }

  async transition(runId: string, t: Transition) {
    for (const u of t.usage ?? []) checkUsageIncrement(u);
    return { event: await this.write(() => this.transitionTx(runId, t)) };
  }

  async events(runId: string, afterSeq = 0) {
    return this.stmt.events.all(runId, afterSeq).map(toEvent);
  }

  async eventsOfMany(runIds: readonly string[]) {
    const grouped = new Map<string, StageEvent[]>(runIds.map((id) => [id, []]));
    for (const row of this.stmt.eventsOfMany.all(JSON.stringify(runIds))) grouped.get(row.run_id)?.push(toEvent(row));
    return runIds.map((id) => grouped.get(id) ?? []);
  }

  acquireLease(runId: string, stage: StageName, owner: string, ttlMs: number, graceMs = 0) {
    return this.write(() => {
      // the clock read when the write is applied, as a statement of its own would
      const now = Date.now();
      return this.stmt.acquireLease.run({ runId, stage, owner, expiresAt: now + ttlMs, now, graceMs }).changes === 1;
    });
  }

  renewLease(runId: string, stage: StageName, owner: string, ttlMs: number) {
    return this.write(() => {
      const now = Date.now();
      return this.stmt.renewLease.run({ runId, stage, owner, expiresAt: now + ttlMs, now }).changes === 1;
    });
  }

  claimStage(
    runId: string,
    stage: StageName,
    owner: string,
    ttlMs: number,
    graceMs: number,
    needsRun: (run: RunRecord) => boolean,
  ): Promise<StageClaim | null> {
    // one transaction: nobody can finish the stage or take its lease between the read and the lease
    return this.write((): StageClaim | null => {
      const row = this.stmt.byId.get(runId);
      if (!row) return null;
      const run = toRun(row);
      if (!needsRun(run)) return { run, needed: false };
      const now = Date.now();
      const leased =
        this.stmt.acquireLease.run({ runId, stage, owner, expiresAt: now + ttlMs, now, graceMs }).changes === 1;
      return { run, needed: true, leased };
    });
  }

  async releaseLease(runId: string, stage: StageName, owner: string) {
    await this.write(() => this.stmt.releaseLease.run(runId, stage, owner));
  }

  async markInterrupted(at: string, error: (stage: StageName) => PipelineError, graceMs = 0) {
    // one transaction: a lease taken meanwhile by another process cannot be overruled
    return this.db
      .transaction(() =>
        // a lease counts as live until graceMs after its expiry
        this.stmt.orphans
          .all(Date.now() - graceMs)
          .map((row) =>
            this.transitionTx(row.id, { stage: 'FAILED', at, error: error(row.running as StageName), running: null }),
          ),
      )
      .immediate();
  }

  async savePipeline(ref: PipelineRef, definition: unknown) {
    const json = definitionJson(definition);
    await this.write(() => this.stmt.savePipeline.run(ref.name, ref.version, json, new Date().toISOString()));
  }

  async pipelineDefinition(ref: PipelineRef) {
    const row = this.stmt.pipelineDefinition.get(ref.name, ref.version);
    return row ? (JSON.parse(row.definition) as unknown) : null;
  }

  async cacheGet(key: string) {
    // an expired entry is not an answer; the retention sweep deletes it (deleteCreatedBefore)
    const row = this.stmt.cacheGet.get(key, Date.now());
    return row ? (JSON.parse(row.entry) as CachedStage) : null;
  }

  async cachePut(key: string, entry: CachedStage, ttlMs: number) {
    const json = JSON.stringify(entry);
    await this.write(() => this.stmt.cachePut.run(key, json, Date.now() + Math.max(1, Math.round(ttlMs))));
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    const days = usageDays(q);
    const groups = usageGroups(q.groupBy);
    const rows = this.usageSum(groups).all(days[0] as string, days.at(-1) as string);
    // with no dimension, one row, of zeros when nothing was counted
    return sortUsageRows(
      rows.map((r) =>
        usageRow(
          {
            day: r.day ?? '',
            key: r.api_key === undefined || r.api_key === OPEN_KEY ? null : r.api_key,
            pipeline: r.pipeline ?? '',
            model: r.model ?? '',
            runs: r.runs ?? 0,
            promptTokens: r.promptTokens ?? 0,
            completionTokens: r.completionTokens ?? 0,
            cacheHits: r.cacheHits ?? 0,
            rulesDecisions: r.rulesDecisions ?? 0,
          },
          groups,
        ),
      ),
      groups,
    );
  }

  /** SUM ... GROUP BY the dimensions asked, over the primary key's range of days */
  private usageSum(groups: readonly UsageGroup[]) {
    const columns = (['KEY', 'PIPELINE', 'MODEL', 'DAY'] as const)
      .filter((g) => groups.includes(g))
      .map((g) => GROUP_COLUMNS[g]);
    const id = columns.join(',');
    let stmt = this.usageSums.get(id);
    if (!stmt) {
      const select = columns.map((c) => `${c}, `).join('');
      const groupBy = columns.length > 0 ? ` GROUP BY ${columns.join(', ')}` : '';
      stmt = this.db.prepare<[string, string], UsageSumRow>(
        `SELECT ${select}SUM(runs) AS runs, SUM(prompt_tokens) AS promptTokens, SUM(completion_tokens) AS completionTokens,
           SUM(cache_hits) AS cacheHits, SUM(rules_decisions) AS rulesDecisions
         FROM usage WHERE day BETWEEN ? AND ?${groupBy}`,
      );
      this.usageSums.set(id, stmt);
    }
    return stmt;
  }

  async tokensSpent(key: string | null, day: string) {
    checkDay(day);
    return this.stmt.tokensSpent.get(day, key ?? OPEN_KEY)?.spent ?? 0;
  }

  /**
   * Pipeline definitions are kept: they are few (one per edit of a file) and
   * small, and one saved at a reload may not have a run yet.
   *
   * The sweep also deletes the usage of the UTC days before the cutoff's day
   * (a stage's usage is counted on or after its run's creation, so those
   * days' runs are all gone: usage lives at least as long as the runs it
   * counts), and the cache entries that have expired.
   */
  async deleteCreatedBefore(cutoff: string) {
    return this.deleteBeforeTx.immediate(cutoff, Date.now());
  }

  async ping() {
    this.stmt.ping.get();
  }

  async close() {
    // writes already asked for are committed first: their callers are told the outcome
    if (this.queue.length > 0) this.flush();
    if (this.db.open) this.db.close();
  }

  /**
   * Group commit: the writes asked for in one turn of the event loop are
   * applied in one transaction (the writes their callers then chain on, in a
   * few more: see drain), and each caller is
   * answered once that transaction has committed (so a write is as durable
   * when its promise settles as it was with a commit of its own). A commit
   * per write cost more than the writes themselves: BEGIN, COMMIT and the WAL
   * frames of the same few pages (the runs table, its indexes, the events),
   * written again for every write of every run in flight. A write that throws
   * is undone alone and rejects alone (see applyAll); a batch that cannot
   * begin or commit rejects every write in it, none of which is applied.
   *
   * A turn is committed when it ends (setImmediate: after the I/O it
   * handled), or sooner, when a write comes MAX_BATCH_WAIT_MS or more after
   * the oldest one waiting: then at the end of that write's task (unless a
   * drain has just stopped at MAX_CHAINED_BATCHES: then the turn first). At 256 runs
   * in flight a turn handles tens of requests and model answers; waiting it
   * out cost a run 8 ms a write, and more for its model request, which
   * undici's check of an idle socket then sent a whole turn later still.
   */
  private write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queued: QueuedWrite = { work, resolve: resolve as (value: unknown) => void, reject };
      const waiting = this.queue.push(queued);
      if (waiting === 1) this.oldestQueuedAt = performance.now();
      // a drain under way commits it
      if (this.draining) return;
      if (waiting === 1) setImmediate(() => void this.drain());
      else if (!this.drainDue && !this.yielding && performance.now() - this.oldestQueuedAt >= MAX_BATCH_WAIT_MS) {
        this.drainDue = true;
        queueMicrotask(() => {
          this.drainDue = false;
          if (!this.draining) void this.drain();
        });
      }
    });
  }

  /**
   * Commits the queue, then, in the same turn of the event loop, the writes
   * its callers ask for as soon as they are told (a run's stage lease right
   * after its creation, the next stage's right after the last one's result),
   * batch after batch while there are any. Left to a later turn, each such
   * write waited for everything the next turn brought in (at 256 runs in
   * flight, 10-20 ms), and so did the model request it was made for.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let batch = 0; batch < MAX_CHAINED_BATCHES && this.queue.length > 0; batch++) {
        this.flush();
        await afterMicrotasks();
      }
    } finally {
      this.draining = false;
      if (this.queue.length > 0) {
        // the bound holds for the early drains too: none starts before the event loop has turned
        this.yielding = true;
        setImmediate(() => {
          this.yielding = false;
          void this.drain();
        });
      }
    }
  }

  private flush(): void {
    const writes = this.queue;
    if (writes.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      // IMMEDIATE: another process on the same file waits (busy_timeout) rather than failing mid-batch
      this.db.exec('BEGIN IMMEDIATE');
      outcomes = this.applyAll(writes);
      this.db.exec('COMMIT');
    } catch (err) {
      try {
        if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // nothing better to do here: every caller still hears `err`, and the next batch's BEGIN says what is wrong
      }
      for (const w of writes) w.reject(err);
      return;
    }
    writes.forEach((w, i) => {
      const o = outcomes[i] as Outcome;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.err);
    });
  }

  /**
   * Applies the batch's writes in the open transaction. First all of them
   * straight, the way nearly every batch goes; should one throw, the batch is
   * rolled back and applied again in a new transaction with each write in its
   * own savepoint, so that the one that throws is undone alone, whatever it
   * had written before it threw. A write's work has no effect outside the
   * database, so the second pass comes to what the first would have (a
   * lease's expiry, read from the clock again, microseconds later).
   *
   * The writes that throw are few (a claim refused: a stored failure, a drain,
   * a model not allowed; a transition of an unknown run), and a savepoint is
   * dear: with one open, SQLite first copies each page a write changes to a
   * statement journal. One savepoint for the whole batch, to roll back to
   * without ending the transaction, cost 10-15 % of a run, and nothing
   * measurable with temp_store = MEMORY: a dozen writes' pages outgrow the
   * journal's 64 KiB in memory and go to a temporary file (BENCHMARKS.md).
   * So between the two passes another process on the same
   * file may take the write lock: the second BEGIN then waits for it, as the
   * first would have, and after busy_timeout fails the batch. Throws what
   * ends the whole transaction.
   */
  private applyAll(writes: QueuedWrite[]): Outcome[] {
    try {
      return writes.map((w) => ({ ok: true, value: w.work() }));
    } catch (err) {
      // an error that ended the whole transaction (disk full, I/O) fails the batch, as does a lone write's
      if (!this.db.inTransaction || writes.length === 1) throw err;
    }
    this.db.exec('ROLLBACK');
    this.db.exec('BEGIN IMMEDIATE');
    return writes.map((w): Outcome => {
      try {
        return { ok: true, value: this.inSavepoint(w.work) };
      } catch (err) {
        if (!this.db.inTransaction) throw err;
        return { ok: false, err };
      }
    });
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** addUsage's parameters: an open server's usage is counted to OPEN_KEY */
function usageParams(u: UsageIncrement) {
  return {
    day: u.day,
    key: u.key ?? OPEN_KEY,
    pipeline: u.pipeline,
    model: u.model,
    runs: u.runs,
    promptTokens: u.promptTokens,
    completionTokens: u.completionTokens,
    cacheHits: u.cacheHits,
    rulesDecisions: u.rulesDecisions,
  };
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    text: r.text,
    pipeline: { name: r.pipeline_name, version: r.pipeline_version },
    apiKey: r.api_key,
    primaryModelId: r.primary_model,
    secondaryModelId: r.secondary_model,
    idempotencyKey: r.idempotency_key,
    inputHash: r.input_hash,
    stage: r.stage,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    extraction: parseJson(r.extraction),
    specialization: parseJson(r.specialization),
    error: parseJson(r.error),
    running: r.running,
  };
}

function toEvent(r: EventRow): StageEvent {
  return {
    runId: r.run_id,
    seq: r.seq,
    stage: r.stage,
    at: r.at,
    attempt: r.attempt,
    message: r.message,
    error: parseJson(r.error),
  };
}
