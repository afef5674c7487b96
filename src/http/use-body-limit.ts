import type { Plugin } from 'graphql-yoga';

/**
 * Refuses a request whose declared body is larger than `maxBytes` with 413,
 * before anything reads it.
 */
export function useBodyLimit(maxBytes: number, onRefused: () => void = () => {}): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? '0');
      if (length > maxBytes) {
        onRefused();
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({
              errors: [
                {
                  message: `The request body is larger than ${maxBytes} bytes.`,
                  extensions: { code: 'BAD_USER_INPUT' },
                },
              ],
            }),
            { status: 413, headers: { 'content-type': 'application/json' } },
          ),
        );
      }
    },
  };
}
