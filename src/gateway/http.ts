import { Agent, type Dispatcher } from 'undici';

/**
 * One keep-alive connection pool per process for every gateway origin. Plain
 * undici `Agent.request` (no interceptors): it never retries by itself, so the
 * retry loop in `client.ts` is the only one.
 */

export interface HttpAnswer {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

export function createDispatcher(): Dispatcher {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    // our AbortSignal is the only deadline; undici's own timers would race it
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { timeout: 10_000 },
  });
}

export async function post(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const res = await dispatcher.request({
    origin: url.origin,
    path: url.pathname + url.search,
    method: 'POST',
    headers,
    body,
    signal,
  });
  // the body is always read, so the socket goes back to the pool
  const text = await res.body.text();
  return {
    status: res.statusCode,
    header: (name) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    text,
  };
}
