import type { StageEvent } from '../pipeline/run.js';
import { EventQueue } from './event-queue.js';

/** Live fan-out of stage events; history lives in the RunStore. */
export interface EventBus {
  publish(event: StageEvent): void;
  /** Starts buffering at once: events published after this call are never missed. */
  subscribe(scope: { runId: string } | 'all'): EventQueue<StageEvent>;
  close(): Promise<void>;
  /** resolves once the bus hears other instances (at once for an in-process bus) */
  readonly ready?: Promise<void>;
}

/** The subset of EventTarget that both Node's and `@graphql-yoga/redis-event-target` offer. */
export interface EventTargetLike {
  addEventListener(type: string, listener: (e: Event) => void): void;
  removeEventListener(type: string, listener: (e: Event) => void): void;
  dispatchEvent(event: Event): boolean;
}

const ALL = 'runs';
const topicOf = (runId: string) => `run:${runId}`;

/**
 * An EventBus over an EventTarget: in-process by default, or a Redis-backed
 * target so that every instance sees every instance's events.
 */
export class EventTargetBus implements EventBus {
  constructor(
    private readonly target: EventTargetLike = new EventTarget(),
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  publish(event: StageEvent): void {
    this.target.dispatchEvent(new CustomEvent(topicOf(event.runId), { detail: event }));
    this.target.dispatchEvent(new CustomEvent(ALL, { detail: event }));
  }

  subscribe(scope: { runId: string } | 'all'): EventQueue<StageEvent> {
    const topic = scope === 'all' ? ALL : topicOf(scope.runId);
    const listener = (e: Event) => queue.push((e as CustomEvent<StageEvent>).detail);
    const queue = new EventQueue<StageEvent>(() => this.target.removeEventListener(topic, listener));
    this.target.addEventListener(topic, listener);
    return queue;
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
