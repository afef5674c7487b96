import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../config.js';

export type Role = 'orchestrate' | 'read';

/** Who is calling: a named key with its role, or anyone when the server runs open. */
export interface Principal {
  name: string;
  role: Role;
  /** tokens the key may spend per UTC day (its budget); undefined: no budget */
  dailyTokens?: number;
}

/** The caller of a server that has no keys configured: may do everything. */
export const OPEN_PRINCIPAL: Principal = { name: 'anonymous', role: 'orchestrate' };

/**
 * API keys, held only as sha256 digests. A presented key is hashed and
 * compared with every entry in constant time, so neither the comparison nor
 * the number of entries tried tells an attacker how close a guess was.
 */
export class KeyRing {
  private readonly entries: Array<{ digest: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKeyEntry[]) {
    this.entries = keys.map((k) => ({
      digest: Buffer.from(k.sha256, 'hex'),
      principal: { name: k.name, role: k.role, ...(k.dailyTokens !== undefined ? { dailyTokens: k.dailyTokens } : {}) },
    }));
  }

  get isOpen(): boolean {
    return this.entries.length === 0;
  }

  verify(presented: string | undefined): Principal | undefined {
    if (this.isOpen) return OPEN_PRINCIPAL;
    if (!presented) return undefined;
    // one-shot: a third of createHash's cost for a short input, on every request
    const digest = hash('sha256', presented, 'buffer');
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && !found) found = entry.principal;
    }
    return found;
  }
}

/** The key a request carries: `Authorization: Bearer <key>` or `x-api-key`. */
export function presentedKey(header: (name: string) => string | null | undefined): string | undefined {
  const auth = header('authorization');
  const bearer = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  return bearer ?? header('x-api-key') ?? undefined;
}

/** The key a run's usage is counted to: its name, or null on an open server (no keys). */
export function keyNameOf(principal: Principal | undefined): string | null {
  return principal === undefined || principal === OPEN_PRINCIPAL ? null : principal.name;
}
