import { type JITCache, useGraphQlJit } from '@envelop/graphql-jit';
import { normalizedExecutor } from '@graphql-tools/executor';
import {
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  Kind,
  locatedError,
  visit,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** Distinct documents whose compiled form is kept: more than the operations any client of ours sends. */
export const COMPILED_DOCUMENTS_MAX = 500;

/**
 * Runs queries and mutations as code compiled once per document (graphql-jit)
 * instead of graphql-js walking the document on every request. Only where
 * graphql-jit is known to be correct; everything else takes the normal path:
 * - @defer and @stream anywhere (fragments included): graphql-jit has no
 *   incremental delivery, useDeferStream's executor does;
 * - subscriptions: graphql-ws and SSE stay on the executor they were tested with;
 * - a document of several operations: the plugin caches by document, not by
 *   operation name, so a second operation of the same document would run the first;
 * - a selection set with a fragment (spread or inline) before another selection:
 *   graphql-jit collects a fragment's fields after the rest of its selection set
 *   (and sibling fragments last first), so the response's keys would not be in
 *   the order the document asks for (GraphQL spec, CollectFields);
 * - @skip and @include anywhere: graphql-jit keeps a field's condition on the
 *   shared AST node, so a fragment spread in two places under different
 *   conditions answers both with one of them (graphql-jit issues #111, #166;
 *   its fix is behind an option it calls experimental);
 * - a document graphql-jit cannot compile: the plugin would answer it with
 *   the compilation's errors for as long as it stays cached.
 */
export function useCompiledExecution(onError: (errors: unknown) => void): Plugin {
  const jit = useGraphQlJit(
    {},
    {
      enableIf: (args: ExecutionArgs) => compilable(args.document) && compiles(args, onError),
      onError: (result) => onError(result.errors),
      // the plugin's own WeakMap follows the parse cache's documents; this bounds the by-text cache
      cache: new BoundedCache(COMPILED_DOCUMENTS_MAX),
    },
  ) as Plugin;
  const relocate: Plugin = {
    // before useMaskedErrors (Yoga adds it after our plugins), which reads an error's nodes
    onExecute({ args, setExecuteFn }) {
      if (!compilable(args.document) || !compiles(args, onError)) return;
      // graphql-jit answers a bad variable with a generic message, no location, and 200: graphql-js's coercion does not
      const definitions = getOperationAST(args.document)?.variableDefinitions;
      if (definitions?.length) {
        const coerced = getVariableValues(args.schema, definitions, args.variableValues ?? {});
        if (coerced.errors) {
          // graphql-js's executor with its own coercion: the same errors, status and hooks as without compilation
          setExecuteFn(normalizedExecutor as never);
          return;
        }
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length) return;
          // errors first, as graphql-js puts them
          const { errors, ...rest } = result;
          setResult({ errors: errors.map((e) => withNodes(e, args.document)), ...rest });
        },
      };
    },
  };
  return { onPluginInit: ({ addPlugin }) => [jit, relocate].forEach(addPlugin) };
}

/**
 * graphql-jit's errors carry line and column but no AST nodes, and Yoga
 * serialises an error's locations from its nodes: give it the field nodes
 * back, as graphql-js's own locatedError would have.
 */
function withNodes(error: GraphQLError, document: DocumentNode): GraphQLError {
  if (error.nodes?.length || !error.locations?.length) return error;
  const fields = fieldsByPlace(document);
  const nodes = error.locations
    .map((l) => fields.get(`${l.line}:${l.column}`))
    .filter((n): n is FieldNode => n !== undefined);
  if (!nodes.length) return error;
  const cause = error.originalError;
  return cause
    ? locatedError(cause, nodes, error.path)
    : new GraphQLError(error.message, { nodes, path: error.path, extensions: error.extensions });
}

const placesByDocument = new WeakMap<DocumentNode, Map<string, FieldNode>>();

function fieldsByPlace(document: DocumentNode): Map<string, FieldNode> {
  let places = placesByDocument.get(document);
  if (!places) {
    const found = new Map<string, FieldNode>();
    visit(document, {
      Field(node) {
        if (node.loc) found.set(`${node.loc.startToken.line}:${node.loc.startToken.column}`, node);
      },
    });
    places = found;
    placesByDocument.set(document, places);
  }
  return places;
}

const verdicts = new WeakMap<DocumentNode, boolean>();

/** One query or mutation, no directive anywhere, and a fragment only as the last selection of its set. */
export function compilable(document: DocumentNode): boolean {
  let verdict = verdicts.get(document);
  if (verdict === undefined) {
    verdict = decide(document);
    verdicts.set(document, verdict);
  }
  return verdict;
}

function decide(document: DocumentNode): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]?.operation === 'subscription') return false;
  let ok = true;
  visit(document, {
    // @defer and @stream (no incremental delivery), @skip and @include (conditions kept on shared nodes)
    Directive() {
      ok = false;
    },
    SelectionSet(node) {
      const last = node.selections.length - 1;
      if (node.selections.some((sel, i) => i < last && sel.kind !== Kind.FIELD)) ok = false;
    },
  });
  return ok;
}

const compiled = new WeakMap<DocumentNode, boolean>();

/** Whether graphql-jit compiles the document at all: checked once per document, before the plugin caches anything. */
function compiles(args: ExecutionArgs, onError: (errors: unknown) => void): boolean {
  let verdict = compiled.get(args.document);
  if (verdict === undefined) {
    const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    verdict = isCompiledQuery(result);
    if (!verdict) onError((result as { errors?: unknown }).errors);
    compiled.set(args.document, verdict);
  }
  return verdict;
}

type Entry = Parameters<JITCache['set']>[1];

/** Least recently used goes first: distinct documents from a hostile client cannot grow it. */
export class BoundedCache implements JITCache {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, value: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }
}
