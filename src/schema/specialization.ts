import type { SpecializationResult } from '../pipeline/types.js';
import { builder } from './builder.js';
import { TokenUsageRef } from './token-usage.js';

export const SpecializationRef = builder.objectRef<SpecializationResult>('Specialization').implement({
  description: "The domain model's verdict on the extracted request",
  fields: (t) => ({
    isValid: t.exposeBoolean('isValid'),
    reason: t.exposeString('reason'),
    nextSteps: t.exposeStringList('nextSteps'),
    model: t.exposeString('model'),
    usage: t.expose('usage', { type: TokenUsageRef }),
    latencyMs: t.exposeInt('latencyMs'),
    attempts: t.exposeInt('attempts', { description: 'model calls made, retries and a repair request included' }),
  }),
});
