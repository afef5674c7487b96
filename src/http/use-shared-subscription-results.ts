import { execute } from '@graphql-tools/executor';
import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  visit,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Principal } from '../access/key-ring.js';
import { copyWith } from '../copy-with.js';
import { nextOf } from './next-of.js';
import type { Caller } from './use-access.js';

/**
 * One execution per event for every subscriber that asked the same thing.
 *
 * GraphQL executes a subscription's document once per event per subscriber
 * (MapSourceToResponseEvent). 10,000 dashboards on `pipelineEvents` would
 * execute the same document over the same event 10,000 times. Here the first
 * subscriber to reach an event executes it; every other subscriber whose
 * document, operation, variables and caller are the same gets the same
 * result object, which the SSE response (sse-response.ts) also serialises
 * only once. Subscribers still each run the field's own `subscribe` (access,
 * history replay, gap repair), so what each receives and when is unchanged.
 *
 * Shared only when sharing cannot be told apart:
 * - the event is one object handed to every subscriber (the bus delivers the
 *   same object to all its listeners; a replayed event read from the store is
 *   a fresh object and is executed for its subscriber alone);
 * - the caller (its key's name and role) is part of the key, and the shared
 *   execution sees a context holding only that caller: a field that ever
 *   depends on who asks is answered per caller, and nothing of one
 *   subscriber's request (its connection, loaders, signal) reaches the
 *   execution another receives;
 * - documents with @defer or @stream (incremental results) and execution
 *   arguments the executor refuses take the executor's own path, unchanged.
 */
export function useSharedSubscriptionResults(): Plugin {
  const shared = new SharedResults();
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      if (!shareable(args.document)) return;
      setSubscribeFn((subscribeArgs) => shared.subscribe(subscribeArgs, subscribeFn));
    },
  };
}

type Subscribe = (args: ExecutionArgs) => unknown;

/** Executions of one event, by subscriber key: dropped with the event. */
type ByKey = Map<string, Promise<ExecutionResult> | ExecutionResult>;

class SharedResults {
  private readonly byEvent = new WeakMap<object, ByKey>();
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 0;

  async subscribe(args: ExecutionArgs, fallback: Subscribe): Promise<unknown> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) {
      // refused before the field's subscribe ran (no such operation, variables that do not coerce): the
      // executor's own answer, with its status and codes, from its own path; the field's own failure stands
      return refusedArguments(source) ? fallback(args) : source;
    }
    const caller = (args.contextValue as { caller?: Caller } | undefined)?.caller?.principal;
    const key = this.keyOf(args, caller);
    // what every subscriber with this key may share: nothing of this one's request, nor its signal
    const base = copyWith(args, {
      contextValue: { caller: caller && { principal: caller } },
      // the executor's (@graphql-tools) arguments also carry the request's signal
      signal: undefined,
    } satisfies Partial<ExecutionArgs & { signal: AbortSignal }>);
    const stream = new SharedResultStream(
      source[Symbol.asyncIterator](),
      (event) => this.resultOf(event, key, base),
      operationOf(args),
    );
    // as the executor's own subscribe does: the request's end (a client gone, a cancelled operation) ends the stream
    const signal = (args as { signal?: AbortSignal }).signal;
    if (signal) stream.endWith(signal);
    return stream;
  }

  private resultOf(event: unknown, key: string, args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult {
    if (typeof event !== 'object' || event === null) return this.run(event, args);
    let byKey = this.byEvent.get(event);
    if (!byKey) {
      byKey = new Map();
      this.byEvent.set(event, byKey);
    }
    let result = byKey.get(key);
    if (!result) {
      result = this.run(event, args);
      byKey.set(key, result);
    }
    return result;
  }

  private run(event: unknown, args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult {
    // a subscription document executed over one event: what MapSourceToResponseEvent does
    return execute(copyWith(args, { rootValue: event } satisfies Partial<ExecutionArgs>)) as
      | Promise<ExecutionResult>
      | ExecutionResult;
  }

  private keyOf(args: ExecutionArgs, caller: Principal | undefined): string {
    let id = this.documentIds.get(args.document);
    if (id === undefined) {
      id = this.nextDocumentId++;
      this.documentIds.set(args.document, id);
    }
    return JSON.stringify([id, args.operationName ?? null, args.variableValues ?? null, caller?.name, caller?.role]);
  }
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

const yielded = (value: ExecutionResult): IteratorResult<ExecutionResult> => ({ value, done: false });

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A subscriber's events, each mapped to its (shared) result; `return()` reaches the source at once. */
class SharedResultStream implements AsyncIterableIterator<ExecutionResult> {
  private offAbort: (() => void) | undefined;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly resultOf: (event: unknown) => Promise<ExecutionResult> | ExecutionResult,
    /** the operation, which an error of the source is located at */
    private readonly operation: readonly OperationDefinitionNode[],
  ) {}

  /** ends the stream (and lets go of its source) when `signal` aborts */
  endWith(signal: AbortSignal): void {
    // a source whose return() fails has nothing more to give back: not an unhandled rejection
    const end = () => void this.return().catch(() => {});
    if (signal.aborted) {
      end();
      return;
    }
    signal.addEventListener('abort', end, { once: true });
    this.offAbort = () => signal.removeEventListener('abort', end);
  }

  // then() rather than async/await: this runs once per event per subscriber, and each await, even of a
  // result already at hand, is one more promise and turn of the microtask queue for all 10,000 of them
  next(): Promise<IteratorResult<ExecutionResult>> {
    return nextOf(this.source).then(
      (event) => {
        if (event.done) {
          this.offAbort?.();
          return DONE;
        }
        const result = this.resultOf(event.value);
        return isPromise(result) ? result.then(yielded) : yielded(result);
      },
      async (err: unknown) => {
        // a source that failed has ended: let go of what it holds, then fail the operation as the executor does
        await this.return().catch(() => {});
        throw new GraphQLError(err instanceof Error ? err.message : String(err), {
          originalError: err instanceof Error ? err : undefined,
          nodes: this.operation,
        });
      },
    );
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.offAbort?.();
    this.offAbort = undefined;
    await this.source.return?.();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
    if (this.source.throw) await this.source.throw(err);
    else await this.source.return?.();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function operationOf(args: ExecutionArgs): OperationDefinitionNode[] {
  return args.document.definitions.filter(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || d.name?.value === args.operationName),
  );
}

const shareableDocuments = new WeakMap<DocumentNode, boolean>();

/** No @defer or @stream anywhere in the document: each event is one plain result. */
function shareable(document: DocumentNode): boolean {
  let verdict = shareableDocuments.get(document);
  if (verdict === undefined) {
    let incremental = false;
    visit(document, {
      Directive(node) {
        if (node.name.value === 'defer' || node.name.value === 'stream') incremental = true;
      },
    });
    verdict = !incremental;
    shareableDocuments.set(document, verdict);
  }
  return verdict;
}

/**
 * Whether the errors are graphql-js's refusal of the arguments themselves
 * (buildExecutionContext's), which come before any resolver runs and carry no
 * path; an error of the field's `subscribe` is located at the field's path.
 */
function refusedArguments(result: ExecutionResult): boolean {
  return (result.errors ?? []).every((e) => e.path === undefined);
}
