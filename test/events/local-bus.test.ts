import { describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../src/events/event-bus.js';
import type { StageEvent } from '../../src/pipeline/run.js';

const event = (runId: string, seq: number): StageEvent => ({
  runId,
  seq,
  stage: 'RECEIVED',
  at: '2030-01-01T00:00:00.000Z',
  attempt: null,
  message: null,
  error: null,
});

describe('LocalEventBus', () => {
  it('buffers from subscribe: a run topic gets its run, "all" gets every run', async () => {
    const bus = new LocalEventBus();
    const one = bus.subscribe({ runId: 'a' });
    const all = bus.subscribe('all');
    bus.publish(event('a', 1));
    bus.publish(event('b', 1));
    expect((await one.next()).value).toEqual(event('a', 1));
    expect((await all.next()).value).toEqual(event('a', 1));
    expect((await all.next()).value).toEqual(event('b', 1));
    one.close();
    bus.publish(event('a', 2));
    expect(await one.next()).toEqual({ value: undefined, done: true });
  });

  it('a closed subscription is forgotten: nothing piles up after 10,000 come and go', () => {
    const bus = new LocalEventBus();
    const queues = Array.from({ length: 10_000 }, () => bus.subscribe('all'));
    for (const q of queues) q.close();
    expect((bus as unknown as { topics: Map<string, unknown> }).topics.size).toBe(0);
  });

  it('fail() rejects the pending read once, then the stream is done', async () => {
    const bus = new LocalEventBus();
    const q = bus.subscribe({ runId: 'a' });
    const pending = q.next();
    q.fail(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(await q.next()).toEqual({ value: undefined, done: true });
    const later = bus.subscribe({ runId: 'a' });
    later.fail(new Error('gone'));
    await expect(later.next()).rejects.toThrow('gone');
  });
});
