import { beforeEach, describe, expect, it } from 'vitest';
import type { AttemptNotice } from '../src/gateway/types.js';
import type { ExtractionDefinition } from '../src/pipeline/definition/types.js';
import { StageFailure } from '../src/pipeline/failures.js';
import { checkModelOutput, findJsonObject } from '../src/pipeline/output.js';
import { extractionMessages, specializationMessages } from '../src/pipeline/prompts.js';
import { extractionSchema, runExtraction, runSpecialization, specializationSchema } from '../src/pipeline/stages.js';
import { rejection, SEED, type TestGateway, useGateways, useSimulator } from './gateway/fixture.js';

/** docs/api.md "Call policy", the model output line, through the two stages against the simulator. */

const sim = useSimulator();
const gateways = useGateways(sim);
let gw: TestGateway;
beforeEach(() => {
  gw = gateways();
});

const SEED_ENTITIES = { action: 'modify_flight', date: 'next Tuesday', seat: '14A' };
const extract = (notices: AttemptNotice[] = []) =>
  runExtraction(gw.gateway, SEED, { modelId: 'sim-extractor', onAttempt: (n) => notices.push(n) });
const specialize = (notices: AttemptNotice[] = []) =>
  runSpecialization(gw.gateway, SEED_ENTITIES, { modelId: 'sim-specialist', onAttempt: (n) => notices.push(n) });
const sentOptions = () =>
  gw.wire.model().map((e) => (JSON.parse(e.requestBody) as { options: Record<string, unknown> }).options);

describe('the extraction of the seed sentence', () => {
  it('gives {"action":"modify_flight","date":"next Tuesday","seat":"14A"} in one call', async () => {
    const result = await extract();

    expect(JSON.stringify(result.entities)).toBe('{"action":"modify_flight","date":"next Tuesday","seat":"14A"}');
    expect(result.model).toBe('sim-extractor');
    expect(result.attempts).toBe(1);
    expect(result.usage.totalTokens).toBe(result.usage.promptTokens + result.usage.completionTokens);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.correlationId).toEqual(expect.any(String));
    expect(sim.stats.modelCalls).toBe(1);
  });

  it('asks for a JSON object with the default options (maxTokens 500)', async () => {
    await extract();

    expect(sentOptions()).toEqual([{ temperature: 0.1, maxTokens: 500, responseFormat: { type: 'json_object' } }]);
  });
});

describe('the specialization', () => {
  it('validates the extracted request in one call', async () => {
    const result = await specialize();

    expect(result.isValid).toBe(true);
    expect(result.reason).toMatch(/next Tuesday/);
    expect(result.nextSteps.length).toBeGreaterThan(0);
    expect(result.model).toBe('sim-specialist');
    expect(result.attempts).toBe(1);
  });

  it('asks for at most 300 tokens', async () => {
    await specialize();

    expect(sentOptions()).toEqual([{ temperature: 0.1, maxTokens: 300, responseFormat: { type: 'json_object' } }]);
  });

  it('hands the model the extracted entities as JSON', async () => {
    await specialize();

    const body = JSON.parse(gw.wire.model()[0]?.requestBody ?? '{}') as { messages: Array<{ content: string }> };
    expect(body.messages.at(-1)?.content).toContain(JSON.stringify(SEED_ENTITIES));
  });
});

describe('an answer in code fences or wrapped in chatter', () => {
  it.each(['fenced', 'chatty'] as const)('%s: accepted as it is, with no extra call', async (kind) => {
    sim.fault({ kind });

    const result = await extract();

    expect(result.entities).toEqual(SEED_ENTITIES);
    expect(result.attempts).toBe(1);
    expect(sim.stats.modelCalls).toBe(1);
    expect(result.raw, 'the raw text is kept as received').not.toBe(JSON.stringify(SEED_ENTITIES));
  });

  it('fenced specialization: accepted with no extra call', async () => {
    sim.fault({ kind: 'fenced' });

    const result = await specialize();

    expect(result.isValid).toBe(true);
    expect(sim.stats.modelCalls).toBe(1);
  });
});

