import type { UsageGroup, UsageRow } from '../store/run-store.js';
import { builder } from './builder.js';

const UsageGroupEnum = builder.enumType('UsageGroup', {
  description: 'A dimension usage rows are grouped by',
  values: ['KEY', 'PIPELINE', 'MODEL', 'DAY'] as const,
});

const UsageRowRef = builder.objectRef<UsageRow>('UsageRow').implement({
  description:
    'Usage summed over the span and the dimensions grouped by; a dimension not grouped by is null. Tokens are what was paid: a cached answer counts a cache hit, not tokens.',
  fields: (t) => ({
    key: t.string({
      nullable: true,
      description: "the API key's name (never the key); null on an open server",
      resolve: (r) => r.key ?? null,
    }),
    pipeline: t.string({ nullable: true, resolve: (r) => r.pipeline ?? null }),
    model: t.string({
      nullable: true,
      description: '"rules" for verdicts a rule gave',
      resolve: (r) => r.model ?? null,
    }),
    day: t.string({ nullable: true, description: 'UTC day, YYYY-MM-DD', resolve: (r) => r.day ?? null }),
    runs: t.exposeInt('runs'),
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    cacheHits: t.exposeInt('cacheHits'),
    rulesDecisions: t.exposeInt('rulesDecisions'),
  }),
});

builder.queryField('usage', (t) =>
  t.field({
    type: [UsageRowRef],
    description:
      'Runs, tokens, cache hits and rule decisions per UTC day from the day of `from` to the day of `to`, both included (at most 366 days), grouped by the dimensions asked (none: one row of totals). Shared by every instance.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: [UsageGroupEnum], required: true }),
    },
    resolve: (_, { from, to, groupBy }, ctx) =>
      ctx.runs.usage({ fromDay: from.slice(0, 10), toDay: to.slice(0, 10), groupBy: groupBy as UsageGroup[] }),
  }),
);
