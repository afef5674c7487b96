import type { ExtractionResult } from '../pipeline/types.js';
import { builder } from './builder.js';
import { addCacheAndFallbackFields } from './stage-fields.js';
import { TokenUsageRef } from './token-usage.js';

export const ExtractionRef = builder.objectRef<ExtractionResult>('Extraction').implement({
  description: "The extraction model's reading of the customer's words",
  fields: (t) => ({
    entities: t.expose('entities', { type: 'JSON' }),
    model: t.exposeString('model'),
    usage: t.expose('usage', { type: TokenUsageRef }),
    latencyMs: t.exposeInt('latencyMs'),
    attempts: t.exposeInt('attempts', { description: 'model calls made, retries and a repair request included' }),
  }),
});

addCacheAndFallbackFields(ExtractionRef);
