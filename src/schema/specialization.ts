import type { SpecializationResult } from '../pipeline/types.js';
import { builder } from './builder.js';
import { addCacheAndFallbackFields } from './stage-fields.js';

export const DeciderEnum = builder.enumType('Decider', {
  description: "Who decided a verdict: the domain model, or one of the pipeline's rules (no model call)",
  values: ['MODEL', 'RULES'] as const,
});

import { TokenUsageRef } from './token-usage.js';

export const SpecializationRef = builder.objectRef<SpecializationResult>('Specialization').implement({
  description: "The verdict on the extracted request: the domain model's, or a pipeline rule's",
  fields: (t) => ({
    isValid: t.exposeBoolean('isValid'),
    reason: t.exposeString('reason'),
    nextSteps: t.exposeStringList('nextSteps'),
    decidedBy: t.field({
      type: DeciderEnum,
      // a verdict stored before pipelines existed was the model's
      resolve: (s) => s.decidedBy ?? 'MODEL',
    }),
    rule: t.string({
      nullable: true,
      description: 'the rule that decided, when decidedBy is RULES',
      resolve: (s) => s.rule ?? null,
    }),
    model: t.exposeString('model', { description: 'the model that answered; "rules" when a rule decided' }),
    usage: t.expose('usage', { type: TokenUsageRef }),
    latencyMs: t.exposeInt('latencyMs'),
    attempts: t.exposeInt('attempts', { description: 'model calls made, retries and a repair request included' }),
  }),
});

addCacheAndFallbackFields(SpecializationRef);
