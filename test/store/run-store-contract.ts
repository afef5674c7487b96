import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { LEGACY_PIPELINE, type PipelineRef, type RunRecord, type StageEvent } from '../../src/pipeline/run.js';
import type {
  ExtractionResult,
  PipelineError,
  PipelineStage,
  SpecializationResult,
  StageName,
} from '../../src/pipeline/types.js';
import type {
  CachedStage,
  NewRun,
  RunStore,
  Transition,
  UsageGroup,
  UsageIncrement,
  UsageRow,
} from '../../src/store/run-store.js';
import { EPOCH, usageIncrement as spend } from './fixtures.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const extraction: ExtractionResult = {
  entities: { action: 'modify_flight', seat: '14A', nested: { n: 1.25, list: [1, 'two', null] } },
  model: 'sim-extractor',
  usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
  latencyMs: 12,
  attempts: 1,
  raw: '{"action":"modify_flight"}',
  correlationId: null,
};

const specialization: SpecializationResult = {
  isValid: true,
  reason: 'ok',
  nextSteps: ['a', 'b'],
  model: 'sim-specialist',
  usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
  latencyMs: 20,
  attempts: 2,
  raw: '{}',
  correlationId: 'c-1',
  decidedBy: 'MODEL',
  rule: null,
};

const failure = (code: PipelineError['code'] = 'GATEWAY_UNAVAILABLE'): PipelineError => ({
  code,
  message: 'upstream 503',
  stage: 'EXTRACTING',
  retryable: true,
});

const TRAVEL: PipelineRef = { name: 'travel', version: 'v1' };
const TRAVEL_V2: PipelineRef = { name: 'travel', version: 'v2' };
const BANKING: PipelineRef = { name: 'banking', version: 'b1' };

