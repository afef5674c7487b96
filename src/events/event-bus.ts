import type { StageEvent } from '../pipeline/run.js';
import { EventQueue } from './event-queue.js';

/** Live fan-out of stage events; history lives in the RunStore. */
export interface EventBus {
  publish(event: StageEvent): void;
  /** Starts buffering at once: events published after this call are never missed. */
  subscribe(scope: { runId: string } | 'all'): EventQueue<StageEvent>;
  /** subscribers this process holds now for a scope: what a subscriber that left must no longer count in */
  listenerCount(scope: { runId: string } | 'all'): number;
  close(): Promise<void>;
  /** resolves once the bus hears other instances (at once for an in-process bus) */
  readonly ready?: Promise<void>;
}

type Listener = (event: StageEvent) => void;

const ALL = '*';

/**
 * In-process fan-out: a set of listeners per topic (one run, or all runs), so
 * subscribing and leaving cost O(1) whatever the number of subscribers (Node's
 * EventTarget walks every listener on each add, which 10,000 dashboards feel).
 * The Redis bus delivers other instances' events through `deliver`.
 */
export class LocalEventBus implements EventBus {
  private readonly topics = new Map<string, Set<Listener>>();

  constructor(private readonly onClose: () => Promise<void> = async () => {}) {}

  publish(event: StageEvent): void {
    this.deliver(event);
  }

  /** Hands an event to this process's subscribers only. */
  deliver(event: StageEvent): void {
    this.emit(event.runId, event);
    this.emit(ALL, event);
  }

  subscribe(scope: { runId: string } | 'all'): EventQueue<StageEvent> {
    const topic = scope === 'all' ? ALL : scope.runId;
    const listener: Listener = (e) => queue.push(e);
    const queue = new EventQueue<StageEvent>(() => {
      const set = this.topics.get(topic);
      set?.delete(listener);
      if (set?.size === 0) this.topics.delete(topic);
    });
    let set = this.topics.get(topic);
    if (!set) {
      set = new Set();
      this.topics.set(topic, set);
    }
    set.add(listener);
    return queue;
  }

  listenerCount(scope: { runId: string } | 'all'): number {
    return this.topics.get(scope === 'all' ? ALL : scope.runId)?.size ?? 0;
  }

  close(): Promise<void> {
    return this.onClose();
  }

  private emit(topic: string, event: StageEvent): void {
    const set = this.topics.get(topic);
    if (set) for (const listener of set) listener(event);
  }
}
