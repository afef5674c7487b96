import { randomUUID } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis, type RedisOptions } from 'ioredis';
import { createLogger, type Logger } from '../logger.js';
import type { StageEvent } from '../pipeline/run.js';
import { type EventBus, LocalEventBus } from './event-bus.js';
import type { EventQueue } from './event-queue.js';

export interface RedisEventBusOptions {
  logger?: Logger;
  /** the one pub/sub channel every instance of a deployment shares */
  channel?: string;
  connectTimeoutMs?: number;
}

/** What travels on the channel: the event, and who sent it. */
interface Envelope {
  /** the sending bus: it has delivered the event to its own subscribers already */
  o: string;
  d: StageEvent;
}

const retryStrategy = (times: number) => Math.min(times * 50, 2_000);

/**
 * An EventBus for many instances: every instance's events reach every
 * instance's subscribers, through Redis pub/sub
 * (`@graphql-yoga/redis-event-target`) under the in-process `LocalEventBus`.
 *
 * Each instance subscribes once, at construction, to one channel that carries
 * every event; per-run and all-runs subscriptions are then local listeners.
 * So `subscribe()` buffers from the moment it returns, as the EventBus
 * contract says, with no SUBSCRIBE round trip in between that an event could
 * slip through. Events reach this instance's own subscribers directly, Redis
 * or not; their echo from Redis is skipped.
 *
 * Redis down: publishing logs (once per outage) and drops, never throws: the
 * run store's event stream is the record. Subscriptions come back by
 * themselves when Redis does; events published meanwhile by other instances
 * are not replayed (readers catch up from the store).
 */
export class RedisEventBus implements EventBus {
  /** resolves once the channel subscription is in place (at once in practice; later if Redis is down at start) */
  readonly ready: Promise<void>;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly inner: LocalEventBus;
  private readonly remote: ReturnType<typeof createRedisEventTarget<CustomEvent<Envelope | null>>>;
  private readonly channel: string;
  private readonly origin = randomUUID();
  private readonly logger: Logger;
  private readonly down = { pub: false, sub: false };
  private closing = false;

  constructor(url: string, opts: RedisEventBusOptions = {}) {
    const channel = opts.channel ?? 'orch:events';
    this.channel = channel;
    const common: RedisOptions = { connectTimeout: opts.connectTimeoutMs ?? 2_000, retryStrategy };
    this.logger = opts.logger ?? createLogger('silent');
    // publishes wait at most one reconnect attempt, then fail (and are logged): never an unbounded queue
    this.pub = new Redis(url, {
      ...common,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: 2_000,
    });
    // the subscription is queued while Redis is away and restored after each reconnect
    this.sub = new Redis(url, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
    handleResubscribes(this.sub);
    this.watch('pub', this.pub);
    this.watch('sub', this.sub);

    let subscribed: Promise<unknown> = Promise.resolve();
    // the library fires these commands and drops their promises: a rejection would crash the process
    const publishClient = {
      publish: (ch: string, message: string) => this.guard('pub', this.pub.publish(ch, message)),
    };
    const subscribeClient = {
      on: (event: 'message', listener: (channel: string, message: string) => void) => {
        this.sub.on(event, listener);
        return subscribeClient;
      },
      subscribe: (...channels: string[]) => {
        subscribed = this.guard('sub', this.sub.subscribe(...channels));
        return subscribed;
      },
      unsubscribe: (...channels: string[]) => this.guard('sub', this.sub.unsubscribe(...channels)),
    };
    this.remote = createRedisEventTarget<CustomEvent<Envelope | null>>({
      publishClient: publishClient as unknown as Redis,
      subscribeClient: subscribeClient as unknown as Redis,
      // a stray message on the channel must not throw inside the client's data handler
      serializer: { stringify: JSON.stringify, parse: parseOrNull },
    });
    this.inner = new LocalEventBus(() => this.quit());
    // other instances' events reach this one's subscribers; our own echo is skipped (delivered at publish)
    this.remote.addEventListener(channel, (e) => {
      const env = (e as CustomEvent<unknown>).detail;
      if (isEnvelope(env) && env.o !== this.origin) this.inner.deliver(env.d);
    });
    this.ready = subscribed.then(() => {});
  }

  publish(event: StageEvent): void {
    this.inner.deliver(event);
    const env: Envelope = { o: this.origin, d: event };
    this.remote.dispatchEvent(new CustomEvent(this.channel, { detail: env }));
  }

  subscribe(scope: { runId: string } | 'all'): EventQueue<StageEvent> {
    return this.inner.subscribe(scope);
  }

  listenerCount(scope: { runId: string } | 'all'): number {
    return this.inner.listenerCount(scope);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private watch(which: 'pub' | 'sub', client: Redis): void {
    client.on('error', (err: Error) => this.noteDown(which, err));
    client.on('ready', () => {
      if (!this.down[which]) return;
      this.down[which] = false;
      this.logger.info({ client: which }, 'event bus (Redis) reachable again');
    });
  }

  private noteDown(which: 'pub' | 'sub', err: unknown): void {
    if (this.down[which]) return;
    this.down[which] = true;
    this.logger.warn(
      { client: which, err: err instanceof Error ? err.message : String(err) },
      which === 'pub'
        ? 'event bus (Redis) unreachable: live events to other instances are dropped; the run store keeps them'
        : 'event bus (Redis) unreachable: other instances are not heard until it is back',
    );
  }

  private guard<T>(which: 'pub' | 'sub', p: Promise<T>): Promise<T | undefined> {
    return p.catch((err: unknown) => {
      if (!this.closing) this.noteDown(which, err);
      return undefined;
    });
  }

  private async quit(): Promise<void> {
    this.closing = true;
    await Promise.all([quit(this.pub), quit(this.sub)]);
  }
}

/**
 * ioredis resubscribes after a reconnect with `subscribe()` and drops the
 * promise: if the connection closes before Redis answers (a shutdown during
 * an outage), that rejection is unhandled and would end the process. Every
 * subscribe of this client gets a handler; callers still see the outcome.
 */
function handleResubscribes(client: Redis): void {
  const subscribe = client.subscribe.bind(client) as (...channels: string[]) => Promise<unknown>;
  client.subscribe = ((...channels: string[]) => {
    const done = subscribe(...channels);
    done.catch(() => {});
    return done;
  }) as Redis['subscribe'];
}

function isEnvelope(v: unknown): v is Envelope {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Envelope).o === 'string' &&
    typeof (v as Envelope).d === 'object' &&
    (v as Envelope).d !== null
  );
}

function parseOrNull(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return null;
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1_000);
  });
  await Promise.race([client.quit().catch(() => {}), timeout]);
  clearTimeout(timer);
  // a Redis that did not answer QUIT in time: drop the connection
  if ((client.status as string) !== 'end') client.disconnect();
}
