import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { SubscriptionSlots } from '../access/subscription-slots.js';
import type { Metrics } from '../observability/metrics.js';
import { nextOf } from './next-of.js';
import type { Caller } from './use-access.js';

/**
 * Subscriptions per caller (every transport) and per WebSocket, refused past
 * their limits with TOO_MANY_SUBSCRIPTIONS (HTTP 429 over SSE), and counted in
 * `orchestrator_subscriptions_open`. A slot is given back only once the
 * stream has let go: when it ends, fails, or its `return()` has settled, so
 * the gauge shows what is really held, and a refusal (a malformed or unknown
 * run id) is never counted as open.
 *
 * The caller comes from useAccess (HTTP) or the WebSocket server; the
 * connection from `context.connection`, which only websocket.ts sets (over SSE
 * each subscription is its own request).
 */
export function useSubscriptionLimits(slots: SubscriptionSlots, metrics: Metrics): Plugin {
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn, setResultAndStopExecution }) {
      const context = args.contextValue as { caller?: Caller; connection?: object };
      // no caller: useAccess has refused the operation already
      if (!context.caller) return;
      const slot = slots.take(context.caller.bucket, context.connection);
      if ('refused' in slot) {
        metrics.operationRejected('too_many_subscriptions');
        const holder = slot.refused === 'key' ? 'this API key (or client address)' : 'one WebSocket connection';
        setResultAndStopExecution({
          errors: [
            new GraphQLError(
              `At most ${slot.limit} subscriptions may be open at once for ${holder}; close one and subscribe again.`,
              { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', http: { status: 429 } } },
            ),
          ],
        });
        return;
      }
      metrics.subscriptionOpened();
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        slot.release();
        metrics.subscriptionClosed();
      };
      // a subscribe that throws never reaches onSubscribeResult
      setSubscribeFn(async (subscribeArgs) => {
        try {
          return await subscribeFn(subscribeArgs);
        } catch (err) {
          release();
          throw err;
        }
      });
      return {
        onSubscribeResult({ result, setResult }) {
          // an answer without a stream (a malformed id, a later plugin's refusal) holds nothing
          if (isAsyncIterable(result)) setResult(releasedWith(result, release));
          else release();
        },
      };
    },
  };
}

/** `source`, calling `release` once it has ended, failed, or finished returning. */
function releasedWith<T>(source: AsyncIterable<T>, release: () => void): AsyncIterableIterator<T> {
  const inner = source[Symbol.asyncIterator]();
  return {
    // then() rather than async/await: one promise fewer per event per subscriber
    next() {
      return nextOf(inner).then(
        (result) => {
          try {
            if (result.done) release();
          } catch (err) {
            // not an iterator result: the stream is broken, and gives its slot back as a failed one does
            release();
            throw err;
          }
          return result;
        },
        (err: unknown) => {
          release();
          throw err;
        },
      );
    },
    async return(value?: unknown) {
      try {
        return (await inner.return?.(value)) ?? { value: undefined, done: true };
      } finally {
        release();
      }
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
