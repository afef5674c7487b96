import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { App } from '../app.js';

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
  useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedExec).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedExec).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
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
