import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptDeadline, raceAbort } from '../../src/gateway/abort.js';
import { createDispatcher, post } from '../../src/gateway/http.js';

/** post() against a real HTTP server on loopback: what it reads, and how a cancellation ends it. */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: Server;
let url: URL;
const dispatcher = createDispatcher();
/** requests whose connection closed before their answer was written */
let cutOff = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) cutOff++;
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/llm/gateway?x=1`);
});

afterAll(async () => {
  await dispatcher.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const deadline = (ms = 10_000, parent?: AbortSignal) => new AttemptDeadline(parent, ms);

describe('post', () => {
  it('sends the body and headers to the path and query, and reads status, headers and text', async () => {
    let seen: { method?: string; url?: string; type?: string; body: string } = { body: '' };
    handler = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen = { method: req.method, url: req.url, type: req.headers['content-type'], body };
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(429, { 'Retry-After': '3', 'inin-correlation-id': 'c-1' });
        res.end('{"message":"slow down"}');
      });
    };
    const d = deadline();
    const answer = await post(dispatcher, url, { 'content-type': 'application/json' }, '{"a":"é"}', d);
    d.dispose();
    expect(seen).toEqual({
      method: 'POST',
      url: '/api/v2/llm/gateway?x=1',
      type: 'application/json',
      body: '{"a":"é"}',
    });
    expect(answer.status).toBe(429);
    expect(answer.header('retry-after')).toBe('3');
    expect(answer.header('inin-correlation-id')).toBe('c-1');
    expect(answer.header('set-cookie'), 'a repeated header: its first value').toBe('a=1');
    expect(answer.header('x-missing')).toBeUndefined();
    expect(answer.text).toBe('{"message":"slow down"}');
  });

  it('decodes UTF-8 split across chunks, drops a byte-order mark, and reads an empty body as ""', async () => {
    const text = '{"reason":"siège 14A, 😀"}';
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    const cut = bytes.indexOf(Buffer.from('😀')) + 2; // inside the emoji's four bytes
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    };
    const d = deadline();
    expect((await post(dispatcher, url, {}, '', d)).text).toBe(text);
    handler = (_req, res) => res.writeHead(204).end();
    const empty = await post(dispatcher, url, {}, '', d);
    d.dispose();
    expect(empty).toMatchObject({ status: 204, text: '' });
  });

  it('answers with the final status, not an informational 1xx before it', async () => {
    handler = (_req, res) => {
      res.writeEarlyHints({ link: '</x>; rel=preload' });
      res.writeHead(201, { 'x-final': 'yes' }).end('made');
    };
    const d = deadline();
    const answer = await post(dispatcher, url, {}, '', d);
    d.dispose();
    expect(answer).toMatchObject({ status: 201, text: 'made' });
    expect(answer.header('x-final')).toBe('yes');
    expect(answer.header('link')).toBeUndefined();
  });

  it('already cancelled: rejects with the reason and sends nothing', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests++;
      res.end();
    };
    const controller = new AbortController();
    const reason = new Error('cancelled before it started');
    controller.abort(reason);
    const d = deadline(10_000, controller.signal);
    await expect(post(dispatcher, url, {}, '', d)).rejects.toBe(reason);
    d.dispose();
    expect(requests).toBe(0);
  });

  it('cancelled while waiting for the answer, or in the middle of its body: rejects with the reason and closes the request', async () => {
    for (const when of ['headers', 'body'] as const) {
      cutOff = 0;
      let arrived = false;
      handler = (_req, res) => {
        arrived = true;
        if (when === 'body') {
          res.writeHead(200);
          res.write('{"partial":');
        }
      };
      const controller = new AbortController();
      const d = deadline(10_000, controller.signal);
      const pending = post(dispatcher, url, {}, '', d);
      await until(() => arrived);
      if (when === 'body') await new Promise((r) => setTimeout(r, 30));
      const reason = new Error(`gave up during the ${when}`);
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      d.dispose();
      await until(() => cutOff === 1);
    }
  });

  it('cancelled or timed out while the connection is still being made: rejects at once, and sends nothing', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests++;
      res.end('too late');
    };
    const connect = buildConnector({});
    // a connection that takes 300 ms to be made
    const slow = new Agent({ connect: (options, done) => setTimeout(() => connect(options, done), 300) });
    try {
      const controller = new AbortController();
      const cancelled = deadline(10_000, controller.signal);
      const reason = new Error('gave up while connecting');
      setTimeout(() => controller.abort(reason), 20);
      const timedOut = deadline(40);
      const started = performance.now();
      const outcomes = await Promise.allSettled([
        post(slow, url, {}, '', cancelled),
        post(slow, url, {}, '', timedOut),
      ]);
      expect(performance.now() - started, 'not after the connection is made').toBeLessThan(250);
      expect(outcomes[0]).toEqual({ status: 'rejected', reason });
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'TimeoutError' });
      expect(timedOut.timedOut).toBe(true);
      cancelled.dispose();
      timedOut.dispose();
      // once connected, the requests are aborted as they start: nothing reaches the server
      await new Promise((r) => setTimeout(r, 500));
      expect(requests).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('times out: rejects with a TimeoutError and the deadline says it timed out', async () => {
    handler = () => {};
    const d = deadline(50);
    const error = await post(dispatcher, url, {}, '', d).catch((e: unknown) => e);
    d.dispose();
    expect(d.timedOut).toBe(true);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
  });
});

describe('AttemptDeadline', () => {
  it('ends every attempt under way with its caller’s reason, through one listener on the caller’s signal', () => {
    const controller = new AbortController();
    const attempts = [0, 1, 2].map(() => deadline(10_000, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const heard: unknown[] = [];
    for (const a of attempts) a.onAbort((reason) => heard.push(reason));
    const done = attempts[1] as AttemptDeadline;
    done.dispose();
    const reason = new Error('the server is stopping');
    controller.abort(reason);
    expect(attempts.map((a) => a.aborted)).toEqual([true, false, true]);
    expect(heard).toEqual([reason, reason]);
    expect(attempts.map((a) => a.timedOut)).toEqual([false, false, false]);
    for (const a of attempts) a.dispose();
    expect(getEventListeners(controller.signal, 'abort'), 'the listener went with the abort').toHaveLength(0);
    // a later attempt of an aborted caller ends as it starts
    const late = deadline(10_000, controller.signal);
    expect(late).toMatchObject({ aborted: true, reason });
    late.dispose();
  });

  it('leaves no listener on the caller’s signal once its last attempt is over', () => {
    // Node keeps a signal with abort listeners alive (AbortSignal.any, AbortSignal.timeout): none may stay behind
    const lifetime = new AbortController().signal;
    const caller = AbortSignal.any([lifetime]);
    const first = deadline(10_000, caller);
    const second = deadline(10_000, caller);
    expect(getEventListeners(caller, 'abort')).toHaveLength(1);
    first.dispose();
    expect(getEventListeners(caller, 'abort'), 'one attempt still under way').toHaveLength(1);
    second.dispose();
    second.dispose();
    expect(getEventListeners(caller, 'abort')).toHaveLength(0);
    // and a new attempt listens again
    const third = deadline(10_000, caller);
    expect(getEventListeners(caller, 'abort')).toHaveLength(1);
    third.dispose();
    expect(getEventListeners(caller, 'abort')).toHaveLength(0);
  });

  it('stops telling a listener that stopped listening, and tells the others once', () => {
    const d = deadline(10_000);
    const heard: string[] = [];
    const stop = d.onAbort(() => heard.push('first'));
    d.onAbort(() => heard.push('second'));
    stop();
    d.abort(new Error('x'));
    d.abort(new Error('y'));
    expect(heard).toEqual(['second']);
    expect((d.reason as Error).message).toBe('x');
    d.dispose();
  });

  it('raceAbort: the promise’s outcome, or the cancellation’s reason if that comes first', async () => {
    const d = deadline(10_000);
    await expect(raceAbort(Promise.resolve(1), d)).resolves.toBe(1);
    await expect(raceAbort(Promise.reject(new Error('no')), d)).rejects.toThrow('no');
    const never = new Promise<number>(() => {});
    const raced = raceAbort(never, d);
    const reason = new Error('gone');
    d.abort(reason);
    await expect(raced).rejects.toBe(reason);
    await expect(raceAbort(never, d), 'already over').rejects.toBe(reason);
    d.dispose();
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
