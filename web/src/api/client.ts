import { Client, type CombinedError, fetchExchange } from '@urql/core';

/**
 * The console's GraphQL client: urql over the server's own /graphql, with
 * queries and mutations as POST (answered as JSON, or as multipart/mixed for
 * `@defer`) and subscriptions as Server-Sent Events over fetch, so every one
 * of them carries the key in a header (an EventSource could not).
 */
export function createApiClient(key: () => string | null): Client {
  return new Client({
    url: '/graphql',
    exchanges: [fetchExchange],
    // SSE through fetch: subscriptions carry the Authorization header like everything else
    fetchSubscriptions: true,
    // POST everywhere: a GET would need the CSRF guard's header and puts variables in access logs
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetchOptions: () => {
      const k = key();
      return {
        headers: {
          'x-graphql-yoga-csrf': 'console',
          ...(k ? { authorization: `Bearer ${k}` } : {}),
        },
      };
    },
  });
}

/** The code a client switches on (extensions.code), or the HTTP status's meaning when the body had none. */
export function errorCode(error: CombinedError | undefined | null): string | undefined {
  if (!error) return undefined;
  for (const e of error.graphQLErrors) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  const status = (error.response as Response | undefined)?.status;
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMITED';
  return error.networkError ? 'NETWORK_ERROR' : undefined;
}

/** The message to show: the server's, without urql's "[GraphQL]" prefix. */
export function errorMessage(error: CombinedError | undefined | null): string {
  if (!error) return '';
  const first = error.graphQLErrors[0];
  if (first) return first.message;
  return error.networkError?.message ?? error.message;
}
