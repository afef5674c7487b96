import { randomBytes } from 'node:crypto';

/**
 * A run's id: a UUID version 7 (RFC 9562), 48 bits of Unix milliseconds then
 * 74 random bits. Time-ordered ids keep the store's keyed writes local: the
 * runs in flight are the newest, so their rows in every index keyed by run id
 * (SQLite's events table and runs.id index) sit together at the right edge of
 * the tree. With random (v4) ids each write landed on its own page anywhere in
 * the tree, and a commit's WAL frames and checkpoint copies grew with the
 * number of runs stored (bench/store-scale.ts). The creation time it shows is
 * already public as the run's createdAt.
 */
export function newRunId(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = ((b[6] as number) & 0x0f) | 0x70; // version 7
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
