import { connect, type Socket } from 'node:net';

/**
 * Many `pipelineEvents` subscriptions over SSE, on raw sockets: the request is
 * written by hand and the answer scanned for the markers we wait for, which
 * costs the client far less than a full HTTP client would per connection.
 */

const SUBSCRIPTION = JSON.stringify({ query: 'subscription { pipelineEvents { runId stage } }' });

export interface Subscribers {
  /** how many answered 200 with their headers */
  connected: number;
  /** the time it took to open them all, ms */
  openMs: number;
  /**
   * Resolves when every subscriber saw `marker` in its stream (or after
   * `timeoutMs`), with how many did and when the last one did (performance.now()).
   */
  waitForAll(marker: string, timeoutMs: number): Promise<{ lastAt: number; reached: number }>;
  close(): void;
}

interface Sub {
  socket: Socket;
  headersDone: boolean;
  /** the stream so far, after the headers, only until every marker asked for is seen */
  text: string;
  seen: Set<string>;
}

export async function openSubscribers(
  host: string,
  port: number,
  count: number,
  opts: { parallel?: number; timeoutMs?: number } = {},
): Promise<Subscribers> {
  const parallel = opts.parallel ?? 200;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const request =
    `POST /graphql HTTP/1.1\r\nHost: ${host}:${port}\r\ncontent-type: application/json\r\n` +
    `accept: text/event-stream\r\ncontent-length: ${Buffer.byteLength(SUBSCRIPTION)}\r\n\r\n${SUBSCRIPTION}`;
  const subs: Sub[] = [];
  const watchers = new Set<{ marker: string; check: (s: Sub) => void }>();
  let failure: Error | undefined;

  const openOne = () =>
    new Promise<void>((resolve, reject) => {
      const sub: Sub = { socket: connect({ host, port }), headersDone: false, text: '', seen: new Set() };
      sub.socket.setNoDelay(true);
      subs.push(sub);
      sub.socket.once('connect', () => sub.socket.write(request));
      sub.socket.on('error', (e) => {
        if (sub.headersDone) return;
        failure ??= e;
        reject(e);
      });
      sub.socket.once('close', () => {
        if (!sub.headersDone) reject(new Error(`a subscription closed before its answer: ${sub.text.slice(0, 200)}`));
      });
      sub.socket.on('data', (chunk: Buffer) => {
        sub.text += chunk.toString('latin1');
        if (!sub.headersDone) {
          const end = sub.text.indexOf('\r\n\r\n');
          if (end < 0) return;
          const status = sub.text.slice(0, sub.text.indexOf('\r\n'));
          if (!/^HTTP\/1\.1 200 /.test(status)) {
            reject(new Error(`subscription refused: ${sub.text.slice(0, 300)}`));
            return;
          }
          sub.headersDone = true;
          sub.text = sub.text.slice(end + 4);
          resolve();
        }
        for (const w of watchers) w.check(sub);
        // nothing is waited for: keep only a tail, in case a marker spans two chunks
        if (watchers.size === 0 && sub.text.length > 256) sub.text = sub.text.slice(-128);
      });
    });

  const started = performance.now();
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count && !failure) {
      next++;
      await openOne();
    }
  });
  const timer = setTimeout(() => {
    const late = new Error(`subscribers not all open after ${timeoutMs} ms`);
    failure ??= late;
    for (const s of subs) if (!s.headersDone) s.socket.destroy(late);
  }, timeoutMs);
  try {
    await Promise.all(lanes);
  } catch (e) {
    clearTimeout(timer);
    for (const s of subs) s.socket.destroy();
    throw e;
  }
  clearTimeout(timer);
  if (failure) {
    for (const s of subs) s.socket.destroy();
    throw failure;
  }
  const openMs = performance.now() - started;

  return {
    connected: subs.filter((s) => s.headersDone).length,
    openMs,
    waitForAll(marker, waitMs) {
      return new Promise((resolve) => {
        let reached = 0;
        let last = Number.NaN;
        let t: NodeJS.Timeout | undefined;
        const finish = () => {
          watchers.delete(watcher);
          clearTimeout(t);
          resolve({ lastAt: last, reached });
        };
        const watcher = {
          marker,
          check(s: Sub) {
            if (s.seen.has(marker) || !s.text.includes(marker)) return;
            s.seen.add(marker);
            reached++;
            last = performance.now();
            if (reached === subs.length) finish();
          },
        };
        watchers.add(watcher);
        t = setTimeout(finish, waitMs);
        for (const s of subs) watcher.check(s);
      });
    },
    close() {
      for (const s of subs) s.socket.destroy();
    },
  };
}
