import type { RunStore } from '../store/run-store.js';
import type { Principal } from './key-ring.js';

export interface BudgetRefusal {
  limit: number;
  spent: number;
  /** until the next UTC midnight, when the day's budget starts afresh */
  retryAfterSeconds: number;
}

/**
 * Per-key daily token budgets, checked before any work: the tokens counted
 * to the key today (in the store, so shared by the fleet) against its
 * `dailyTokens`. Stages already running finish, so a budget can be overshot
 * by at most the stages in flight when it is reached.
 */
export class Budgets {
  constructor(
    private readonly store: Pick<RunStore, 'tokensSpent'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** whether `check` has anything to read for this key: callers skip waiting on it when not */
  applies(principal: Principal): boolean {
    return principal.dailyTokens !== undefined;
  }

  /** undefined when the key may start work; else why not and until when */
  async check(principal: Principal): Promise<BudgetRefusal | undefined> {
    const limit = principal.dailyTokens;
    if (limit === undefined) return undefined;
    const now = this.now();
    const spent = await this.store.tokensSpent(principal.name, now.toISOString().slice(0, 10));
    if (spent < limit) return undefined;
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    return { limit, spent, retryAfterSeconds: Math.max(1, Math.ceil((midnight - now.getTime()) / 1000)) };
  }
}

export function budgetMessage(name: string, r: BudgetRefusal): string {
  return `The key "${name}" has spent its daily budget of ${r.limit} tokens (${r.spent} today); it starts afresh at 00:00 UTC, in ${r.retryAfterSeconds} s.`;
}
