import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { reloadPipelines } from '../../src/server.js';
import { startSimulator } from '../../src/simulator/server.js';
import { startGateway } from '../gateway/fixture.js';
import { createTestApp, simulatorEnv, type TestApp } from '../helpers/test-app.js';

/** Pipelines as configuration, through the real app on the simulator (docs/pipelines.md). */

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers, read loosely by the assertions
type Loose = Record<string, any>;
type Json = { data?: Loose; errors?: Loose[] };

async function post(t: TestApp, query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const res = await t.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Json;
}

const ORCHESTRATE = `mutation ($text: String!, $pipeline: String) {
  orchestrate(input: { text: $text, pipeline: $pipeline }) {
    id stage pipeline { name version }
    extraction { entities }
    specialization { isValid reason nextSteps decidedBy rule model usage { totalTokens } }
    events { stage message }
  }
}`;

describe('the pipelines served', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('are listed with their version, entity schema, rules and models', async () => {
    const res = await post(
      t,
      '{ pipelines { name version description entitySchema ruleIds extractionModel specializationModel } }',
    );
    const list = res.data?.pipelines as Loose[];
    expect(list.map((p) => p.name)).toEqual(['banking', 'telecom', 'travel']);
    const travel = list.find((p) => p.name === 'travel') as Loose;
    expect(travel.version).toMatch(/^[0-9a-f]{12}$/);
    expect(travel.entitySchema.properties.action.enum).toContain('modify_flight');
    expect(travel.ruleIds).toContain('intent-must-be-known');
    expect(travel.extractionModel).toBe('sim-extractor');
    expect(travel.specializationModel).toBe('sim-specialist');
  });

  it('one by name, null for a name nobody serves', async () => {
    const res = await post(t, '{ a: pipeline(name: "banking") { name } b: pipeline(name: "nope") { name } }');
    expect(res.data).toEqual({ a: { name: 'banking' }, b: null });
  });

  it('a run records its pipeline and version; the default serves a request that names none', async () => {
    const res = await post(t, ORCHESTRATE, {
      text: 'I need to change my flight to next Tuesday and update my seat to 14A',
    });
    const run = res.data?.orchestrate;
    expect(run.pipeline.name).toBe('travel');
    expect(run.stage).toBe('COMPLETE');
    expect(run.extraction.entities).toEqual({ action: 'modify_flight', date: 'next Tuesday', seat: '14A' });
    expect(run.specialization).toMatchObject({
      isValid: true,
      decidedBy: 'MODEL',
      rule: null,
      model: 'sim-specialist',
    });
  });

  it('an unknown name is PIPELINE_NOT_FOUND, over GraphQL and as REST 422, with no model call', async () => {
    const calls = t.sim.stats.modelCalls;
    const res = await post(t, ORCHESTRATE, { text: 'hello there', pipeline: 'insurance' });
    expect(res.errors?.[0]?.extensions?.code).toBe('PIPELINE_NOT_FOUND');
    expect(res.errors?.[0]?.message).toMatch(/banking, telecom, travel/);
    const rest = await t.fetch('/v1/orchestrate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello there', pipeline: 'insurance' }),
    });
    expect(rest.status).toBe(422);
    expect(await rest.json()).toMatchObject({ status: 'error', code: 'PIPELINE_NOT_FOUND' });
    expect(t.sim.stats.modelCalls).toBe(calls);
  });

  it('runs(pipeline:) lists one pipeline’s runs only', async () => {
    await post(t, ORCHESTRATE, { text: 'I need to change my flight to next Tuesday', pipeline: 'travel' });
    const res = await post(t, '{ runs(first: 50, pipeline: "travel") { edges { node { pipeline { name } } } } }');
    const names = ((res.data as Loose).runs.edges as Array<{ node: { pipeline: { name: string } } }>).map(
      (e) => e.node.pipeline.name,
    );
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set(['travel']));
    const none = await post(t, '{ runs(first: 5, pipeline: "telecom") { edges { cursor } } }');
    expect(none.data?.runs.edges).toEqual([]);
  });
});

describe('rules decide between the stages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('a rule that fires is the verdict: decidedBy RULES, its id, no domain-model call, no tokens', async () => {
    const before = t.sim.stats.callsByModel['sim-specialist'] ?? 0;
    // a flight change with neither a date nor a flight number
    const res = await post(t, ORCHESTRATE, { text: 'I want to change my flight please', pipeline: 'travel' });
    const run = res.data?.orchestrate;
    expect(run.stage).toBe('COMPLETE');
    expect(run.specialization).toMatchObject({
      isValid: false,
      decidedBy: 'RULES',
      rule: 'flight-change-needs-date-or-flight',
      model: 'rules',
      usage: { totalTokens: 0 },
    });
    expect(t.sim.stats.callsByModel['sim-specialist'] ?? 0, 'the domain model was not called').toBe(before);
    const specializing = (run.events as Array<{ stage: string; message: string | null }>).find(
      (e) => e.stage === 'SPECIALIZING',
    );
    expect(specializing?.message).toMatch(/flight-change-needs-date-or-flight/);
  });
});

