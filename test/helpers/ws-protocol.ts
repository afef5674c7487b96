import WebSocket from 'ws';

/** A message of the graphql-transport-ws protocol, as it travels. */
export interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/**
 * A bare graphql-transport-ws connection that sends exactly what a test
 * writes, as a client in another language might: no library in between to
 * add, check or retry anything.
 */
export interface RawSocket {
  send(message: WsMessage): void;
  /** the first message received (now or later) that matches */
  next(match: (m: WsMessage) => boolean): Promise<WsMessage>;
  readonly received: WsMessage[];
  /** resolves with the close code once the socket is closed, by either side */
  readonly closed: Promise<number>;
  /** a normal close (1000) */
  close(): void;
  /** the client vanishes: the TCP connection is dropped without a close frame */
  terminate(): void;
}

/** Opens a socket on `baseUrl`'s /graphql, sends connection_init and waits for the ack. */
export async function openRawSocket(baseUrl: string, connectionParams?: Record<string, unknown>): Promise<RawSocket> {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const received: WsMessage[] = [];
  const waiters: Array<{ match: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsMessage;
    received.push(message);
    for (const w of [...waiters]) {
      if (!w.match(message)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(message);
    }
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const socket: RawSocket = {
    received,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match) => {
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        closed.then((code) => reject(new Error(`socket closed (${code}) before the message came`)));
      });
    },
    close: () => ws.close(1000),
    terminate: () => ws.terminate(),
  };
  socket.send({ type: 'connection_init', ...(connectionParams ? { payload: connectionParams } : {}) });
  await socket.next((m) => m.type === 'connection_ack');
  return socket;
}
