import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { jsonResponse, refusal } from '../../src/http/refusal.js';

/**
 * The REST route's answers, refusals and probes go out as Yoga's own responses
 * do: written whole, with their length, not re-read from a web stream and sent
 * chunked (as Node's own Response is by Yoga's server adapter).
 */
describe('jsonResponse over HTTP', () => {
  it('writes the body whole, with its length, its status and its headers', async () => {
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
      plugins: [
        {
          onRequest({ url, endResponse }) {
            if (url.pathname === '/answer') endResponse(jsonResponse(201, { é: 'ü', n: [1, 2] }, { 'x-extra': 'yes' }));
            if (url.pathname === '/v1/orchestrate') endResponse(refusal(url, 'BAD_USER_INPUT', 'no', { status: 415 }));
          },
        },
      ],
    });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answer = await fetch(`${base}/answer`);
      const text = await answer.text();
      expect(answer.status).toBe(201);
      expect(JSON.parse(text)).toEqual({ é: 'ü', n: [1, 2] });
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.headers.get('x-extra')).toBe('yes');
      expect(answer.headers.get('transfer-encoding')).toBeNull();
      expect(answer.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));

      const refused = await fetch(`${base}/v1/orchestrate`, { method: 'POST' });
      const refusedText = await refused.text();
      expect(refused.status).toBe(415);
      expect(JSON.parse(refusedText)).toMatchObject({ status: 'error', code: 'BAD_USER_INPUT', message: 'no' });
      expect(refused.headers.get('content-length')).toBe(String(Buffer.byteLength(refusedText)));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