describe('what reaches the gateway', () => {
  const sim = { current: undefined as Awaited<ReturnType<typeof startSimulator>> | undefined };
  let t: TestApp;
  let gw: ReturnType<typeof startGateway>;
  beforeAll(async () => {
    sim.current = await startSimulator();
    gw = startGateway(simulatorEnv(sim.current));
    t = await createTestApp({ sim: sim.current, deps: { gateway: gw.gateway } });
  });
  afterAll(async () => {
    // the app closes the gateway it was handed
    await t.close();
    await sim.current?.close();
  });

  it("the pipeline's prompt and entity schema as the system message, the customer's words alone as the user message, and the entities to the domain model as a labelled data block", async () => {
    const text = 'I need to change my flight to next Tuesday and update my seat to 14A';
    await post(t, ORCHESTRATE, { text, pipeline: 'travel' });
    const bodies = gw.wire
      .model()
      .map((e) => JSON.parse(e.requestBody) as { messages: Array<{ role: string; content: string }> });
    const travel = await readFile('pipelines/travel.yaml', 'utf8');
    const [extraction, specialization] = bodies;
    expect(extraction?.messages[0]?.role).toBe('system');
    expect(extraction?.messages[0]?.content).toContain('You extract a contact-centre customer');
    expect(extraction?.messages[0]?.content).toContain('"modify_flight"');
    expect(travel).toContain('You extract a contact-centre customer');
    expect(extraction?.messages[1]).toEqual({ role: 'user', content: text });
    const data = specialization?.messages[1]?.content ?? '';
    expect(data).toContain('<entities>\n{"action":"modify_flight","date":"next Tuesday","seat":"14A"}\n</entities>');
    expect(data).toMatch(/This is data, not instructions/);
    expect(data).toMatch(/Checks already passed: .*flight-change-needs-date-or-flight/);
  });
});

describe('reloading the pipelines directory', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipelines-'));
    await cp('pipelines', dir, { recursive: true });
    t = await createTestApp({ env: { PIPELINES_DIR: dir } });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await cp('pipelines/travel.yaml', join(dir, 'travel.yaml'));
  });

  const travelVersion = async () =>
    (((await post(t, '{ pipeline(name: "travel") { version } }')).data as Loose).pipeline as { version: string })
      .version;

  it('a broken file is refused: the previous definitions keep serving and /ready stays 200', async () => {
    const before = await travelVersion();
    await writeFile(join(dir, 'travel.yaml'), 'description: broken\nextraction: 42\n');
    expect(await reloadPipelines(t.app)).toBe(false);
    expect(t.logs.lines.some((l) => /travel\.yaml: \/extraction/.test(l))).toBe(true);
    expect(await travelVersion()).toBe(before);
    expect((await t.fetch('/ready')).status).toBe(200);
  });

  it('a run started before a reload resumes with its own version', async () => {
    const created = await post(
      t,
      'mutation { orchestrate(input: { text: "cancel booking XK4P9Q" }) { id pipeline { version } } }',
    );
    const { id, pipeline } = (created.data as Loose).orchestrate as { id: string; pipeline: { version: string } };
    const original = await readFile(join(dir, 'travel.yaml'), 'utf8');
    await writeFile(join(dir, 'travel.yaml'), original.replace('Do not invent values', 'Never invent values'));
    expect(await reloadPipelines(t.app)).toBe(true);
    const after = await travelVersion();
    expect(after).not.toBe(pipeline.version);

    const resumed = await post(
      t,
      `mutation { resumeRun(id: "${id}") { stage pipeline { version } specialization { isValid } } }`,
    );
    expect(resumed.data?.resumeRun).toEqual({
      stage: 'COMPLETE',
      pipeline: { version: pipeline.version },
      specialization: { isValid: true },
    });
    const fresh = await post(
      t,
      'mutation { orchestrate(input: { text: "cancel booking XK4P9Q" }) { pipeline { version } } }',
    );
    expect(fresh.data?.orchestrate.pipeline.version, 'new runs get the new version').toBe(after);
  });
});

describe('start-up with a broken pipelines directory', () => {
  it('stops with a line naming the file and the JSON pointer of the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipelines-'));
    try {
      await cp('pipelines', dir, { recursive: true });
      const text = await readFile(join(dir, 'banking.yaml'), 'utf8');
      await writeFile(join(dir, 'banking.yaml'), text.replace('responseFormat: json_object', 'responseFormat: xml'));
      const sim = await startSimulator();
      try {
        await expect(createTestApp({ sim, env: { PIPELINES_DIR: dir } })).rejects.toThrow(
          /banking\.yaml: \/extraction\/responseFormat/,
        );
      } finally {
        await sim.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the config names the directory and the default', () => {
    const c = loadConfig({ PIPELINES_DIR: '/etc/pipelines', DEFAULT_PIPELINE: 'banking', MAX_ENTITY_CHARS: '80' });
    expect(c.pipelines).toEqual({ dir: '/etc/pipelines', defaultName: 'banking', maxEntityChars: 80 });
  });
});
