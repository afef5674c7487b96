import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type Budgets, budgetMessage } from '../access/budgets.js';
import { type KeyRing, type Principal, presentedKey } from '../access/key-ring.js';
import type { RateLimiter } from '../access/rate-limiter.js';
import type { ErrorCode } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { operationCost } from './operation-cost.js';
import { isRestRoute, PUBLIC_PATHS } from './paths.js';
import { rateLimitMessage, refusal } from './refusal.js';

/** A browser asking for the GraphiQL page itself (static); the operations it then sends carry a key. */
export function isGraphiQLPage(request: Request, url: URL, graphiql: boolean): boolean {
  return (
    graphiql &&
    request.method === 'GET' &&
    request.headers.get('accept')?.includes('text/html') === true &&
    !url.searchParams.has('query') &&
    !url.searchParams.has('documentId')
  );
}

export interface Caller {
  principal: Principal;
  /** the rate limit's bucket: the key's name, or the client address on an open server */
  bucket: string;
}

/**
 * API keys, roles and the per-caller rate limit, for every transport:
 * HTTP requests (GraphQL over JSON, SSE, multipart, and the REST route) are
 * authenticated as they arrive; WebSocket connections bring their principal
 * in the context (see websocket.ts). A `read` key may query and subscribe but
 * not run a mutation. The rate limit counts what costs money: one per
 * operation, and one per root field of a mutation (see operation-cost.ts);
 * an operation the bucket cannot pay for whole is refused whole.
 */