describe('an answer of the wrong shape, or not JSON', () => {
  it.each([
    ['wrong-shape', 'extraction'],
    ['malformed', 'extraction'],
    ['wrong-shape', 'specialization'],
    ['malformed', 'specialization'],
  ] as const)('%s %s: repaired with exactly one more call', async (kind, stage) => {
    sim.fault({ kind });

    const result = stage === 'extraction' ? await extract() : await specialize();

    expect(sim.stats.modelCalls, 'the bad answer and one repair request').toBe(2);
    expect(result.attempts).toBe(2);
    if (stage === 'extraction') expect((result as { entities: unknown }).entities).toEqual(SEED_ENTITIES);
    else expect((result as { isValid: unknown }).isValid).toBe(true);
  });

  it('the repair request states the problem and shows the model its answer', async () => {
    sim.fault({ kind: 'output', content: '{"isValid":"yes","reason":1}' });

    await specialize();

    const repair = JSON.parse(gw.wire.model()[1]?.requestBody ?? '{}') as {
      messages: Array<{ role: string; content: string }>;
      options: { maxTokens: number };
    };
    expect(repair.messages.at(-2)).toEqual({ role: 'assistant', content: '{"isValid":"yes","reason":1}' });
    expect(repair.messages.at(-1)?.role).toBe('user');
    expect(repair.messages.at(-1)?.content).toMatch(/not of the expected shape \(isValid: .*reason: .*nextSteps: /);
    expect(repair.options.maxTokens, 'the repair keeps the stage’s options').toBe(300);
  });

  it('counts attempts across retries and the repair request, and adds up the usage', async () => {
    sim.fault({ kind: 'status', status: 503 }, { kind: 'malformed' });
    const notices: AttemptNotice[] = [];

    const result = await extract(notices);

    expect(sim.stats.modelCalls).toBe(3);
    expect(result.attempts, 'the 503, the malformed answer and the repair').toBe(3);
    expect(notices.map((n) => n.attempt)).toEqual([1, 2, 3]);
    const paid = gw.wire
      .model()
      .filter((e) => e.status === 200)
      .map((e) => (JSON.parse(e.responseBody) as { usage: { promptTokens: number; completionTokens: number } }).usage);
    expect(paid, 'two answered calls').toHaveLength(2);
    const promptTokens = paid.reduce((t, u) => t + u.promptTokens, 0);
    const completionTokens = paid.reduce((t, u) => t + u.completionTokens, 0);
    expect(result.usage, 'both answered calls are paid for').toEqual({
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
    });
  });
});

describe('an answer that is bad twice', () => {
  it('fails the stage with MODEL_OUTPUT_INVALID, keeping the raw text, after two calls', async () => {
    sim.fault({ kind: 'output', content: 'first: no JSON here' }, { kind: 'output', content: 'second: still none' });

    const error = await rejection(extract());

    expect(error).toBeInstanceOf(StageFailure);
    const failure = error as StageFailure;
    expect(failure.code).toBe('MODEL_OUTPUT_INVALID');
    expect(failure.retryable).toBe(false);
    expect(failure.raw, 'the last answer, so nobody pays to see it again').toBe('second: still none');
    expect(failure.message).toMatch(/sim-extractor.*no JSON object/);
    expect(sim.stats.modelCalls).toBe(2);
  });

  it('keeps the tokens of both paid calls on the failure', async () => {
    sim.fault({ kind: 'output', content: 'first: no JSON here' }, { kind: 'output', content: 'second: still none' });

    const failure = (await rejection(extract())) as StageFailure;

    expect(failure.usage?.totalTokens, 'two answers were paid for').toBeGreaterThan(0);
    expect(failure.toPipelineError().usage, 'stored with the run').toEqual(failure.usage);
  });

  it('wrong shape twice in the specialization: MODEL_OUTPUT_INVALID naming the fields', async () => {
    sim.fault({ kind: 'wrong-shape', times: 2 });

    const failure = (await rejection(specialize())) as StageFailure;

    expect(failure.code).toBe('MODEL_OUTPUT_INVALID');
    expect(failure.raw).toBe('{"valid":"yes"}');
    expect(failure.message).toMatch(/isValid/);
  });

  it('a gateway failure is not turned into MODEL_OUTPUT_INVALID', async () => {
    sim.fault({ kind: 'status', status: 403 });

    const error = await rejection(extract());

    expect((error as { code: string }).code).toBe('GATEWAY_FORBIDDEN');
  });
});

describe('the attempt notices of a stage', () => {
  it('are numbered 1, 2, ... across retries, with a retry’s reason stating the status and the wait', async () => {
    sim.fault({ kind: 'status', status: 429, retryAfterMs: 20 });
    const notices: AttemptNotice[] = [];

    await extract(notices);

    expect(notices).toHaveLength(2);
    expect(notices[0]).toEqual({ attempt: 1 });
    expect(notices[1]?.attempt).toBe(2);
    expect(notices[1]?.waitMs).toBe(20);
    expect(notices[1]?.reason).toMatch(/HTTP 429/);
    expect(notices[1]?.reason).toMatch(/waiting 20 ms/);
  });

  it('number the repair request on, saying why it is made', async () => {
    sim.fault({ kind: 'malformed' });
    const notices: AttemptNotice[] = [];

    await extract(notices);

    expect(notices.map((n) => n.attempt)).toEqual([1, 2]);
    expect(notices[1]?.reason).toMatch(/model output was not usable \(the answer contains no JSON object\)/);
  });
});

describe('findJsonObject', () => {
  it('finds a bare object', () => {
    expect(findJsonObject('{"a":1}')).toBe('{"a":1}');
  });

  it('skips prose before and after', () => {
    expect(findJsonObject('Sure! Here it is: {"a":1} Hope that helps.')).toBe('{"a":1}');
  });

  it('takes the body of a fence with or without a language', () => {
    expect(findJsonObject('```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(findJsonObject('```\n{"a":1}\n```')).toBe('{"a":1}');
    expect(findJsonObject('Here:\n```JSON\n{"a":{"b":2}}\n```\nDone {x}')).toBe('{"a":{"b":2}}');
  });

  it('keeps braces and quotes inside strings', () => {
    const text = 'Answer: {"note":"use } and { freely","q":"say \\"}\\"","n":{"m":1}} trailing }';
    const found = findJsonObject(text);
    expect(found).toBe('{"note":"use } and { freely","q":"say \\"}\\"","n":{"m":1}}');
    expect(JSON.parse(found ?? '')).toEqual({ note: 'use } and { freely', q: 'say "}"', n: { m: 1 } });
  });

  it('skips an unbalanced brace before the object', () => {
    expect(findJsonObject('a stray { then {"a":1}')).toBe('{"a":1}');
  });

  it('finds nothing in text without an object', () => {
    expect(findJsonObject('no json at all')).toBeUndefined();
    expect(findJsonObject('["an","array"]')).toBeUndefined();
    expect(findJsonObject('{"unclosed": 1')).toBeUndefined();
  });
});

describe('checkModelOutput', () => {
  it('accepts fenced and chatty answers of the right shape', () => {
    expect(checkModelOutput('```\n{"action":"x"}\n```', extractionSchema)).toEqual({
      ok: true,
      value: { action: 'x' },
    });
    const verdict = 'Sure:\n{"isValid":false,"reason":"r","nextSteps":[]}\nAnything else?';
    expect(checkModelOutput(verdict, specializationSchema)).toEqual({
      ok: true,
      value: { isValid: false, reason: 'r', nextSteps: [] },
    });
  });

  it('says there is no JSON object', () => {
    expect(checkModelOutput('nothing', extractionSchema)).toEqual({
      ok: false,
      problem: 'the answer contains no JSON object',
    });
  });

  it('says the object does not parse', () => {
    const check = checkModelOutput("{'single': 'quotes'}", extractionSchema);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problem).toMatch(/^the JSON object does not parse \(/);
  });

  it('says which fields are wrong', () => {
    const check = checkModelOutput('{"isValid":"yes","nextSteps":"call"}', specializationSchema);
    expect(check.ok).toBe(false);
    const problem = check.ok ? '' : check.problem;
    expect(problem).toMatch(/^the JSON object is not of the expected shape/);
    expect(problem).toMatch(/isValid: /);
    expect(problem).toMatch(/reason: /);
    expect(problem).toMatch(/nextSteps: /);
  });
});

describe("a pipeline stage's system message", () => {
  const stage = (prompt: string, action: string): ExtractionDefinition =>
    Object.freeze({
      model: 'm',
      fallbacks: [],
      fallbackOn: [],
      prompt,
      responseFormat: 'json_object' as const,
      options: { temperature: 0, maxTokens: 500 },
      schema: { type: 'object', properties: { action: { const: action } } },
    });

  it('is built once per definition and follows a new definition (a reload)', () => {
    const first = stage('Extract.', 'cancel');
    const a = extractionMessages('one', first)[0]?.content;
    expect(a).toBe(
      'Extract.\n\nThe answer must be one JSON object valid against this JSON Schema:\n' +
        '{"type":"object","properties":{"action":{"const":"cancel"}}}',
    );
    expect(extractionMessages('two', first)[0]?.content).toBe(a);
    const reloaded = stage('Extract again.', 'refund');
    expect(extractionMessages('one', reloaded)[0]?.content).toMatch(/^Extract again\.[\s\S]*"refund"/);
    expect(specializationMessages({}, [], first)[0]?.content).toMatch(/^Extract\.\n\nAnswer with one JSON object only/);
    expect(specializationMessages({}, [], reloaded)[0]?.content).toMatch(/^Extract again\.\n\n/);
    expect(specializationMessages({}, [])[0]?.content).toMatch(/^You are a domain specialist[\s\S]*"nextSteps" lists/);
  });
});
