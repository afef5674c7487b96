import type Database from 'better-sqlite3';

/**
 * Ordered schema changes; `PRAGMA user_version` records how many have run.
 * Append only: a shipped migration is never edited, a new one follows it.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     text TEXT NOT NULL,
     primary_model TEXT NOT NULL,
     secondary_model TEXT NOT NULL,
     idempotency_key TEXT,
     input_hash TEXT NOT NULL,
     stage TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     extraction TEXT,
     specialization TEXT,
     error TEXT,
     running TEXT,
     last_event_seq INTEGER NOT NULL
   );
   CREATE INDEX runs_by_idempotency_key ON runs (idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;
   CREATE INDEX runs_by_stage ON runs (stage, seq);
   CREATE INDEX runs_by_created_at ON runs (created_at);
   CREATE INDEX runs_running ON runs (running) WHERE running IS NOT NULL;
   CREATE TABLE events (
     run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     stage TEXT NOT NULL,
     at TEXT NOT NULL,
     attempt INTEGER,
     message TEXT,
     error TEXT,
     PRIMARY KEY (run_id, seq)
   ) WITHOUT ROWID;`,
  `CREATE TABLE leases (
     run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     stage TEXT NOT NULL,
     owner TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (run_id, stage)
   ) WITHOUT ROWID;`,
  'ALTER TABLE runs ADD COLUMN last_transition_key TEXT;',
  // runs stored before pipelines existed ran the built-in travel prompts: LEGACY_PIPELINE.
  // Definitions are never deleted (see deleteCreatedBefore), so no run outlives its own.
  `ALTER TABLE runs ADD COLUMN pipeline_name TEXT NOT NULL DEFAULT 'travel';
   ALTER TABLE runs ADD COLUMN pipeline_version TEXT NOT NULL DEFAULT 'legacy';
   CREATE INDEX runs_by_pipeline ON runs (pipeline_name, seq);
   CREATE INDEX runs_by_pipeline_stage ON runs (pipeline_name, stage, seq);
   CREATE TABLE pipelines (
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     definition TEXT NOT NULL,
     saved_at TEXT NOT NULL,
     PRIMARY KEY (name, version)
   ) WITHOUT ROWID;`,
  // runs stored before API keys were recorded read as made on an open server (null).
  // usage: one row per UTC day, key, pipeline and model; the open server's key is '' (a
  // key's name is never empty), as NULLs would not meet in the primary key.
  `ALTER TABLE runs ADD COLUMN api_key TEXT;
   CREATE TABLE usage (
     day TEXT NOT NULL,
     api_key TEXT NOT NULL,
     pipeline TEXT NOT NULL,
     model TEXT NOT NULL,
     runs INTEGER NOT NULL,
     prompt_tokens INTEGER NOT NULL,
     completion_tokens INTEGER NOT NULL,
     cache_hits INTEGER NOT NULL,
     rules_decisions INTEGER NOT NULL,
     PRIMARY KEY (day, api_key, pipeline, model)
   ) WITHOUT ROWID;
   CREATE TABLE cache (
     key TEXT PRIMARY KEY,
     entry TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX cache_by_expiry ON cache (expires_at);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Runs the migrations not yet run, up to `to` (tests build files of an older version with it). */
export function migrate(db: Database.Database, to = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `The SQLite file has schema version ${current}, newer than this server's ${SCHEMA_VERSION}: upgrade the server or use another SQLITE_PATH.`,
    );
  }
  db.transaction(() => {
    for (let v = current; v < to; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