let counter = 0;
function newRun(over: Partial<NewRun> = {}): NewRun {
  counter += 1;
  return {
    id: `run-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    text: `text ${counter} with ünïcode and "quotes"`,
    pipeline: TRAVEL,
    apiKey: null,
    primaryModelId: 'sim-extractor',
    secondaryModelId: 'sim-specialist',
    idempotencyKey: null,
    inputHash: `hash-${counter}`,
    createdAt: at(counter),
    ...over,
  };
}

const interrupted = (stage: StageName): PipelineError => ({
  code: 'RUN_INTERRUPTED',
  message: `interrupted during ${stage}`,
  stage: stage === 'extraction' ? 'EXTRACTING' : 'SPECIALIZING',
  retryable: true,
});

const totals = (over: Partial<UsageRow> = {}): UsageRow => ({
  runs: 0,
  promptTokens: 0,
  completionTokens: 0,
  cacheHits: 0,
  rulesDecisions: 0,
  ...over,
});

/**
 * Every method of RunStore, as SqliteRunStore defines it. Each test gets a
 * fresh, empty store from `makeStore` and closes it after; `openShared` opens
 * two instances of one fresh store (one SQLite file, one Redis), as two
 * servers of a fleet, for the tests of what instances share.
 */
export function describeRunStoreContract(
  name: string,
  makeStore: () => RunStore | Promise<RunStore>,
  openShared: () => Promise<[RunStore, RunStore]>,
): void {
  describe(`RunStore contract: ${name}`, () => {
    let store: RunStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    const create = async (over: Partial<NewRun> = {}, since = EPOCH) => store.create(newRun(over), since);
    /** a transition's answer (its event alone), and the run as stored after it */
    const applied = async (id: string, t: Transition) => {
      const { event } = await store.transition(id, t);
      return { event, run: (await store.get(id)) as RunRecord };
    };

    describe('create', () => {
      it('stores the run at RECEIVED with its RECEIVED event as seq 1', async () => {
        const input = newRun({ idempotencyKey: 'k-create' });
        const { run, created } = await store.create(input, EPOCH);
        expect(created).toBe(true);
        expect(run).toEqual({
          id: input.id,
          text: input.text,
          pipeline: TRAVEL,
          apiKey: null,
          primaryModelId: input.primaryModelId,
          secondaryModelId: input.secondaryModelId,
          idempotencyKey: 'k-create',
          inputHash: input.inputHash,
          stage: 'RECEIVED',
          createdAt: input.createdAt,
          updatedAt: input.createdAt,
          extraction: null,
          specialization: null,
          error: null,
          running: null,
        });
        expect(await store.get(input.id)).toEqual(run);
        expect(await store.events(input.id)).toEqual([
          {
            runId: input.id,
            seq: 1,
            stage: 'RECEIVED',
            at: input.createdAt,
            attempt: null,
            message: null,
            error: null,
          },
        ]);
      });

      it('keeps a null idempotency key null, and creates a new run each time without one', async () => {
        const a = await create();
        const b = await create({ text: a.run.text, inputHash: a.run.inputHash });
        expect(a.run.idempotencyKey).toBeNull();
        expect(b.created).toBe(true);
        expect(b.run.id).not.toBe(a.run.id);
      });

      it('returns the run a key names within the window, whatever the new input', async () => {
        const first = await create({ idempotencyKey: 'k-same', createdAt: at(100) });
        const again = await store.create(
          newRun({ idempotencyKey: 'k-same', text: 'other', inputHash: 'other', createdAt: at(101) }),
          at(100),
        );
        expect(again.created).toBe(false);
        expect(again.run).toEqual(first.run);
        expect((await store.list({ first: 10 })).runs.map((r) => r.run.id)).toEqual([first.run.id]);
        expect(await store.events(first.run.id)).toHaveLength(1);
      });

      it('creates a new run when the key names a run created before the window, and then answers with that one', async () => {
        const old = await create({ idempotencyKey: 'k-window', createdAt: at(100) });
        const fresh = await store.create(newRun({ idempotencyKey: 'k-window', createdAt: at(200) }), at(150));
        expect(fresh.created).toBe(true);
        expect(fresh.run.id).not.toBe(old.run.id);
        const third = await store.create(newRun({ idempotencyKey: 'k-window', createdAt: at(201) }), at(150));
        expect(third).toEqual({ run: fresh.run, created: false });
        // the window's edge is inclusive: createdAt >= idempotentSince
        const edge = await store.create(newRun({ idempotencyKey: 'k-window', createdAt: at(202) }), at(200));
        expect(edge.created).toBe(false);
        expect(edge.run.id).toBe(fresh.run.id);
      });

      it('keys are independent of each other', async () => {
        const a = await create({ idempotencyKey: 'k-a' });
        const b = await create({ idempotencyKey: 'k-b' });
        expect(b.created).toBe(true);
        expect(b.run.id).not.toBe(a.run.id);
      });

      it('concurrent creates with one key make exactly one run', async () => {
        const all = await Promise.all(Array.from({ length: 20 }, () => create({ idempotencyKey: 'k-race' })));
        expect(all.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(all.map((r) => r.run.id)).size).toBe(1);
      });
    });

    describe('get and getMany', () => {
      it('get answers null for an unknown id', async () => {
        expect(await store.get('no-such-run')).toBeNull();
      });

      it('getMany answers in the order asked, with null for unknown ids and repeats repeated', async () => {
        const a = await create();
        const b = await create();
        expect(await store.getMany([b.run.id, 'unknown', a.run.id, b.run.id])).toEqual([b.run, null, a.run, b.run]);
        expect(await store.getMany([])).toEqual([]);
      });
    });

    describe('claimStage', () => {
      const needsExtraction = (run: { extraction: unknown }) => run.extraction === null;

      it("takes the lease of a stage that has to run, with the run as it was; another owner's claim waits", async () => {
        const { run } = await create();
        expect(await store.claimStage(run.id, 'extraction', 'a', 60_000, 0, needsExtraction)).toEqual({
          run,
          needed: true,
          leased: true,
        });
        expect(await store.claimStage(run.id, 'extraction', 'b', 60_000, 0, needsExtraction)).toEqual({
          run,
          needed: true,
          leased: false,
        });
        expect(await store.acquireLease(run.id, 'extraction', 'b', 60_000)).toBe(false);
      });

      it('takes no lease for a stage whose result is stored, and none when the check throws', async () => {
        const { run } = await create();
        const done = await applied(run.id, { stage: 'EXTRACTED', at: at(1000), extraction, running: null });
        expect(await store.claimStage(run.id, 'extraction', 'a', 60_000, 0, needsExtraction)).toEqual({
          run: done.run,
          needed: false,
        });
        const refused = store.claimStage(run.id, 'specialization', 'a', 60_000, 0, () => {
          throw new AppError('SHUTTING_DOWN', 'no');
        });
        await expect(refused).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
        expect(await store.acquireLease(run.id, 'extraction', 'b', 60_000)).toBe(true);
        expect(await store.acquireLease(run.id, 'specialization', 'b', 60_000)).toBe(true);
        expect(await store.claimStage('no-such-run', 'extraction', 'a', 60_000, 0, needsExtraction)).toBeNull();
      });

      it('gives the lease to exactly one of many concurrent claims', async () => {
        const { run } = await create();
        const claims = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.claimStage(run.id, 'extraction', `owner-${i}`, 60_000, 0, needsExtraction),
          ),
        );
        expect(claims.filter((c) => c?.needed && c.leased)).toHaveLength(1);
      });
    });

    describe('transition', () => {
      it("releases its owner's lease in the same write, and nobody else's", async () => {
        const { run } = await create();
        expect(await store.acquireLease(run.id, 'extraction', 'a', 60_000)).toBe(true);
        await store.transition(run.id, {
          stage: 'EXTRACTED',
          at: at(1000),
          extraction,
          running: null,
          release: { stage: 'extraction', owner: 'b' },
        });
        expect(await store.acquireLease(run.id, 'extraction', 'c', 60_000), "b could not release a's lease").toBe(
          false,
        );
        await store.transition(run.id, {
          stage: 'EXTRACTED',
          at: at(2000),
          release: { stage: 'extraction', owner: 'a' },
        });
        expect(await store.acquireLease(run.id, 'extraction', 'c', 60_000)).toBe(true);
      });

      it('a resend with the key of the last applied transition writes nothing and returns that event', async () => {
        const { run } = await create();
        const t = { stage: 'EXTRACTED' as const, at: at(1000), extraction, running: null, key: 'k-once' };
        const first = await applied(run.id, t);
        const again = await applied(run.id, t);
        expect(again.event).toEqual(first.event);
        expect(again.run).toEqual(first.run);
        expect((await store.events(run.id)).map((e) => e.seq)).toEqual([1, 2]);
        const other = await store.transition(run.id, { ...t, key: 'k-other', at: at(2000) });
        expect(other.event.seq).toBe(3);
      });

      it('appends the next event, answers with it, and updates the run', async () => {
        const { run } = await create();
        const r = await applied(run.id, {
          stage: 'EXTRACTING',
          at: at(1000),
          attempt: 1,
          message: null,
          running: 'extraction',
          clearError: true,
        });
        const expected: StageEvent = {
          runId: run.id,
          seq: 2,
          stage: 'EXTRACTING',
          at: at(1000),
          attempt: 1,
          message: null,
          error: null,
        };
        expect(r.event).toEqual(expected);
        expect(r.run).toEqual({ ...run, stage: 'EXTRACTING', updatedAt: at(1000), running: 'extraction' });
        expect(await store.get(run.id)).toEqual(r.run);
        expect((await store.events(run.id))[1]).toEqual(expected);
      });

      it('keeps an attempt message, including an empty one, and leaves absent fields null', async () => {
        const { run } = await create();
        const a = await store.transition(run.id, {
          stage: 'EXTRACTING',
          at: at(1),
          attempt: 2,
          message: 'HTTP 503; waiting 500 ms',
        });
        const b = await store.transition(run.id, { stage: 'EXTRACTING', at: at(2), message: '' });
        expect(a.event).toMatchObject({ attempt: 2, message: 'HTTP 503; waiting 500 ms', error: null });
        expect(b.event).toMatchObject({ attempt: null, message: '', error: null });
        expect((await store.events(run.id)).slice(1)).toEqual([a.event, b.event]);
      });

      it('sets extraction and specialization only when given, and keeps them after', async () => {
        const { run } = await create();
        const x = await applied(run.id, { stage: 'EXTRACTED', at: at(1), extraction, running: null });
        expect(x.run.extraction).toEqual(extraction);
        const s = await applied(run.id, { stage: 'COMPLETE', at: at(2), specialization });
        expect(s.run.extraction).toEqual(extraction);
        expect(s.run.specialization).toEqual(specialization);
        const later = await applied(run.id, { stage: 'SPECIALIZING', at: at(3) });
        expect(later.run).toMatchObject({ extraction, specialization, stage: 'SPECIALIZING', updatedAt: at(3) });
      });

      it('sets error when given, keeps it when not, clears it with clearError or error: null', async () => {
        const { run } = await create();
        const e = failure();
        const failed = await applied(run.id, { stage: 'FAILED', at: at(1), error: e, running: null });
        expect(failed.event.error).toEqual(e);
        expect(failed.run.error).toEqual(e);
        const kept = await applied(run.id, { stage: 'EXTRACTING', at: at(2), attempt: 1 });
        expect(kept.run.error).toEqual(e);
        expect(kept.event.error).toBeNull();
        const cleared = await applied(run.id, { stage: 'EXTRACTING', at: at(3), clearError: true });
        expect(cleared.run.error).toBeNull();
        await store.transition(run.id, { stage: 'FAILED', at: at(4), error: { ...e, raw: 'not json' } });
        expect((await store.get(run.id))?.error).toEqual({ ...e, raw: 'not json' });
        const nulled = await applied(run.id, { stage: 'EXTRACTING', at: at(5), error: null });
        expect(nulled.run.error).toBeNull();
      });

      it('sets running when given (null clears it) and keeps it when not', async () => {
        const { run } = await create();
        const a = await applied(run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        expect(a.run.running).toBe('extraction');
        const b = await applied(run.id, { stage: 'EXTRACTING', at: at(2), attempt: 2 });
        expect(b.run.running).toBe('extraction');
        const c = await applied(run.id, { stage: 'EXTRACTED', at: at(3), running: null, extraction });
        expect(c.run.running).toBeNull();
      });

      it('throws RUN_NOT_FOUND for an unknown run, with a resend key or without', async () => {
        for (const key of [undefined, 'k-unknown']) {
          await expect(store.transition('no-such-run', { stage: 'EXTRACTING', at: at(1), key })).rejects.toMatchObject({
            code: 'RUN_NOT_FOUND',
          });
        }
        expect(await store.events('no-such-run')).toEqual([]);
      });

      it('concurrent transitions of one run get distinct, gapless seqs in order', async () => {
        const { run } = await create();
        const all = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.transition(run.id, { stage: 'EXTRACTING', at: at(i), attempt: i + 1 }),
          ),
        );
        expect(all.map((r) => r.event.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
        const events = await store.events(run.id);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
        for (const r of all) expect(events[r.event.seq - 1]).toEqual(r.event);
      });
    });

    describe('events', () => {
      it('are in order, and only those after afterSeq when given', async () => {
        const { run } = await create();
        await store.transition(run.id, { stage: 'EXTRACTING', at: at(1), attempt: 1, running: 'extraction' });
        await store.transition(run.id, { stage: 'EXTRACTED', at: at(2), extraction, running: null });
        await store.transition(run.id, { stage: 'SPECIALIZING', at: at(3), attempt: 1, running: 'specialization' });
        const all = await store.events(run.id);
        expect(all.map((e) => [e.seq, e.stage])).toEqual([
          [1, 'RECEIVED'],
          [2, 'EXTRACTING'],
          [3, 'EXTRACTED'],
          [4, 'SPECIALIZING'],
        ]);
        expect(await store.events(run.id, 0)).toEqual(all);
        expect(await store.events(run.id, 2)).toEqual(all.slice(2));
        expect(await store.events(run.id, 4)).toEqual([]);
        expect(await store.events(run.id, 99)).toEqual([]);
      });

      it('eventsOfMany answers per run in the order asked, [] for unknown ids', async () => {
        const a = await create();
        const b = await create();
        await store.transition(b.run.id, { stage: 'EXTRACTING', at: at(1), attempt: 1 });
        const [eb, unknown, ea] = await store.eventsOfMany([b.run.id, 'unknown', a.run.id]);
        expect(eb?.map((e) => [e.runId, e.seq])).toEqual([
          [b.run.id, 1],
          [b.run.id, 2],
        ]);
        expect(unknown).toEqual([]);
        expect(ea).toEqual(await store.events(a.run.id));
        expect(await store.eventsOfMany([])).toEqual([]);
      });
    });

    describe('list', () => {
      it('pages newest first with opaque cursors', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await create()).run.id);
        const newestFirst = [...ids].reverse();
        const p1 = await store.list({ first: 2 });
        expect(p1.runs.map((r) => r.run.id)).toEqual(newestFirst.slice(0, 2));
        expect(p1.hasNextPage).toBe(true);
        const p2 = await store.list({ first: 2, after: p1.runs[1]?.cursor });
        expect(p2.runs.map((r) => r.run.id)).toEqual(newestFirst.slice(2, 4));
        expect(p2.hasNextPage).toBe(true);
        const p3 = await store.list({ first: 2, after: p2.runs[1]?.cursor });
        expect(p3.runs.map((r) => r.run.id)).toEqual(newestFirst.slice(4));
        expect(p3.hasNextPage).toBe(false);
        const all = await store.list({ first: 5 });
        expect(all.hasNextPage).toBe(false);
        expect(all.runs.map((r) => r.run)).toEqual(await store.getMany(newestFirst));
        expect(await store.list({ first: 0 })).toEqual({ runs: [], hasNextPage: true });
      });

      it('answers an empty page on an empty store', async () => {
        expect(await store.list({ first: 10 })).toEqual({ runs: [], hasNextPage: false });
      });

      it('filters by stage, following transitions', async () => {
        const a = await create();
        const b = await create();
        const c = await create();
        await store.transition(a.run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        await store.transition(c.run.id, { stage: 'EXTRACTING', at: at(2), running: 'extraction' });
        await store.transition(c.run.id, { stage: 'EXTRACTED', at: at(3), extraction, running: null });
        const ids = async (stage: 'RECEIVED' | 'EXTRACTING' | 'EXTRACTED' | 'COMPLETE') =>
          (await store.list({ first: 10, stage })).runs.map((r) => r.run.id);
        expect(await ids('RECEIVED')).toEqual([b.run.id]);
        expect(await ids('EXTRACTING')).toEqual([a.run.id]);
        expect(await ids('EXTRACTED')).toEqual([c.run.id]);
        expect(await ids('COMPLETE')).toEqual([]);
        // a stage's list stays newest-created first, whenever each run got there
        await store.transition(a.run.id, { stage: 'EXTRACTED', at: at(4), extraction, running: null });
        expect(await ids('EXTRACTED')).toEqual([c.run.id, a.run.id]);
        const p1 = await store.list({ first: 1, stage: 'EXTRACTED' });
        expect(p1.hasNextPage).toBe(true);
        const p2 = await store.list({ first: 1, stage: 'EXTRACTED', after: p1.runs[0]?.cursor });
        expect(p2.runs.map((r) => r.run.id)).toEqual([a.run.id]);
        expect(p2.hasNextPage).toBe(false);
      });

      it('refuses a cursor it did not issue with BAD_USER_INPUT', async () => {
        await create();
        const forged = (s: string) => Buffer.from(s).toString('base64url');
        for (const after of ['garbage', forged('run:abc'), forged('run:1234567890123456'), forged('other:1')]) {
          const err = await store.list({ first: 1, after }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(AppError);
          expect(err).toMatchObject({ code: 'BAD_USER_INPUT' });
        }
      });
    });

    describe('runs by pipeline', () => {
      const ids = async (q: { first?: number; stage?: PipelineStage; pipeline?: string; after?: string }) =>
        (await store.list({ first: 10, ...q })).runs.map((r) => r.run.id);

      it('a run keeps its pipeline and version through its transitions', async () => {
        const { run } = await create({ pipeline: BANKING });
        expect(run.pipeline).toEqual(BANKING);
        await store.transition(run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        const { run: after } = await applied(run.id, {
          stage: 'EXTRACTED',
          at: at(2),
          extraction,
          running: null,
        });
        expect(after.pipeline).toEqual(BANKING);
        expect((await store.get(run.id))?.pipeline).toEqual(BANKING);
        expect((await store.getMany([run.id]))[0]?.pipeline).toEqual(BANKING);
        expect((await store.list({ first: 1 })).runs[0]?.run.pipeline).toEqual(BANKING);
      });

      it('lists one pipeline (every version of it) newest first, page by page', async () => {
        const t1 = await create({ pipeline: TRAVEL });
        const b1 = await create({ pipeline: BANKING });
        const t2 = await create({ pipeline: TRAVEL_V2 });
        const b2 = await create({ pipeline: BANKING });
        const t3 = await create({ pipeline: TRAVEL });
        const b3 = await create({ pipeline: BANKING });
        const t4 = await create({ pipeline: TRAVEL_V2 });
        const b4 = await create({ pipeline: BANKING });
        const travel = [t4, t3, t2, t1].map((r) => r.run.id);

        expect(await ids({ pipeline: 'travel' })).toEqual(travel);
        expect(await ids({ pipeline: 'banking' })).toEqual([b4, b3, b2, b1].map((r) => r.run.id));
        expect(await ids({ pipeline: 'telecom' })).toEqual([]);
        expect(await store.list({ first: 10, pipeline: 'telecom' })).toEqual({ runs: [], hasNextPage: false });

        // pages of exactly `first` runs of the pipeline; the last one says there is no next, though older
        // runs of another pipeline follow
        const p1 = await store.list({ first: 2, pipeline: 'travel' });
        expect(p1.runs.map((r) => r.run.id)).toEqual(travel.slice(0, 2));
        expect(p1.hasNextPage).toBe(true);
        const p2 = await store.list({ first: 2, pipeline: 'travel', after: p1.runs[1]?.cursor });
        expect(p2.runs.map((r) => r.run.id)).toEqual(travel.slice(2));
        expect(p2.hasNextPage).toBe(false);
        const p3 = await store.list({ first: 3, pipeline: 'travel', after: p1.runs[0]?.cursor });
        expect(p3.runs.map((r) => r.run.id)).toEqual(travel.slice(1));
        expect(p3.hasNextPage).toBe(false);
        expect(p2.runs.map((r) => r.run)).toEqual(await store.getMany(travel.slice(2)));
        // a cursor is a place in creation order: one from the unfiltered list pages a filtered one
        const all = await store.list({ first: 4 });
        expect(all.runs.map((r) => r.run.id)).toEqual([b4, t4, b3, t3].map((r) => r.run.id));
        expect(await ids({ pipeline: 'travel', after: all.runs[3]?.cursor })).toEqual([t2, t1].map((r) => r.run.id));
      });

      it('lists by stage and pipeline together, following transitions, page by page', async () => {
        const travel = [];
        const banking = [];
        for (let i = 0; i < 5; i++) {
          travel.push((await create({ pipeline: i % 2 ? TRAVEL : TRAVEL_V2 })).run.id);
          banking.push((await create({ pipeline: BANKING })).run.id);
        }
        const [t0, t1, t2, t3, t4] = travel as [string, string, string, string, string];
        const [b0, b1, b2, b3, b4] = banking as [string, string, string, string, string];
        for (const id of [t0, t2, t4, b1, b3]) {
          await store.transition(id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        }
        expect(await ids({ stage: 'EXTRACTING', pipeline: 'travel' })).toEqual([t4, t2, t0]);
        expect(await ids({ stage: 'EXTRACTING', pipeline: 'banking' })).toEqual([b3, b1]);
        expect(await ids({ stage: 'RECEIVED', pipeline: 'travel' })).toEqual([t3, t1]);
        expect(await ids({ stage: 'RECEIVED', pipeline: 'banking' })).toEqual([b4, b2, b0]);
        expect(await ids({ stage: 'EXTRACTING' })).toEqual([t4, b3, t2, b1, t0]);
        expect(await ids({ stage: 'COMPLETE', pipeline: 'travel' })).toEqual([]);
        expect(await ids({ stage: 'EXTRACTING', pipeline: 'telecom' })).toEqual([]);

        const p1 = await store.list({ first: 2, stage: 'EXTRACTING', pipeline: 'travel' });
        expect(p1.runs.map((r) => r.run.id)).toEqual([t4, t2]);
        expect(p1.hasNextPage).toBe(true);
        const p2 = await store.list({ first: 2, stage: 'EXTRACTING', pipeline: 'travel', after: p1.runs[1]?.cursor });
        expect(p2.runs.map((r) => r.run.id)).toEqual([t0]);
        expect(p2.hasNextPage).toBe(false);
        const exact = await store.list({ first: 3, stage: 'EXTRACTING', pipeline: 'travel' });
        expect(exact.runs.map((r) => r.run.id)).toEqual([t4, t2, t0]);
        expect(exact.hasNextPage).toBe(false);

        // a run leaves its pipeline's list of the stage it left, and joins the one it reached
        await store.transition(t2, { stage: 'EXTRACTED', at: at(2), extraction, running: null });
        await store.transition(b1, { stage: 'FAILED', at: at(2), error: failure(), running: null });
        expect(await ids({ stage: 'EXTRACTING', pipeline: 'travel' })).toEqual([t4, t0]);
        expect(await ids({ stage: 'EXTRACTED', pipeline: 'travel' })).toEqual([t2]);
        expect(await ids({ stage: 'EXTRACTED', pipeline: 'banking' })).toEqual([]);
        expect(await ids({ stage: 'FAILED', pipeline: 'banking' })).toEqual([b1]);
        expect(await ids({ pipeline: 'travel' })).toEqual([t4, t3, t2, t1, t0]);
        // the interrupted-run sweep is a transition too
        const swept = await store.markInterrupted(at(3), interrupted);
        expect(swept.map((e) => e.runId).sort()).toEqual([t0, t4, b3].sort());
        expect(await ids({ stage: 'EXTRACTING', pipeline: 'travel' })).toEqual([]);
        expect(await ids({ stage: 'FAILED', pipeline: 'travel' })).toEqual([t4, t0]);
        expect(await ids({ stage: 'FAILED', pipeline: 'banking' })).toEqual([b3, b1]);
      });
    });

    describe('pipeline definitions', () => {
      // plain JSON as a loader makes it: nesting, arrays, unicode, numbers, nulls, key order
      const definition = {
        description: 'Flight changes — ünïcode, "quotes" and \\ backslashes',
        extraction: {
          model: 'sim-extractor',
          fallbacks: [],
          prompt: 'You extract...\nline two',
          schema: {
            type: 'object',
            required: ['action'],
            properties: { action: { enum: ['modify_flight', 'unknown'] }, seat: { pattern: '^[0-9]{1,3}[A-Z]$' } },
          },
          options: { temperature: 0.1, maxTokens: 500 },
          cache: null,
        },
        rules: [{ id: 'r1', when: {}, verdict: { isValid: false, reason: 'no', nextSteps: ['a'] } }],
        zeta: 1.5e-7,
        alpha: true,
      };

      it('round-trips a saved definition, equal and in its key order', async () => {
        await store.savePipeline(TRAVEL, definition);
        const read = await store.pipelineDefinition(TRAVEL);
        expect(read).toEqual(definition);
        expect(JSON.stringify(read)).toBe(JSON.stringify(definition));
        expect(await store.pipelineDefinition({ ...TRAVEL })).toEqual(definition);
      });

      it('answers null for a name or version never saved', async () => {
        await store.savePipeline(TRAVEL, definition);
        expect(await store.pipelineDefinition(TRAVEL_V2)).toBeNull();
        expect(await store.pipelineDefinition({ name: 'telecom', version: TRAVEL.version })).toBeNull();
        expect(await store.pipelineDefinition(LEGACY_PIPELINE)).toBeNull();
      });

      it('saving again is harmless; the first save of a version stands', async () => {
        await store.savePipeline(TRAVEL, definition);
        await store.savePipeline(TRAVEL, definition);
        await Promise.all(Array.from({ length: 5 }, () => store.savePipeline(TRAVEL, definition)));
        await store.savePipeline(TRAVEL, { other: true });
        expect(await store.pipelineDefinition(TRAVEL)).toEqual(definition);
      });

      it('keeps the versions of a name, and the names, apart', async () => {
        await store.savePipeline(TRAVEL, definition);
        await store.savePipeline(TRAVEL_V2, { v: 2 });
        await store.savePipeline({ name: 'banking', version: TRAVEL.version }, ['banking']);
        expect(await store.pipelineDefinition(TRAVEL)).toEqual(definition);
        expect(await store.pipelineDefinition(TRAVEL_V2)).toEqual({ v: 2 });
        expect(await store.pipelineDefinition({ name: 'banking', version: TRAVEL.version })).toEqual(['banking']);
      });

      it('refuses what is not JSON, and saves nothing for it', async () => {
        await expect(store.savePipeline(BANKING, undefined)).rejects.toThrow(TypeError);
        expect(await store.pipelineDefinition(BANKING)).toBeNull();
      });

      it('outlives the runs that used it: retention deletes runs, never definitions', async () => {
        await store.savePipeline(BANKING, definition);
        await create({ pipeline: BANKING, createdAt: at(10) });
        expect(await store.deleteCreatedBefore(at(20))).toBe(1);
        expect(await store.pipelineDefinition(BANKING)).toEqual(definition);
      });
    });

    describe('leases', () => {
      // long enough that no pause of a busy machine lets a lease meant to be live run out
      const lease = (stage: StageName = 'extraction') => ({ stage, ttl: 60_000 });

      it('one owner at a time; the owner may take it again; stages are independent', async () => {
        const { run } = await create();
        const { stage, ttl } = lease();
        expect(await store.acquireLease(run.id, stage, 'a', ttl)).toBe(true);
        expect(await store.acquireLease(run.id, stage, 'b', ttl)).toBe(false);
        expect(await store.acquireLease(run.id, stage, 'a', ttl)).toBe(true);
        expect(await store.acquireLease(run.id, 'specialization', 'b', ttl)).toBe(true);
      });

      it('renew and release only by the owner', async () => {
        const { run } = await create();
        const { stage, ttl } = lease();
        await store.acquireLease(run.id, stage, 'a', ttl);
        expect(await store.renewLease(run.id, stage, 'b', ttl)).toBe(false);
        expect(await store.renewLease(run.id, stage, 'a', ttl)).toBe(true);
        await store.releaseLease(run.id, stage, 'b');
        expect(await store.acquireLease(run.id, stage, 'b', ttl)).toBe(false);
        await store.releaseLease(run.id, stage, 'a');
        expect(await store.renewLease(run.id, stage, 'a', ttl)).toBe(false);
        expect(await store.acquireLease(run.id, stage, 'b', ttl)).toBe(true);
      });

      it('an expired lease may be taken by another owner, and is then lost to the first', async () => {
        const { run } = await create();
        expect(await store.acquireLease(run.id, 'extraction', 'a', 60)).toBe(true);
        await sleep(150);
        expect(await store.acquireLease(run.id, 'extraction', 'b', 60_000)).toBe(true);
        expect(await store.renewLease(run.id, 'extraction', 'a', 60_000)).toBe(false);
        expect(await store.acquireLease(run.id, 'extraction', 'a', 60_000)).toBe(false);
      });

      it('renewing extends the lease', async () => {
        const { run } = await create();
        expect(await store.acquireLease(run.id, 'extraction', 'a', 2_000)).toBe(true);
        expect(await store.renewLease(run.id, 'extraction', 'a', 60_000)).toBe(true);
        // past the first expiry, well within the renewed one
        await sleep(2_200);
        expect(await store.acquireLease(run.id, 'extraction', 'b', 60_000)).toBe(false);
      });

      it('renewing a lease that expired fails, even before anyone else takes it ("false when it was lost")', async () => {
        const { run } = await create();
        expect(await store.acquireLease(run.id, 'extraction', 'a', 60)).toBe(true);
        await sleep(150);
        expect(await store.renewLease(run.id, 'extraction', 'a', 5_000)).toBe(false);
      });

      it('concurrent acquires by many owners: exactly one wins', async () => {
        const { run } = await create();
        const wins = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.acquireLease(run.id, 'extraction', `owner-${i}`, 60_000)),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('markInterrupted', () => {
      it('fails runs with a stage running and no live lease, and leaves the others alone', async () => {
        const orphan = await create();
        const leased = await create();
        const otherStageLeased = await create();
        const expired = await create();
        const idle = await create();
        await store.transition(orphan.run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        await store.transition(leased.run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        await store.acquireLease(leased.run.id, 'extraction', 'alive', 60_000);
        await store.transition(otherStageLeased.run.id, { stage: 'EXTRACTED', at: at(1), extraction });
        await store.transition(otherStageLeased.run.id, {
          stage: 'SPECIALIZING',
          at: at(2),
          running: 'specialization',
        });
        await store.acquireLease(otherStageLeased.run.id, 'extraction', 'alive', 60_000);
        await store.transition(expired.run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        await store.acquireLease(expired.run.id, 'extraction', 'dead', 50);
        await sleep(120);

        const events = await store.markInterrupted(at(500), interrupted);
        const byRun = new Map(events.map((e) => [e.runId, e]));
        expect([...byRun.keys()].sort()).toEqual([orphan.run.id, otherStageLeased.run.id, expired.run.id].sort());
        expect(byRun.get(orphan.run.id)).toEqual({
          runId: orphan.run.id,
          seq: 3,
          stage: 'FAILED',
          at: at(500),
          attempt: null,
          message: null,
          error: interrupted('extraction'),
        });
        expect(byRun.get(otherStageLeased.run.id)).toMatchObject({ seq: 4, error: interrupted('specialization') });

        const after = await store.get(orphan.run.id);
        expect(after).toMatchObject({
          stage: 'FAILED',
          running: null,
          error: interrupted('extraction'),
          updatedAt: at(500),
        });
        expect((await store.events(orphan.run.id)).at(-1)).toEqual(byRun.get(orphan.run.id));
        expect(await store.get(leased.run.id)).toMatchObject({
          stage: 'EXTRACTING',
          running: 'extraction',
          error: null,
        });
        expect(await store.get(idle.run.id)).toMatchObject({ stage: 'RECEIVED', running: null });
        expect((await store.list({ first: 10, stage: 'FAILED' })).runs).toHaveLength(3);

        // nothing left to mark, and the leased run once its holder lets go
        expect(await store.markInterrupted(at(501), interrupted)).toEqual([]);
        await store.releaseLease(leased.run.id, 'extraction', 'alive');
        expect((await store.markInterrupted(at(502), interrupted)).map((e) => e.runId)).toEqual([leased.run.id]);
      });

      it('answers [] when nothing runs', async () => {
        await create();
        expect(await store.markInterrupted(at(1), interrupted)).toEqual([]);
      });
    });

    // a store outage longer than the lease lets a live holder's lease lapse: from the store alone it
    // looks like a dead one, so the others give it graceMs to take its lease back
    describe('a lease that lapsed while its stage runs (graceMs)', () => {
      const LONG_GRACE = 60_000;
      const lapsedWhileRunning = async () => {
        const { run } = await create();
        await store.transition(run.id, { stage: 'EXTRACTING', at: at(1), running: 'extraction' });
        expect(await store.acquireLease(run.id, 'extraction', 'holder', 50)).toBe(true);
        await sleep(150);
        return run;
      };
      const patiently = { timeout: 20_000, interval: 100 };

      it('is neither taken over nor swept within graceMs, and its holder takes it back at once', async () => {
        const run = await lapsedWhileRunning();
        expect(await store.acquireLease(run.id, 'extraction', 'other', 60_000, LONG_GRACE)).toBe(false);
        expect(await store.markInterrupted(at(2), interrupted, LONG_GRACE)).toEqual([]);
        expect(await store.acquireLease(run.id, 'extraction', 'holder', 60_000)).toBe(true);
        expect(await store.renewLease(run.id, 'extraction', 'holder', 60_000)).toBe(true);
        expect(await store.acquireLease(run.id, 'extraction', 'other', 60_000, 0)).toBe(false);
        expect(await store.get(run.id)).toMatchObject({ stage: 'EXTRACTING', running: 'extraction', error: null });
      });

      it('is taken over by another owner once it has stayed lapsed for graceMs', async () => {
        const run = await lapsedWhileRunning();
        await expect.poll(() => store.acquireLease(run.id, 'extraction', 'other', 60_000, 200), patiently).toBe(true);
        expect(await store.acquireLease(run.id, 'extraction', 'holder', 60_000)).toBe(false);
      });

      it('is swept once it has stayed lapsed for graceMs', async () => {
        const run = await lapsedWhileRunning();
        await expect
          .poll(async () => (await store.markInterrupted(at(3), interrupted, 200)).map((e) => e.runId), patiently)
          .toEqual([run.id]);
        expect(await store.get(run.id)).toMatchObject({
          stage: 'FAILED',
          running: null,
          error: interrupted('extraction'),
        });
      });

      it('goes at once when its stage is not marked running (the holder never started a call)', async () => {
        const { run } = await create();
        expect(await store.acquireLease(run.id, 'extraction', 'holder', 50)).toBe(true);
        await sleep(150);
        expect(await store.acquireLease(run.id, 'extraction', 'other', 60_000, LONG_GRACE)).toBe(true);
      });
    });

    describe('deleteCreatedBefore', () => {
      it('deletes older runs with their events, keys and index entries; returns how many', async () => {
        const old1 = await create({ createdAt: at(10), idempotencyKey: 'k-old' });
        const old2 = await create({ createdAt: at(20) });
        const edge = await create({ createdAt: at(30) });
        const young = await create({ createdAt: at(40) });
        await store.transition(old2.run.id, { stage: 'EXTRACTING', at: at(21), running: 'extraction' });

        expect(await store.deleteCreatedBefore(at(30))).toBe(2);
        expect(await store.getMany([old1.run.id, old2.run.id, edge.run.id, young.run.id])).toEqual([
          null,
          null,
          edge.run,
          young.run,
        ]);
        expect(await store.events(old1.run.id)).toEqual([]);
        expect(await store.events(old2.run.id)).toEqual([]);
        expect((await store.list({ first: 10 })).runs.map((r) => r.run.id)).toEqual([young.run.id, edge.run.id]);
        expect((await store.list({ first: 10, stage: 'EXTRACTING' })).runs).toEqual([]);
        expect((await store.list({ first: 10, pipeline: 'travel' })).runs.map((r) => r.run.id)).toEqual([
          young.run.id,
          edge.run.id,
        ]);
        expect((await store.list({ first: 10, pipeline: 'travel', stage: 'EXTRACTING' })).runs).toEqual([]);
        expect(await store.markInterrupted(at(50), () => failure('RUN_INTERRUPTED'))).toEqual([]);
        // the key named a deleted run: a new run is made
        const again = await create({ idempotencyKey: 'k-old', createdAt: at(50) });
        expect(again.created).toBe(true);
        expect(await store.deleteCreatedBefore(at(30))).toBe(0);
      });
    });

    describe('API key', () => {
      it('a run keeps the name of the key that created it through its transitions; null on an open server', async () => {
        const { run } = await create({ apiKey: 'ops-team' });
        const open = await create();
        expect(run.apiKey).toBe('ops-team');
        expect(open.run.apiKey).toBeNull();
        const moved = await applied(run.id, { stage: 'EXTRACTED', at: at(1), extraction, running: null });
        expect(moved.run.apiKey).toBe('ops-team');
        expect((await store.get(run.id))?.apiKey).toBe('ops-team');
        expect((await store.getMany([open.run.id, run.id])).map((r) => r?.apiKey)).toEqual([null, 'ops-team']);
        expect((await store.list({ first: 2 })).runs.map((r) => r.run.apiKey)).toEqual([null, 'ops-team']);
      });

      it('an idempotent create answers the run with the key that created it', async () => {
        const first = await create({ apiKey: 'ops-team', idempotencyKey: 'k-api' });
        const again = await create({ apiKey: 'other', idempotencyKey: 'k-api' });
        expect(again.created).toBe(false);
        expect(again.run.apiKey).toBe('ops-team');
        expect(again.run).toEqual(first.run);
      });
    });

    describe("a stage result's cache and fallback fields", () => {
      it('are kept inside the stored result', async () => {
        const { run } = await create();
        const cachedExtraction: ExtractionResult = {
          ...extraction,
          usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
          cached: true,
          cachedFrom: 'run-that-paid',
          modelsTried: ['primary-extractor', 'backup-extractor'],
        };
        const fallbackSpecialization: SpecializationResult = {
          ...specialization,
          cached: false,
          cachedFrom: null,
          modelsTried: [],
        };
        await store.transition(run.id, { stage: 'EXTRACTED', at: at(1), extraction: cachedExtraction });
        await store.transition(run.id, { stage: 'COMPLETE', at: at(2), specialization: fallbackSpecialization });
        expect(await store.get(run.id)).toMatchObject({
          extraction: cachedExtraction,
          specialization: fallbackSpecialization,
        });
      });
    });

    describe('usage', () => {
      const DAY1 = '2030-01-01';
      const DAY2 = '2030-01-02';
      const DAY3 = '2030-01-03';
      const span = (groupBy: UsageGroup[], fromDay = DAY1, toDay = DAY3) => store.usage({ fromDay, toDay, groupBy });
      /** a run whose stage's final write carries `usage` */
      const pay = async (usage: UsageIncrement[], onStore: RunStore = store) => {
        const { run } = await onStore.create(newRun(), EPOCH);
        await onStore.transition(run.id, { stage: 'EXTRACTED', at: at(1), extraction, running: null, usage });
        return run;
      };

      it('is counted with the transition that carries it', async () => {
        expect(await span([])).toStrictEqual([totals()]);
        await pay([spend()]);
        expect(await span([])).toStrictEqual([totals({ runs: 1, promptTokens: 10, completionTokens: 5 })]);
        expect(await store.tokensSpent('alpha', DAY1)).toBe(15);
      });

      it('a resend with the key of the last applied transition counts nothing again; another key counts', async () => {
        const { run } = await create();
        const t = {
          stage: 'EXTRACTED' as const,
          at: at(1),
          extraction,
          running: null,
          key: 'k-paid',
          usage: [spend()],
        };
        await store.transition(run.id, t);
        await store.transition(run.id, t);
        await Promise.all(Array.from({ length: 5 }, () => store.transition(run.id, t)));
        expect(await span([])).toStrictEqual([totals({ runs: 1, promptTokens: 10, completionTokens: 5 })]);
        expect(await store.tokensSpent('alpha', DAY1)).toBe(15);
        await store.transition(run.id, { ...t, key: 'k-next' });
        expect(await span([])).toStrictEqual([totals({ runs: 2, promptTokens: 20, completionTokens: 10 })]);
        expect(await store.tokensSpent('alpha', DAY1)).toBe(30);
      });

      it('counts nothing for an unknown run', async () => {
        await expect(
          store.transition('no-such-run', { stage: 'EXTRACTED', at: at(1), usage: [spend()] }),
        ).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
        expect(await span([])).toStrictEqual([totals()]);
        expect(await store.tokensSpent('alpha', DAY1)).toBe(0);
      });

      it('refuses an increment that is not a count or not a day, and writes nothing of the transition', async () => {
        const { run } = await create();
        for (const bad of [{ promptTokens: 1.5 }, { runs: -1 }, { cacheHits: Number.NaN }, { day: '2030-13-01' }]) {
          await expect(
            store.transition(run.id, { stage: 'EXTRACTED', at: at(1), extraction, usage: [spend(), spend(bad)] }),
          ).rejects.toThrow(TypeError);
        }
        expect(await store.events(run.id)).toHaveLength(1);
        expect(await store.get(run.id)).toEqual(run);
        expect(await span([])).toStrictEqual([totals()]);
      });

      it('sums increments of many runs written at once, none lost', async () => {
        await Promise.all(Array.from({ length: 20 }, () => pay([spend(), spend({ model: 'sim-specialist' })])));
        expect(await span([])).toStrictEqual([totals({ runs: 40, promptTokens: 400, completionTokens: 200 })]);
        expect(await store.tokensSpent('alpha', DAY1)).toBe(600);
      });

      describe('grouped', () => {
        // three days of two keys, the open server (null), two pipelines and two models; and the days around them
        beforeEach(async () => {
          await pay([
            spend({ promptTokens: 10, completionTokens: 5 }),
            spend({ model: 'sim-specialist', runs: 0, promptTokens: 7, completionTokens: 3 }),
          ]);
          await pay([spend({ key: null, pipeline: 'banking', promptTokens: 20, completionTokens: 2 })]);
          await pay([spend({ key: 'beta', promptTokens: 0, completionTokens: 0, cacheHits: 1 })]);
          await pay([
            spend({
              day: DAY2,
              pipeline: 'banking',
              model: 'sim-specialist',
              promptTokens: 4,
              completionTokens: 4,
              rulesDecisions: 1,
            }),
          ]);
          await pay([spend({ day: DAY3, key: 'beta', promptTokens: 1, completionTokens: 1 })]);
          await pay([spend({ day: DAY3, key: 'beta', promptTokens: 2, completionTokens: 2 })]);
          // outside the span
          await pay([spend({ day: '2029-12-31', promptTokens: 1000 })]);
          await pay([spend({ day: '2030-01-04', key: null, promptTokens: 1000 })]);
        });

        it('no dimension: one row of totals over the span, no dimension set', async () => {
          expect(await span([])).toStrictEqual([
            totals({ runs: 6, promptTokens: 44, completionTokens: 17, cacheHits: 1, rulesDecisions: 1 }),
          ]);
        });

        it('by key: the open server (null) first, then the names', async () => {
          expect(await span(['KEY'])).toStrictEqual([
            totals({ key: null, runs: 1, promptTokens: 20, completionTokens: 2 }),
            totals({ key: 'alpha', runs: 2, promptTokens: 21, completionTokens: 12, rulesDecisions: 1 }),
            totals({ key: 'beta', runs: 3, promptTokens: 3, completionTokens: 3, cacheHits: 1 }),
          ]);
        });

        it('by pipeline, by model, by day', async () => {
          expect(await span(['PIPELINE'])).toStrictEqual([
            totals({ pipeline: 'banking', runs: 2, promptTokens: 24, completionTokens: 6, rulesDecisions: 1 }),
            totals({ pipeline: 'travel', runs: 4, promptTokens: 20, completionTokens: 11, cacheHits: 1 }),
          ]);
          expect(await span(['MODEL'])).toStrictEqual([
            totals({ model: 'sim-extractor', runs: 5, promptTokens: 33, completionTokens: 10, cacheHits: 1 }),
            totals({ model: 'sim-specialist', runs: 1, promptTokens: 11, completionTokens: 7, rulesDecisions: 1 }),
          ]);
          expect(await span(['DAY'])).toStrictEqual([
            totals({ day: DAY1, runs: 3, promptTokens: 37, completionTokens: 10, cacheHits: 1 }),
            totals({ day: DAY2, runs: 1, promptTokens: 4, completionTokens: 4, rulesDecisions: 1 }),
            totals({ day: DAY3, runs: 2, promptTokens: 3, completionTokens: 3 }),
          ]);
        });

        it('by several dimensions, sorted by each in the order asked', async () => {
          expect(await span(['DAY', 'KEY'])).toStrictEqual([
            totals({ day: DAY1, key: null, runs: 1, promptTokens: 20, completionTokens: 2 }),
            totals({ day: DAY1, key: 'alpha', runs: 1, promptTokens: 17, completionTokens: 8 }),
            totals({ day: DAY1, key: 'beta', runs: 1, cacheHits: 1 }),
            totals({ day: DAY2, key: 'alpha', runs: 1, promptTokens: 4, completionTokens: 4, rulesDecisions: 1 }),
            totals({ day: DAY3, key: 'beta', runs: 2, promptTokens: 3, completionTokens: 3 }),
          ]);
          expect(await span(['KEY', 'DAY'])).toStrictEqual([
            totals({ key: null, day: DAY1, runs: 1, promptTokens: 20, completionTokens: 2 }),
            totals({ key: 'alpha', day: DAY1, runs: 1, promptTokens: 17, completionTokens: 8 }),
            totals({ key: 'alpha', day: DAY2, runs: 1, promptTokens: 4, completionTokens: 4, rulesDecisions: 1 }),
            totals({ key: 'beta', day: DAY1, runs: 1, cacheHits: 1 }),
            totals({ key: 'beta', day: DAY3, runs: 2, promptTokens: 3, completionTokens: 3 }),
          ]);
          expect(await span(['MODEL', 'PIPELINE'])).toStrictEqual([
            totals({ model: 'sim-extractor', pipeline: 'banking', runs: 1, promptTokens: 20, completionTokens: 2 }),
            totals({
              model: 'sim-extractor',
              pipeline: 'travel',
              runs: 4,
              promptTokens: 13,
              completionTokens: 8,
              cacheHits: 1,
            }),
            totals({
              model: 'sim-specialist',
              pipeline: 'banking',
              runs: 1,
              promptTokens: 4,
              completionTokens: 4,
              rulesDecisions: 1,
            }),
            totals({ model: 'sim-specialist', pipeline: 'travel', runs: 0, promptTokens: 7, completionTokens: 3 }),
          ]);
          // a dimension asked twice counts once
          expect(await span(['PIPELINE', 'PIPELINE'])).toStrictEqual(await span(['PIPELINE']));
        });

        it('by every dimension: each counted combination of the span', async () => {
          const rows = await span(['KEY', 'PIPELINE', 'MODEL', 'DAY']);
          expect(rows.map((r) => [r.key, r.pipeline, r.model, r.day, r.promptTokens])).toEqual([
            [null, 'banking', 'sim-extractor', DAY1, 20],
            ['alpha', 'banking', 'sim-specialist', DAY2, 4],
            ['alpha', 'travel', 'sim-extractor', DAY1, 10],
            ['alpha', 'travel', 'sim-specialist', DAY1, 7],
            ['beta', 'travel', 'sim-extractor', DAY1, 0],
            ['beta', 'travel', 'sim-extractor', DAY3, 3],
          ]);
        });

        it('over a span of days, both ends included', async () => {
          expect(await span(['DAY'], DAY2, DAY2)).toStrictEqual([
            totals({ day: DAY2, runs: 1, promptTokens: 4, completionTokens: 4, rulesDecisions: 1 }),
          ]);
          expect((await span(['DAY'], '2029-12-31', '2030-01-04')).map((r) => r.day)).toEqual([
            '2029-12-31',
            DAY1,
            DAY2,
            DAY3,
            '2030-01-04',
          ]);
          expect(await span(['KEY'], '2031-01-01', '2031-01-31')).toEqual([]);
          expect(await span([], '2031-01-01', '2031-01-31')).toStrictEqual([totals()]);
        });

        it('tokensSpent: prompt and completion tokens of one key on one day, over pipelines and models', async () => {
          expect(await store.tokensSpent('alpha', DAY1)).toBe(25);
          expect(await store.tokensSpent('alpha', DAY2)).toBe(8);
          expect(await store.tokensSpent('alpha', DAY3)).toBe(0);
          expect(await store.tokensSpent(null, DAY1)).toBe(22);
          expect(await store.tokensSpent(null, '2030-01-04')).toBe(1005);
          expect(await store.tokensSpent('beta', DAY1)).toBe(0);
          expect(await store.tokensSpent('beta', DAY3)).toBe(6);
          expect(await store.tokensSpent('nobody', DAY1)).toBe(0);
        });
      });

      it('refuses a span that is malformed, reversed or longer than 366 days with BAD_USER_INPUT', async () => {
        // 2032 is a leap year: 366 days
        expect(await span(['DAY'], '2032-01-01', '2032-12-31')).toEqual([]);
        for (const [fromDay, toDay] of [
          ['2030-01-01', '2031-01-02'],
          ['2030-01-02', '2030-01-01'],
          ['2030-02-30', '2030-03-01'],
          ['2030-1-1', '2030-01-02'],
          ['yesterday', '2030-01-02'],
        ] as const) {
          const err = await span([], fromDay, toDay).catch((e: unknown) => e);
          expect(err, `${fromDay}..${toDay}`).toBeInstanceOf(AppError);
          expect(err).toMatchObject({ code: 'BAD_USER_INPUT' });
        }
      });

      it("is kept by retention for the cutoff's day and after, though the runs that paid are deleted", async () => {
        const { run } = await create({ createdAt: at(10) });
        await store.transition(run.id, { stage: 'EXTRACTED', at: at(11), usage: [spend(), spend({ day: DAY2 })] });
        expect(await store.deleteCreatedBefore(at(20))).toBe(1);
        expect((await span(['DAY'])).map((r) => [r.day, r.runs])).toEqual([
          [DAY1, 1],
          [DAY2, 1],
        ]);
        expect(await store.tokensSpent('alpha', DAY1)).toBe(15);
      });

      it('is shared by the instances of one store', async () => {
        const [a, b] = await openShared();
        try {
          await pay([spend({ key: 'shared' })], a);
          await pay([spend({ key: 'shared' })], b);
          for (const s of [a, b]) {
            expect(await s.usage({ fromDay: DAY1, toDay: DAY1, groupBy: ['KEY'] })).toStrictEqual([
              totals({ key: 'shared', runs: 2, promptTokens: 20, completionTokens: 10 }),
            ]);
            expect(await s.tokensSpent('shared', DAY1)).toBe(30);
          }
        } finally {
          await a.close();
          await b.close();
        }
      });
    });

    describe('response cache', () => {
      const entry = (runId: string): CachedStage => ({
        runId,
        result: { ...extraction, entities: { action: 'modify_flight', note: 'ünïcode "quoted"' }, modelsTried: [] },
      });

      it('answers what was put under a key, and null for a key never put', async () => {
        await store.cachePut('k-1', entry('run-1'), 60_000);
        expect(await store.cacheGet('k-1')).toEqual(entry('run-1'));
        expect(await store.cacheGet('k-2')).toBeNull();
      });

      it('a put replaces the entry under its key, and its expiry', async () => {
        await store.cachePut('k-1', entry('run-1'), 50);
        await store.cachePut('k-1', entry('run-2'), 60_000);
        await sleep(150);
        expect(await store.cacheGet('k-1')).toEqual(entry('run-2'));
      });

      it('forgets an entry once its TTL has passed, and only that one', async () => {
        await store.cachePut('short', entry('run-1'), 50);
        await store.cachePut('long', entry('run-2'), 60_000);
        await sleep(150);
        expect(await store.cacheGet('short')).toBeNull();
        expect(await store.cacheGet('long')).toEqual(entry('run-2'));
        // retention sweeps what expired, and keeps what did not
        await store.deleteCreatedBefore(at(0));
        expect(await store.cacheGet('short')).toBeNull();
        expect(await store.cacheGet('long')).toEqual(entry('run-2'));
      });

      it('is shared by the instances of one store, and outlives the instance that put it', async () => {
        const [a, b] = await openShared();
        try {
          await a.cachePut('k-shared', entry('run-a'), 60_000);
          expect(await b.cacheGet('k-shared')).toEqual(entry('run-a'));
          await a.close();
          expect(await b.cacheGet('k-shared')).toEqual(entry('run-a'));
        } finally {
          await a.close();
          await b.close();
        }
      });
    });

    describe('ping and close', () => {
      it('ping resolves while the store is reachable', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });
  });
}

/**
 * Runs written before pipelines existed, by the previous schema or layout.
 * `open` writes the given runs (at RECEIVED, their `pipeline` ignored) as the
 * previous version of the store did, then opens this version over them.
 */
export function describeLegacyRunsContract(name: string, open: (legacy: NewRun[]) => Promise<RunStore>): void {
  describe(`RunStore contract, runs written before pipelines: ${name}`, () => {
    let store: RunStore;
    let legacy: NewRun[];
    beforeEach(async () => {
      legacy = [newRun({ createdAt: at(1) }), newRun({ createdAt: at(2), idempotencyKey: 'k-legacy' })];
      store = await open(legacy);
    });
    afterEach(async () => {
      await store.close();
    });
    const ids = async (q: { first?: number; stage?: PipelineStage; pipeline?: string; after?: string }) =>
      (await store.list({ first: 10, ...q })).runs.map((r) => r.run.id);

    it('read as the legacy pipeline', async () => {
      const [old1, old2] = legacy as [NewRun, NewRun];
      expect(await store.get(old1.id)).toMatchObject({
        id: old1.id,
        text: old1.text,
        pipeline: LEGACY_PIPELINE,
        apiKey: null,
      });
      expect((await store.getMany([old2.id]))[0]).toMatchObject({
        idempotencyKey: 'k-legacy',
        pipeline: LEGACY_PIPELINE,
      });
      expect((await store.list({ first: 10 })).runs.map((r) => [r.run.id, r.run.pipeline])).toEqual([
        [old2.id, LEGACY_PIPELINE],
        [old1.id, LEGACY_PIPELINE],
      ]);
    });

    it('are listed under the legacy pipeline, alone and by stage, beside new runs', async () => {
      const [old1, old2] = legacy.map((r) => r.id) as [string, string];
      const fresh = (await store.create(newRun({ pipeline: TRAVEL, createdAt: at(3) }), EPOCH)).run.id;
      const banking = (await store.create(newRun({ pipeline: BANKING, createdAt: at(4) }), EPOCH)).run.id;
      expect(await ids({ pipeline: LEGACY_PIPELINE.name })).toEqual([fresh, old2, old1]);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'RECEIVED' })).toEqual([fresh, old2, old1]);
      expect(await ids({ pipeline: 'banking' })).toEqual([banking]);
      const p1 = await store.list({ first: 2, pipeline: LEGACY_PIPELINE.name, stage: 'RECEIVED' });
      expect(p1.runs.map((r) => r.run.id)).toEqual([fresh, old2]);
      expect(p1.hasNextPage).toBe(true);
      const p2 = await store.list({ first: 2, pipeline: LEGACY_PIPELINE.name, after: p1.runs[1]?.cursor });
      expect(p2.runs.map((r) => r.run.id)).toEqual([old1]);
      expect(p2.hasNextPage).toBe(false);
    });

    it('move between the legacy pipeline stage lists as they go on, and stay legacy', async () => {
      const [old1, old2] = legacy.map((r) => r.id) as [string, string];
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'RECEIVED' })).toEqual([old2, old1]);
      await store.transition(old1, { stage: 'EXTRACTING', at: at(5), running: 'extraction' });
      const run = (await store.get(old1)) as RunRecord;
      expect(run.pipeline).toEqual(LEGACY_PIPELINE);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'EXTRACTING' })).toEqual([old1]);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'RECEIVED' })).toEqual([old2]);
      await store.transition(old1, { stage: 'EXTRACTED', at: at(6), extraction, running: null });
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'EXTRACTING' })).toEqual([]);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'EXTRACTED' })).toEqual([old1]);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name })).toEqual([old2, old1]);
      expect((await store.get(old1))?.pipeline).toEqual(LEGACY_PIPELINE);
    });

    it('are deleted by retention from every list', async () => {
      const [old1, old2] = legacy.map((r) => r.id) as [string, string];
      // moved on before anything listed by pipeline
      await store.transition(old1, { stage: 'EXTRACTING', at: at(5), running: 'extraction' });
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'EXTRACTING' })).toEqual([old1]);
      expect(await store.deleteCreatedBefore(at(2))).toBe(1);
      expect(await store.get(old1)).toBeNull();
      expect(await ids({ pipeline: LEGACY_PIPELINE.name })).toEqual([old2]);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name, stage: 'EXTRACTING' })).toEqual([]);
      expect(await store.deleteCreatedBefore(at(3))).toBe(1);
      expect(await ids({ pipeline: LEGACY_PIPELINE.name })).toEqual([]);
    });
  });
}
