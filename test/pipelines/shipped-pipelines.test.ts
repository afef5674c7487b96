import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineRegistry } from '../../src/pipeline/definition/load.js';
import type { PipelineRegistry } from '../../src/pipeline/definition/registry.js';
import { getPipeline } from '../../src/pipeline/definition/registry.js';
import { decideByRules } from '../../src/pipeline/definition/rules.js';
import { extractEntities } from '../../src/simulator/extract.js';
import { validateRequest } from '../../src/simulator/specialist.js';

/**
 * The pipelines in pipelines/ are written to be used: their examples agree with
 * their rules, their prompts name what their schemas allow, and travel keeps
 * the behaviour the built-in simulator has always had.
 */

const SHIPPED = fileURLToPath(new URL('../../pipelines', import.meta.url));
let registry: PipelineRegistry;

beforeAll(async () => {
  registry = await loadPipelineRegistry(SHIPPED, { env: {}, defaultName: 'travel' });
});

const pipelines = () => [...registry.byName.values()];

describe('every shipped pipeline', () => {
  it("has examples that its rules agree with: an invalid one is a rule's decision, a valid one is left to the model", () => {
    for (const p of pipelines()) {
      for (const { text, expect: expected } of p.examples) {
        const entities = expected.extraction ?? {};
        const decision = decideByRules(entities, p);
        expect(
          { pipeline: p.name, text, ruleFired: decision !== undefined },
          `rule ${decision?.rule ?? '(none)'} on ${JSON.stringify(entities)}`,
        ).toEqual({ pipeline: p.name, text, ruleFired: expected.specialization?.isValid === false });
      }
    }
  });

  it('names every intent and every entity field of its schema in its extraction prompt', () => {
    for (const p of pipelines()) {
      const { prompt, schema } = p.definition.extraction;
      const properties = schema.properties as Record<string, { enum?: string[] }>;
      const words = [...Object.keys(properties), ...(properties.action?.enum ?? [])];
      for (const word of words) expect(prompt, `${p.name}: ${word}`).toContain(word);
    }
  });

  it('asks its domain model for the verdict in its fixed shape', () => {
    for (const p of pipelines()) {
      expect(p.definition.specialization.prompt).toContain(
        '{"isValid": boolean, "reason": string, "nextSteps": string[]}',
      );
    }
  });

  it('keeps every string entity within the length a domain model is given (MAX_ENTITY_CHARS default 500)', () => {
    for (const p of pipelines()) {
      const properties = p.definition.extraction.schema.properties as Record<string, Record<string, unknown>>;
      for (const [key, s] of Object.entries(properties)) {
        if (s.type !== 'string') continue;
        // an anchored pattern without + or * bounds the length too
        const unboundedPattern = (pattern: string) =>
          !/^\^.*\$$/.test(pattern) || /[+*]/.test(pattern.replace(/\\./g, '').replace(/\[[^\]]*\]/g, ''));
        const bounded =
          typeof s.maxLength === 'number' || (typeof s.pattern === 'string' && !unboundedPattern(s.pattern));
        expect(bounded, `${p.name}: ${key} has a maxLength or a pattern of bounded length`).toBe(true);
        if (typeof s.maxLength === 'number') expect(s.maxLength).toBeLessThanOrEqual(500);
      }
    }
  });
});

// What customers say to the simulator in the other tests, and the edge cases of its rules.
const TRAVEL_TEXTS = [
  'I need to change my flight to next Tuesday and update my seat to 14A',
  'Please move me to seat 75C on flight BA117 tomorrow',
  'Move me to seat 0A on flight BA117',
  'Change my seat to 60K on flight LH400',
  'Change my seat to 61A on flight LH400',
  'I want to change my flight',
  'Change my flight to 3 May at 10:30 am, flight number AF1234, booking ref QWE456',
  'I want a refund of $250 for booking ABC123',
  'I want a refund of $1000 for booking ABC123',
  'I want a refund of $1000.50 for booking ABC123',
  'Refund 1500 EUR on booking reference XYZ789 please',
  'I need a refund for my flight',
  'Refund me 40 euros please',
  'I want a refund for booking ABC123',
  'Please change my phone number to (555) 123-4567',
  'Update my email address to jane.doe@example.com',
  'My address has changed',
  'I want to cancel my booking',
  'Cancel booking ref ZXC987 please',
  'Please cancel flight UA90',
  'My bag never arrived on flight LH400',
  'My luggage was damaged, booking reference PLM456',
  'My suitcase is lost',
  'What is the weather like in Paris?',
];

describe('the travel pipeline on the simulator', () => {
  it('accepts everything the simulated extractor answers to what customers say', () => {
    const travel = getPipeline(registry, 'travel');
    for (const text of TRAVEL_TEXTS) {
      expect(travel.checkEntities(extractEntities(text)), text).toMatchObject({ ok: true });
    }
  });

  it('decides by rule exactly the requests the simulated domain model refuses', () => {
    const travel = getPipeline(registry, 'travel');
    for (const text of TRAVEL_TEXTS) {
      const entities = extractEntities(text);
      const decision = decideByRules(entities, travel);
      expect({ text, refusedByRule: decision !== undefined }, `rule ${decision?.rule ?? '(none)'}`).toEqual({
        text,
        refusedByRule: !validateRequest(entities).isValid,
      });
    }
  });

  it('has examples the simulator answers as they expect', () => {
    for (const { text, expect: expected } of getPipeline(registry, 'travel').examples) {
      const entities = extractEntities(text);
      expect(entities, text).toEqual(expected.extraction);
      expect(validateRequest(entities), text).toMatchObject(expected.specialization ?? {});
    }
  });
});
