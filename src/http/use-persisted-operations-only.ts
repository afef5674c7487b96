import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { persistedOperationId } from './persisted-operation-id.js';

/**
 * Only operations of the allow-list run: a client sends `documentId`
 * ("sha256:<hash>", as GraphQL Code Generator's persisted documents do) or the
 * APQ form `extensions.persistedQuery.sha256Hash`; any other query text is
 * refused, so a leaked key cannot run arbitrary (or arbitrarily costly) operations.
 */
export function usePersistedOperationsOnly(allowList: Record<string, string>): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: (params) => persistedOperationId(params) ?? null,
    getPersistedOperation: (id) => allowList[id] ?? null,
    customErrors: {
      persistedQueryOnly: {
        message:
          'This server accepts persisted operations only: send documentId (or extensions.persistedQuery), not query text.',
        extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
      },
      notFound: {
        message: 'No persisted operation has this id.',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } },
      },
      keyNotFound: {
        message: 'Send documentId (or extensions.persistedQuery.sha256Hash).',
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      },
    },
  }) as Plugin;
}
