import { AppError } from '../errors.js';
import { builder } from './builder.js';

const RoleEnum = builder.enumType('Role', {
  description: 'ORCHESTRATE may start and resume runs; READ may query and subscribe',
  values: { ORCHESTRATE: { value: 'orchestrate' }, READ: { value: 'read' } } as const,
});

const ViewerRef = builder.objectRef<{ name: string; role: 'orchestrate' | 'read' }>('Viewer').implement({
  description: 'The key this request was made with, so a client can offer only what it may do',
  fields: (t) => ({
    name: t.exposeString('name', { description: '"anonymous" when the server has no keys' }),
    role: t.expose('role', { type: RoleEnum }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    resolve: (_, __, ctx) => {
      // useAccess lets no operation through without a caller: none here would be a bug, never a grant
      if (!ctx.caller) throw new AppError('UNAUTHENTICATED', 'A valid API key is required.');
      return ctx.caller.principal;
    },
  }),
);
