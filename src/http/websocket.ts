import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { presentedKey } from '../access/key-ring.js';
import type { App } from '../app.js';
import { type Caller, callerFor } from './use-access.js';

type EnvelopedExec = {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

/**
 * graphql-ws on the same path as HTTP (`/graphql`), through Yoga's envelop so
 * that limits, masking and context are the same as over SSE.
 */
export function attachWebSocket(server: Server, app: App): WebSocketServer {
  const wss = new WebSocketServer({ server, path: app.yoga.graphqlEndpoint });
  useServer<Record<string, unknown> | undefined, { caller?: Caller }>(
    {
      // the same keys as HTTP, from connectionParams: { authorization: 'Bearer <key>' } or { 'x-api-key': '<key>' }
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const param = (name: string) => {
          const value =
            params[name] ?? params[name.toLowerCase()] ?? (name === 'x-api-key' ? params.apiKey : undefined);
          return typeof value === 'string' ? value : undefined;
        };
        const principal = app.keys.verify(presentedKey(param));
        if (!principal) {
          app.runtime.metrics.operationRejected('unauthenticated');
          return false;
        }
        ctx.extra.caller = callerFor(app.keys, principal, ctx.extra.request.socket.remoteAddress);
        return true;
      },
      execute: (args) => (args.rootValue as EnvelopedExec).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedExec).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          caller: ctx.extra.caller,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );
  return wss;
}
