import type { Plugin } from 'graphql-yoga';
import { unifiedError } from '../pipeline/unified.js';
import { REST_PATH } from './use-rest-orchestrate.js';

/**
 * Refuses a request whose declared body is larger than `maxBytes` with 413,
 * before anything reads it. Bodies without a declared length are refused
 * before Yoga sees them (server.ts), so none escapes the limit.
 */
export function useBodyLimit(maxBytes: number, onRefused: () => void = () => {}): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? '0');
      if (length <= maxBytes) return;
      onRefused();
      const message = `The request body is larger than ${maxBytes} bytes.`;
      const body =
        url.pathname === REST_PATH
          ? unifiedError('BAD_USER_INPUT', message, null).body
          : { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 413,
          headers: { 'content-type': 'application/json', connection: 'close' },
        }),
      );
    },
  };
}
