import type { CompiledPipeline } from '../pipeline/definition/types.js';
import type { PipelineRef } from '../pipeline/run.js';
import { builder } from './builder.js';

export const PipelineRefRef = builder.objectRef<PipelineRef>('PipelineRef').implement({
  description: 'The pipeline a run runs, in the version it started with',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeString('version', {
      description: 'hash of the definition; "legacy" for a run stored before pipelines existed',
    }),
  }),
});

export const PipelineObjectRef = builder.objectRef<CompiledPipeline>('Pipeline').implement({
  description: "A contact centre's pipeline: its entities, rules and models, as served now",
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeString('version', { description: 'hash of the definition: a change is a new version' }),
    description: t.string({ nullable: true, resolve: (p) => p.description ?? null }),
    entitySchema: t.field({
      type: 'JSON',
      description: 'JSON Schema (2020-12) of the entities the extraction returns',
      resolve: (p) => p.definition.extraction.schema,
    }),
    ruleIds: t.stringList({
      description: 'the rules checked after the extraction, in order',
      resolve: (p) => p.rules.map((r) => r.id),
    }),
    extractionModel: t.string({ resolve: (p) => p.definition.extraction.model }),
    specializationModel: t.string({ resolve: (p) => p.definition.specialization.model }),
  }),
});
