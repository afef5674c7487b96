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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `The SQLite file has schema version ${current}, newer than this server's ${SCHEMA_VERSION}: upgrade the server or use another SQLITE_PATH.`,
    );
  }
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
