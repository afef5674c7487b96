import type { Server } from 'node:http';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { type KeyRing, presentedKey } from '../access/key-ring.js';
import type { Context } from '../context.js';
import { copyWith } from '../copy-with.js';
import { SHUTTING_DOWN_MESSAGE } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { type OriginPolicy, verifyWebSocketOrigin } from './origin-policy.js';
import { persistedOperationId } from './persisted-operation-id.js';
import { type Caller, callerFor } from './use-access.js';

type EnvelopedExec = {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

/** What the WebSocket server needs of the app, and nothing more. */
export interface WebSocketOptions {
  /** the Yoga instance whose envelop (plugins, limits, masking, context) every operation goes through */
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  keys: KeyRing;
  metrics: Metrics;
  origins: OriginPolicy;
  /** PERSISTED_OPERATIONS_FILE's allow-list, when only its operations run */
  persistedOperations?: Record<string, string>;
  isDraining: () => boolean;
  /** the largest message taken, before anything parses it (the HTTP body limit) */
  maxPayload: number;
}

/**
 * graphql-ws on the same path as HTTP (`/graphql`), through Yoga's envelop so
 * that limits, masking and context are the same as over SSE.
 */
export function attachWebSocket(server: Server, o: WebSocketOptions): WebSocketServer {
  const wss = new WebSocketServer({
    server,
    path: o.yoga.graphqlEndpoint,
    verifyClient: verifyWebSocketOrigin(o.origins, o.metrics),
    // ws would buffer and parse 100 MiB before onConnect can refuse a client without a key
    maxPayload: o.maxPayload,
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
        const principal = o.keys.verify(presentedKey(param));
        if (!principal) {
          o.metrics.operationRejected('unauthenticated');
          return false;
        }
        ctx.extra.caller = callerFor(o.keys, principal, ctx.extra.request.socket.remoteAddress);
        return true;
      },
      // graphql-ws closes the socket on a subscribe message without a query string, before any hook of ours
      // runs; a persisted operation names its document instead, so it is given an empty query to pass
      jsonMessageReviver: o.persistedOperations ? queryOptionalWhenPersisted : undefined,
      execute: (args) => (args.rootValue as EnvelopedExec).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedExec).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        if (o.isDraining()) return [coded(SHUTTING_DOWN_MESSAGE, 'SHUTTING_DOWN')];
        const source = operationText(params, o.persistedOperations);
        if (source instanceof GraphQLError) return [source];
        const { schema, execute, subscribe, contextFactory, parse, validate } = o.yoga.getEnveloped(
          copyWith(ctx, {
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            caller: ctx.extra.caller,
            // the per-connection subscription limit counts by it (use-subscription-limits.ts)
            connection: ctx.extra.socket,
            // the client's own payload: spread, not copyWith (an own __proto__ key stays a key)
            params: { ...params, query: source },
          }),
        );
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
  if (payload.query != null || persistedOperationId(payload) === undefined) return value;
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
  const id = persistedOperationId(params);
  if (id === undefined) {
    return coded(
      'This server accepts persisted operations only: send documentId, not query text.',
      'PERSISTED_QUERY_ONLY',
    );
  }
  return allowList[id] ?? coded('No persisted operation has this id.', 'PERSISTED_QUERY_NOT_FOUND');
}
