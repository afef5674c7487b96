import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useRequestLog } from '../../src/http/use-request-log.js';
import { createLogger } from '../../src/logger.js';

function yogaLogging(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) });
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }),
    plugins: [useRequestLog(logger)],
    logging: false,
  });
  const post = (headers: Record<string, string> = {}) =>
    yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: 'query Probe { ok }', operationName: 'Probe' }),
    });
  return { yoga, lines, post };
}

describe('the request log', () => {
  it("writes one line per request, with the operation, and echoes the caller's request id", async () => {
    const { lines, post } = yogaLogging('info');
    const res = await post({ 'x-request-id': 'desk-42.a' });
    expect(res.headers.get('x-request-id')).toBe('desk-42.a');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'Probe',
      requestId: 'desk-42.a',
    });
    expect(typeof lines[0]?.ms).toBe('number');
  });

  it('gives a request without a usable id a new one, and does not log probes', async () => {
    const { yoga, lines, post } = yogaLogging('info');
    const res = await post({ 'x-request-id': 'not a valid id!' });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[0]?.requestId).toBe(id);
    await yoga.fetch('http://yoga/health');
    expect(lines).toHaveLength(1);
  });

  it('below info, writes nothing and still echoes the id', async () => {
    const { lines, post } = yogaLogging('warn');
    const res = await post({ 'x-request-id': 'desk-7' });
    expect(res.headers.get('x-request-id')).toBe('desk-7');
    expect(lines).toHaveLength(0);
  });
});
