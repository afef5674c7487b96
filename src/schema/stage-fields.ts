import type { ObjectRef } from '@pothos/core';
import type { ExtractionResult, SpecializationResult } from '../pipeline/types.js';
import { builder } from './builder.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** What both stages' results say of the response cache and of fallbacks. */
export function addCacheAndFallbackFields(
  ref: ObjectRef<Types, ExtractionResult> | ObjectRef<Types, SpecializationResult>,
): void {
  builder.objectFields(ref as ObjectRef<Types, ExtractionResult | SpecializationResult>, (t) => ({
    cached: t.boolean({
      description: 'answered from the response cache: no model call, zero usage (the tokens stay with cachedFrom)',
      resolve: (s) => s.cached === true,
    }),
    cachedFrom: t.id({
      nullable: true,
      description: 'the run that paid for a cached answer',
      resolve: (s) => s.cachedFrom ?? null,
    }),
    modelsTried: t.stringList({
      description: 'the models that failed before the one that answered (fallbacks), in order',
      resolve: (s) => s.modelsTried ?? [],
    }),
  }));
}
