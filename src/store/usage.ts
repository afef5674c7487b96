import { AppError } from '../errors.js';
import type { UsageGroup, UsageIncrement, UsageQuery, UsageRow } from './run-store.js';

/**
 * What both stores share about usage: the checks, the span of days, and the
 * shape and order of the rows, so that SQLite and Redis answer alike.
 */

/** The longest span `usage` sums over: Redis reads one hash per day. */
export const MAX_USAGE_DAYS = 366;

export const USAGE_COUNTERS = ['runs', 'promptTokens', 'completionTokens', 'cacheHits', 'rulesDecisions'] as const;
export type UsageCounter = (typeof USAGE_COUNTERS)[number];
export type UsageCounters = Record<UsageCounter, number>;

const GROUPS: readonly UsageGroup[] = ['KEY', 'PIPELINE', 'MODEL', 'DAY'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** Epoch ms of a UTC day's midnight, or NaN when `day` is not a real YYYY-MM-DD date. */
function dayStart(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return Number.NaN;
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  // Date.parse rolls 2030-02-30 over to March: a real date prints back as itself
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day ? ms : Number.NaN;
}

/** The days of a query's span, oldest first; a malformed, reversed or too long span is BAD_USER_INPUT. */
export function usageDays(q: UsageQuery): string[] {
  const from = dayStart(q.fromDay);
  const to = dayStart(q.toDay);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw new AppError('BAD_USER_INPUT', 'A usage span is two UTC days, YYYY-MM-DD.');
  }
  if (from > to) throw new AppError('BAD_USER_INPUT', 'A usage span must not end before it starts.');
  const count = (to - from) / DAY_MS + 1;
  if (count > MAX_USAGE_DAYS) {
    throw new AppError('BAD_USER_INPUT', `A usage span covers at most ${MAX_USAGE_DAYS} days; ask for less.`);
  }
  return Array.from({ length: count }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
}

/** The dimensions asked, each once, in the order asked (the rows' sort order). */
export function usageGroups(groupBy: readonly UsageGroup[]): UsageGroup[] {
  for (const g of groupBy) if (!GROUPS.includes(g)) throw new TypeError(`not a usage group: ${String(g)}`);
  return [...new Set(groupBy)];
}

/** the last day an increment named that passed the check; none before the first */
let lastCheckedDay: string | undefined;

/**
 * An increment is written inside a transition's atomic write: a bad one is a
 * bug, and is refused before anything is written (a Redis script that fails
 * half-way keeps what it wrote).
 */
export function checkUsageIncrement(u: UsageIncrement): void {
  // every stage's increment names today: the day is checked once, not parsed for each write
  if (lastCheckedDay === undefined || u.day !== lastCheckedDay) {
    if (Number.isNaN(dayStart(u.day))) throw new TypeError(`usage day is not YYYY-MM-DD: ${u.day}`);
    lastCheckedDay = u.day;
  }
  for (const c of USAGE_COUNTERS) {
    if (!Number.isSafeInteger(u[c]) || u[c] < 0) throw new TypeError(`usage ${c} is not a count: ${u[c]}`);
  }
}

export function checkDay(day: string): void {
  if (Number.isNaN(dayStart(day))) throw new TypeError(`not a UTC day, YYYY-MM-DD: ${day}`);
}

export function zeroCounters(): UsageCounters {
  return { runs: 0, promptTokens: 0, completionTokens: 0, cacheHits: 0, rulesDecisions: 0 };
}

/** One usage fact: a day, key, pipeline and model with its counters (a row as stored). */
export interface UsageFact extends UsageCounters {
  day: string;
  key: string | null;
  pipeline: string;
  model: string;
}

/** A row with the grouped dimensions set, and only those. */
export function usageRow(fact: UsageFact, groups: readonly UsageGroup[]): UsageRow {
  const row: UsageRow = zeroCounters();
  for (const g of groups) {
    if (g === 'KEY') row.key = fact.key;
    else if (g === 'PIPELINE') row.pipeline = fact.pipeline;
    else if (g === 'MODEL') row.model = fact.model;
    else row.day = fact.day;
  }
  for (const c of USAGE_COUNTERS) row[c] = fact[c];
  return row;
}

/** Sums facts by the dimensions asked; with none, one row of totals (zeros when nothing was counted). */
export function groupUsage(facts: Iterable<UsageFact>, groups: readonly UsageGroup[]): UsageRow[] {
  const rows = new Map<string, UsageRow>();
  for (const fact of facts) {
    const row = usageRow(fact, groups);
    const id = JSON.stringify(groups.map((g) => dimension(row, g)));
    const sum = rows.get(id);
    if (!sum) rows.set(id, row);
    else for (const c of USAGE_COUNTERS) sum[c] += row[c];
  }
  if (groups.length === 0 && rows.size === 0) return [zeroCounters()];
  return sortUsageRows([...rows.values()], groups);
}

function dimension(row: UsageRow, g: UsageGroup): string | null | undefined {
  return g === 'KEY' ? row.key : g === 'PIPELINE' ? row.pipeline : g === 'MODEL' ? row.model : row.day;
}

/**
 * By each dimension in the order asked; the open server's key (null) first,
 * then names by UTF-16 code units, the same in both stores (SQLite's own
 * order is by UTF-8 bytes, which differs for a few characters).
 */
export function sortUsageRows(rows: UsageRow[], groups: readonly UsageGroup[]): UsageRow[] {
  return rows.sort((a, b) => {
    for (const g of groups) {
      const x = dimension(a, g) ?? null;
      const y = dimension(b, g) ?? null;
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    }
    return 0;
  });
}
