import { describe, expect, it } from 'vitest';
import type { UsageIncrement } from '../../src/store/run-store.js';
import { checkUsageIncrement } from '../../src/store/usage.js';

const increment = (day: string, runs = 1): UsageIncrement => ({
  key: null,
  pipeline: 'travel',
  model: 'm',
  day,
  runs,
  promptTokens: 10,
  completionTokens: 5,
  cacheHits: 0,
  rulesDecisions: 0,
});

describe('checkUsageIncrement', () => {
  it('refuses a day that is not a real YYYY-MM-DD, before and after a good one passed', () => {
    // first calls of the process: nothing has passed yet, so nothing, not even '' or no day, is remembered as good
    expect(() => checkUsageIncrement(increment(undefined as unknown as string))).toThrow(TypeError);
    expect(() => checkUsageIncrement(increment(''))).toThrow(TypeError);
    expect(() => checkUsageIncrement(increment('2030-02-30'))).toThrow(TypeError);
    expect(() => checkUsageIncrement(increment('2030-02-30'))).toThrow(TypeError);
    expect(() => checkUsageIncrement(increment('2026-11-30'))).not.toThrow();
    expect(() => checkUsageIncrement(increment('2026-11-30'))).not.toThrow();
    expect(() => checkUsageIncrement(increment('2026-13-01'))).toThrow(/usage day is not YYYY-MM-DD/);
    expect(() => checkUsageIncrement(increment('20261130'))).toThrow(TypeError);
    expect(() => checkUsageIncrement(increment('2026-12-01'))).not.toThrow();
  });

  it('refuses a count that is not a whole number of zero or more, whatever the day', () => {
    expect(() => checkUsageIncrement(increment('2026-11-30', -1))).toThrow(/usage runs is not a count/);
    expect(() => checkUsageIncrement(increment('2026-11-30', 1.5))).toThrow(TypeError);
  });
});
