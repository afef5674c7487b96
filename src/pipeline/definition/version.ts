import { createHash } from 'node:crypto';
import type { PipelineDefinition } from './types.js';

/**
 * A pipeline's version: the first 12 hex digits of the sha256 of its
 * definition as canonical JSON (keys sorted at every depth, no whitespace).
 * The definition is already normalized (`${VAR}` resolved, defaults filled,
 * prompts trimmed), so reordering keys or writing a default out keeps the
 * version, and anything sent to a model or judged by a rule changes it.
 * `description` and `examples` are not in the definition, so editing them
 * keeps the version (and the cache entries keyed by it).
 */
export function versionOf(definition: PipelineDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex').slice(0, 12);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties, so even a key named __proto__ stays data
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
