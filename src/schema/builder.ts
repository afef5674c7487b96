import SchemaBuilder from '@pothos/core';
import type { Context } from '../context.js';

/** The builder and its settings only; each domain object has its own file. */
export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: string; Output: string | Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  defaultFieldNullability: false,
});
