import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { schema } from './index.js';

/** The SDL clients see, with the @defer/@stream directives the server adds. */
export function printServedSchema(): string {
  const served = createYoga({ schema, plugins: [useDeferStream()] }).getEnveloped({}).schema;
  return `${printSchema(lexicographicSortSchema(served))}\n`;
}
