import type { ExtractionResult } from '../../src/pipeline/types.js';
import type { UsageIncrement } from '../../src/store/run-store.js';

/** A `since` far in the past, so any idempotency key within it is found. */
export const EPOCH = new Date(0).toISOString();

/** An extraction's answer, for where only its being there matters (the response cache). */
export const extractionResult: ExtractionResult = {
  entities: { action: 'unknown' },
  model: 'sim-extractor',
  usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
  latencyMs: 1,
  attempts: 1,
  raw: '{}',
  correlationId: null,
};

/** What a stage's final write adds to usage; the day is within 2030-01-01's first days. */
export const usageIncrement = (over: Partial<UsageIncrement> = {}): UsageIncrement => ({
  key: 'alpha',
  pipeline: 'travel',
  model: 'sim-extractor',
  day: '2030-01-01',
  runs: 1,
  promptTokens: 10,
  completionTokens: 5,
  cacheHits: 0,
  rulesDecisions: 0,
  ...over,
});