export function useAccess(o: {
  keys: KeyRing;
  limiter?: RateLimiter;
  /** daily token budgets, checked before any mutation or REST run */
  budgets?: Budgets;
  metrics: Metrics;
  graphiql: boolean;
}): Plugin {
  /** BUDGET_EXCEEDED when the key's daily tokens are spent: before any work, so no model is called */
  const overBudget = async (principal: Principal) => {
    const refused = await o.budgets?.check(principal);
    if (!refused) return undefined;
    o.metrics.operationRejected('budget_exceeded');
    o.metrics.budgetRefused(principal.name);
    return { message: budgetMessage(principal.name, refused), retryAfter: String(refused.retryAfterSeconds) };
  };

  const refuse = (code: ErrorCode, message: string, status: number, headers: Record<string, string> = {}) =>
    new GraphQLError(message, { extensions: { code, http: { status, headers } } });

  /** The refusal of an operation, or who runs it, what kind it is and its cost in rate-limit tokens (not taken yet). */
  const check = (
    context: Record<string, unknown>,
    document: Parameters<typeof getOperationAST>[0],
    name?: string | null,
  ) => {
    const caller = callerOf(context, callers);
    // every request and WebSocket connection is authenticated on arrival: no caller means none was
    if (!caller) {
      o.metrics.operationRejected('unauthenticated');
      return refuse('UNAUTHENTICATED', 'A valid API key is required.', 401);
    }
    const operation = getOperationAST(document, name)?.operation;
    if (operation === 'mutation' && caller.principal.role !== 'orchestrate') {
      o.metrics.operationRejected('forbidden');
      return refuse(
        'FORBIDDEN',
        `The key "${caller.principal.name}" has the read role: it may query and subscribe, not run mutations.`,
        403,
      );
    }
    if (!o.limiter) return { caller, operation, cost: 0 };
    const cost = operationCost(document, name);
    if (cost > o.limiter.perMinute) {
      // no wait makes it fit: say so rather than send a Retry-After
      o.metrics.operationRejected('rate_limited');
      return refuse(
        'RATE_LIMITED',
        `This operation runs ${cost} mutations, more than the rate limit of ${o.limiter.perMinute} a minute allows at once; send fewer per operation.`,
        429,
      );
    }
    return { caller, operation, cost };
  };

  /**
   * RATE_LIMITED when the caller's bucket cannot pay `cost` now; otherwise the tokens are taken. Asked last,
   * on every transport: an operation or REST run refused for anything else spends none.
   */
  const overRateLimit = (caller: Caller, cost: number) => {
    if (!o.limiter) return undefined;
    const taken = o.limiter.take(caller.bucket, cost);
    if (taken.ok) return undefined;
    o.metrics.operationRejected('rate_limited');
    const message = rateLimitMessage(o.limiter.perMinute, cost, taken.retryAfterSeconds);
    return { message, retryAfter: String(taken.retryAfterSeconds) };
  };

  /** a GraphQL operation's tokens */
  const takeTokens = ({ caller, cost }: { caller: Caller; cost: number }): GraphQLError | undefined => {
    const limited = overRateLimit(caller, cost);
    return limited && refuse('RATE_LIMITED', limited.message, 429, { 'retry-after': limited.retryAfter });
  };

  /**
   * The REST route's checks after authentication: it is one run, so its role, budget and rate limit apply
   * here. A promise only when there is a budget to read, as for GraphQL mutations (onExecute).
   */
  const admitRun = (
    principal: Principal,
    caller: Caller,
    url: URL,
  ): Response | undefined | Promise<Response | undefined> => {
    if (principal.role !== 'orchestrate') {
      o.metrics.operationRejected('forbidden');
      const message = `The key "${principal.name}" has the read role: it may not run pipelines.`;
      return refusal(url, 'FORBIDDEN', message);
    }
    if (!o.budgets?.applies(principal)) return rateLimitRun(caller, url);
    return overBudget(principal).then((spent) =>
      spent
        ? refusal(url, 'BUDGET_EXCEEDED', spent.message, { headers: { 'retry-after': spent.retryAfter } })
        : rateLimitRun(caller, url),
    );
  };

  /** a REST run's one token, after the budget: a run refused for its budget takes none */
  const rateLimitRun = (caller: Caller, url: URL): Response | undefined => {
    const limited = overRateLimit(caller, 1);
    return limited && refusal(url, 'RATE_LIMITED', limited.message, { headers: { 'retry-after': limited.retryAfter } });
  };

  return {
    // synchronous but for the REST route's budget: an async hook makes each request wait a microtask turn
    onRequest({ request, url, endResponse, serverContext }) {
      // every other path is guarded, whatever spelling of /graphql Yoga accepts (/graphql/, //graphql)
      if (PUBLIC_PATHS.has(url.pathname) || isGraphiQLPage(request, url, o.graphiql)) return;
      const principal = o.keys.verify(presentedKey((h) => request.headers.get(h)));
      if (!principal) {
        o.metrics.operationRejected('unauthenticated');
        const message = 'A valid API key is required: send Authorization: Bearer <key> or x-api-key.';
        return endResponse(
          refusal(url, 'UNAUTHENTICATED', message, {
            headers: { 'www-authenticate': 'Bearer realm="genesys-llm-orchestrator"' },
          }),
        );
      }
      const address = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket
        ?.remoteAddress;
      const caller = callerFor(o.keys, principal, address);
      callers.set(request, caller);
      // GraphQL operations are checked per operation (onExecute, onSubscribe); the REST route is one run
      if (!isRestRoute(url)) return;
      const refused = admitRun(principal, caller, url);
      if (!(refused instanceof Promise)) {
        if (refused) endResponse(refused);
        return;
      }
      return refused.then((late) => {
        if (late) endResponse(late);
      });
    },
    onContextBuilding({ context, extendContext }) {
      const caller = callerOf(context as Record<string, unknown>, callers);
      if (caller) extendContext({ caller } as never);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as unknown as Record<string, unknown>;
      const checked = check(context, args.document, args.operationName);
      if (checked instanceof GraphQLError) return setResultAndStopExecution({ errors: [checked] });
      // async only when there is a budget to read: otherwise the operation need not wait a microtask turn
      if (checked.operation !== 'mutation' || !o.budgets?.applies(checked.caller.principal)) {
        const limited = takeTokens(checked);
        return limited ? setResultAndStopExecution({ errors: [limited] }) : undefined;
      }
      // the budget before the tokens, as on the REST route: a key past its budget keeps being told so
      // (Retry-After: midnight), not RATE_LIMITED once its refused attempts have spent its tokens
      return overBudget(checked.caller.principal).then((spent) => {
        const refused = spent
          ? refuse('BUDGET_EXCEEDED', spent.message, 429, { 'retry-after': spent.retryAfter })
          : takeTokens(checked);
        if (refused) setResultAndStopExecution({ errors: [refused] });
      });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const checked = check(args.contextValue as unknown as Record<string, unknown>, args.document, args.operationName);
      const refused = checked instanceof GraphQLError ? checked : takeTokens(checked);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
  };
}

export function callerFor(keys: KeyRing, principal: Principal, address: string | undefined): Caller {
  return { principal, bucket: keys.isOpen ? `ip:${address ?? 'local'}` : `key:${principal.name}` };
}

/** The caller of an operation: set on the context by onContextBuilding (HTTP) or by the WebSocket server. */
/** Each HTTP request's caller, once useAccess has authenticated it. */
const callers = new WeakMap<Request, Caller>();

/** The caller of an HTTP request (REST included), as useAccess authenticated it. */
export function callerOfRequest(request: Request): Caller | undefined {
  return callers.get(request);
}

function callerOf(context: Record<string, unknown>, callers: WeakMap<Request, Caller>): Caller | undefined {
  if (context.caller) return context.caller as Caller;
  const request = context.request as Request | undefined;
  return request ? callers.get(request) : undefined;
}
