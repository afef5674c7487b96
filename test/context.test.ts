import type { YogaInitialContext } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { type ContextDeps, createContext } from '../src/context.js';
import type { Orchestrator } from '../src/pipeline/orchestrator.js';
import type { RunReader } from '../src/store/run-store.js';

/**
 * The context is built for every operation, each SSE subscription included;
 * what a resolver may never use (loaders, stage calls, the request's signal)
 * must cost nothing until it does.
 */
function setUp() {
  const reads = { getMany: [] as string[][], eventsOfMany: [] as string[][] };
  const store = {
    getMany: async (ids: readonly string[]) => {
      reads.getMany.push([...ids]);
      return ids.map(() => null);
    },
    eventsOfMany: async (ids: readonly string[]) => {
      reads.eventsOfMany.push([...ids]);
      return ids.map(() => []);
    },
  } as unknown as RunReader;
  const stageOptions: Array<{ signal?: AbortSignal }> = [];
  const orchestrator = {
    ensureStage: async (_id: string, _stage: string, opts: { signal?: AbortSignal }) => {
      stageOptions.push(opts);
      return {};
    },
  } as unknown as Orchestrator;
  const deps: ContextDeps = {
    orchestrator,
    runs: store,
    progress: {} as ContextDeps['progress'],
    pipelines: { list: () => [] },
    circuits: () => [],
  };
  const controller = new AbortController();
  let signalReads = 0;
  const request = {
    get signal() {
      signalReads++;
      return controller.signal;
    },
  } as unknown as Request;
  const serverContext = { req: { socket: {} }, waitUntil: () => {} };
  const initial = Object.assign(serverContext, { request, params: { query: '{ __typename }' } });
  return { deps, initial, reads, stageOptions, controller, signalReads: () => signalReads };
}

describe('createContext', () => {
  it('does not read the request signal until a stage is called', async () => {
    const s = setUp();
    const ctx = createContext(s.deps, s.initial as unknown as YogaInitialContext);
    expect(s.signalReads(), 'reading request.signal makes an AbortController per request').toBe(0);
    await ctx.stageCalls.call('r1', 'extraction', false, null);
    expect(s.signalReads()).toBe(1);
  });

  it('keeps the initial context (request, params, server context) and what plugins add later', () => {
    const s = setUp();
    const ctx = createContext(s.deps, s.initial as unknown as YogaInitialContext);
    // Yoga merges the factory's result into its context, and plugins extend it the same way
    const merged = Object.assign(s.initial, ctx, { caller: { principal: { name: 'k' } } });
    expect(merged.request).toBe(s.initial.request);
    expect(merged.params).toEqual({ query: '{ __typename }' });
    expect(merged.req).toBe(s.initial.req);
    expect(merged.orchestrator).toBe(s.deps.orchestrator);
    expect(merged.runs).toBe(s.deps.runs);
    expect(merged.caller.principal.name).toBe('k');
    expect(merged.loaders).toBe(ctx.loaders);
  });

  it('one loader per request, made on first use, batching one tick of loads', async () => {
    const s = setUp();
    const ctx = createContext(s.deps, s.initial as unknown as YogaInitialContext);
    expect(ctx.loaders.run).toBe(ctx.loaders.run);
    await Promise.all([ctx.loaders.run.load('a'), ctx.loaders.run.load('b'), ctx.loaders.run.load('a')]);
    await Promise.all([ctx.loaders.events.load('a'), ctx.loaders.events.load('b')]);
    expect(s.reads.getMany).toEqual([['a', 'b']]);
    expect(s.reads.eventsOfMany).toEqual([['a', 'b']]);
    const other = createContext(s.deps, setUp().initial as unknown as YogaInitialContext);
    expect(other.loaders.run, 'loaders are per request').not.toBe(ctx.loaders.run);
  });

  it('stage calls carry the request signal and are made once per run, stage and mode', async () => {
    const s = setUp();
    const ctx = createContext(s.deps, s.initial as unknown as YogaInitialContext);
    const first = ctx.stageCalls.call('r1', 'extraction', false, null);
    expect(ctx.stageCalls.call('r1', 'extraction', false, null)).toBe(first);
    await ctx.stageCalls.call('r1', 'extraction', true, null);
    expect(s.stageOptions).toHaveLength(2);
    expect(s.stageOptions[0]?.signal).toBe(s.controller.signal);
  });
});
