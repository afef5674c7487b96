import type { Plugin } from 'graphql-yoga';
import { refusal } from './refusal.js';

/**
 * Refuses a request whose declared body is larger than `maxBytes` with 413,
 * before anything reads it. Bodies without a declared length are refused
 * before Yoga sees them (server.ts), so none escapes the limit.
 */
export function useBodyLimit(maxBytes: number, onRefused: () => void = () => {}): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      const length = Number(request.headers.get('content-length') ?? '0');
      if (length <= maxBytes) return;
      onRefused();
      const message = `The request body is larger than ${maxBytes} bytes.`;
      endResponse(refusal(url, 'BAD_USER_INPUT', message, { status: 413, headers: { connection: 'close' } }));
    },
  };
}
