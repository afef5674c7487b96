/**
 * The allow-list id an operation names, as `sha256:<hash>`: `documentId`
 * (GraphQL Code Generator's persisted documents) or the APQ form
 * `extensions.persistedQuery.sha256Hash`; undefined when it names none.
 * The same over HTTP and WebSocket.
 */
export function persistedOperationId(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const body = params as { documentId?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } | null };
  const id = body.documentId ?? body.extensions?.persistedQuery?.sha256Hash;
  if (typeof id !== 'string') return undefined;
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}
