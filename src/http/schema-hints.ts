import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js's hints, in every form it writes them: `Did you mean "runs"?`,
 * `Did you mean "a", "b", or "c"?`, `Did you mean the enum value "FAILED"?`,
 * `Did you mean to use an inline fragment on "X"?`. Names hold no "?".
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * An error without what it would tell of the schema or of a body the server
 * could not read: no name suggestions, and of `extensions.originalError`
 * (where Yoga puts the JSON parser's message, which quotes the body) only the
 * name. Yoga reads that entry to answer 400 rather than 200: it stays.
 */
export function withoutSchemaHints(error: Error): Error {
  if (!(error instanceof GraphQLError)) return error;
  const message = error.message.replace(SUGGESTION, '');
  const quoted = error.extensions.originalError as { name?: unknown; message?: unknown } | undefined;
  if (message === error.message && quoted?.message === undefined) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: quoted ? { ...error.extensions, originalError: { name: quoted.name } } : error.extensions,
  });
}

/**
 * With introspection off (production), errors must not hand the schema back
 * name by name. Validation errors are cleaned here; execution errors (variables
 * that do not fit their types) and request errors pass through `maskError`,
 * which app.ts wraps in `withoutSchemaHints`. Both hold for HTTP, SSE and
 * WebSocket, which all go through Yoga's envelop.
 */
export function useHideSchemaHints(): Plugin {
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map(withoutSchemaHints));
      },
  };
}
