import type { TokenUsage } from '../pipeline/types.js';
import { builder } from './builder.js';

export const TokenUsageRef = builder.objectRef<TokenUsage>('TokenUsage').implement({
  description: 'Tokens billed by the gateway',
  fields: (t) => ({
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.exposeInt('totalTokens'),
  }),
});
