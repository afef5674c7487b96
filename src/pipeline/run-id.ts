import { randomUUID } from 'node:crypto';

/**
 * A run's id: a UUID version 7 (RFC 9562), 48 bits of Unix milliseconds then
 * 74 random bits. Time-ordered ids keep the store's keyed writes local: the
 * runs in flight are the newest, so their rows in every index keyed by run id
 * (SQLite's events table and runs.id index) sit together at the right edge of
 * the tree. With random (v4) ids each write landed on its own page anywhere in
 * the tree, and a commit's WAL frames and checkpoint copies grew with the
 * number of runs stored (bench/store-scale.ts). The creation time it shows is
 * already public as the run's createdAt.
 *
 * The random bits are a v4 UUID's after its first 48 (its variant included):
 * `randomUUID` draws from a pool it refills 128 ids at a time, where a
 * `randomBytes(16)` per run was a call into OpenSSL per run (1.5 % of the
 * server's busy time in the benchmark's profile).
 */
export function newRunId(now = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
