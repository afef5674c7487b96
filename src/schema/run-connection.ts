import { builder } from './builder.js';
import { OrchestrationRunRef, type RunView } from './orchestration-run.js';

export interface RunEdgeShape {
  cursor: string;
  node: RunView;
}

export interface RunConnectionShape {
  edges: RunEdgeShape[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>(
    'PageInfo',
  )
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
      startCursor: t.exposeString('startCursor', { nullable: true }),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

const RunEdgeRef = builder.objectRef<RunEdgeShape>('RunEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.expose('node', { type: OrchestrationRunRef }),
  }),
});

export const RunConnectionRef = builder.objectRef<RunConnectionShape>('RunConnection').implement({
  description: 'A page of runs, newest first (Relay connection)',
  fields: (t) => ({
    edges: t.expose('edges', { type: [RunEdgeRef] }),
    nodes: t.field({ type: [OrchestrationRunRef], resolve: (c) => c.edges.map((e) => e.node) }),
    pageInfo: t.field({
      type: PageInfoRef,
      resolve: (c) => ({
        hasNextPage: c.hasNextPage,
        hasPreviousPage: c.hasPreviousPage,
        startCursor: c.edges[0]?.cursor ?? null,
        endCursor: c.edges[c.edges.length - 1]?.cursor ?? null,
      }),
    }),
  }),
});
