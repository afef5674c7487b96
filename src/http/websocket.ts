import type { Server } from 'node:http';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { presentedKey } from '../access/key-ring.js';
import type { App } from '../app.js';
import { OriginPolicy, verifyWebSocketOrigin } from './origin-policy.js';
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
  const wss = new WebSocketServer({
    server,
    path: app.yoga.graphqlEndpoint,
    verifyClient: verifyWebSocketOrigin(new OriginPolicy(app.runtime.config.corsOrigins), app.runtime.metrics),
  });
  useServer<Record<string, unknown> | undefined, { caller?: Caller }>(
    {
      // the same keys as HTTP, from connectionParams: { authorization: 'Bearer <key>' } or { 'x-api-key': '<key>' },
      // names in any letter case, as HTTP header names are
      onConnect: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const param = (name: string) => {
          const key = Object.keys(params).find((k) => k.toLowerCase() === name);
          const value = key !== undefined ? params[key] : name === 'x-api-key' ? params.apiKey : undefined;
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
      // graphql-ws closes the socket on a subscribe message without a query string, before any hook of ours
      // runs; a persisted operation names its document instead, so it is given an empty query to pass
      jsonMessageReviver: app.runtime.config.persistedOperations ? queryOptionalWhenPersisted : undefined,
      execute: (args) => (args.rootValue as EnvelopedExec).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedExec).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        if (app.state === 'draining') {
          return [coded('The server is shutting down; try another instance.', 'SHUTTING_DOWN')];
        }
        const source = operationText(params, app.runtime.config.persistedOperations);
        if (source instanceof GraphQLError) return [source];
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          caller: ctx.extra.caller,
          // the per-connection subscription limit counts by it (use-subscription-limits.ts)
          connection: ctx.extra.socket,
          params: { ...params, query: source },
        });
        // a bad operation answers that operation with errors; it must not close the socket (and the others on it)
        let document: DocumentNode;
        try {
          document = parse(source);
          const errors = validate(schema, document);
          if (errors.length) return errors;
        } catch (err) {
          return [err instanceof GraphQLError ? err : coded('The operation could not be read.', 'BAD_USER_INPUT')];
        }
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  return wss;
}

/**
 * A JSON.parse reviver for incoming messages: a subscribe message that names a
 * persisted operation (`documentId` or `extensions.persistedQuery`) and has no
 * `query` gets `query: ''`; operationText then reads the allow-list as usual.
 */
function queryOptionalWhenPersisted(key: string, value: unknown): unknown {
  // the whole message comes last, under the key ''
  if (key !== '' || !isObject(value) || value.type !== 'subscribe' || !isObject(value.payload)) return value;
  const payload = value.payload;
  const named =
    typeof payload.documentId === 'string' || (isObject(payload.extensions) && 'persistedQuery' in payload.extensions);
  if (payload.query != null || !named) return value;
  return { ...value, payload: { ...payload, query: '' } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * The operation's text. In persisted-operations mode it comes from the
 * allow-list by `documentId` or `extensions.persistedQuery.sha256Hash`, as over HTTP.
 */
function operationText(
  params: { query?: string | null; extensions?: Record<string, unknown> | null },
  allowList: Record<string, string> | undefined,
): string | GraphQLError {
  if (!allowList) return params.query ?? '';
  const persisted = params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  const id = (params as { documentId?: unknown }).documentId ?? persisted?.sha256Hash;
  if (typeof id !== 'string') {
    return coded(
      'This server accepts persisted operations only: send documentId, not query text.',
      'PERSISTED_QUERY_ONLY',
    );
  }
  return (
    allowList[id.startsWith('sha256:') ? id : `sha256:${id}`] ??
    coded('No persisted operation has this id.', 'PERSISTED_QUERY_NOT_FOUND')
  );
}
