import { randomUUID } from 'node:crypto';
import { LEGACY_PIPELINE } from '../../src/pipeline/run.js';
import type { NewRun } from '../../src/store/run-store.js';

/** A run to create, now, with a fresh id. */
export function newRun(over: Partial<NewRun> = {}): NewRun {
  return {
    id: randomUUID(),
    text: 'cancel booking XK4P9Q',
    pipeline: LEGACY_PIPELINE,
    apiKey: null,
    primaryModelId: 'sim-extractor',
    secondaryModelId: 'sim-specialist',
    idempotencyKey: null,
    inputHash: 'h',
    createdAt: new Date().toISOString(),
    ...over,
  };
}
