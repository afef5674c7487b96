import { describe, expect, it } from 'vitest';
import { AppError, httpStatusFor } from '../../src/errors.js';
import { compilePipeline } from '../../src/pipeline/definition/compile.js';
import { createRegistry, getPipeline, modelIdsOf } from '../../src/pipeline/definition/registry.js';
import type { CompiledPipeline } from '../../src/pipeline/definition/types.js';
import { minimalPipeline } from './fixtures.js';

function named(
  name: string,
  models: { extraction?: Record<string, unknown>; specialization?: Record<string, unknown> } = {},
) {
  const p = minimalPipeline();
  Object.assign(p.extraction as object, models.extraction);
  Object.assign(p.specialization as object, models.specialization);
  const result = compilePipeline(name, p, {});
  if (!result.ok) throw new Error(JSON.stringify(result.findings));
  return result.pipeline;
}

describe('the pipeline registry', () => {
  const registry = createRegistry(
    [
      named('travel'),
      named('banking', {
        extraction: { model: 'bank-extract', fallbacks: ['bank-extract-small'] },
        specialization: { fallbacks: ['bank-policy-backup'] },
      }),
    ],
    'travel',
  );

  it('serves the default pipeline to a request that names none', () => {
    expect(getPipeline(registry).name).toBe('travel');
    expect(getPipeline(registry, null).name).toBe('travel');
    expect(getPipeline(registry, 'banking').name).toBe('banking');
  });

  it('refuses an unknown name with PIPELINE_NOT_FOUND (REST 422), naming the pipelines there are', () => {
    const err = (() => {
      try {
        getPipeline(registry, 'insurance');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'PIPELINE_NOT_FOUND',
      message: 'There is no pipeline named "insurance"; the pipelines are: banking, travel.',
      retryable: false,
    });
    expect(httpStatusFor('PIPELINE_NOT_FOUND')).toBe(422);
  });

  it('does not repeat a name that is not a pipeline name', () => {
    expect(() => getPipeline(registry, '<script>alert(1)</script>')).toThrow(
      /^That is not a pipeline name; the pipelines are: banking, travel\.$/,
    );
  });

  it('knows every model id any pipeline names, fallbacks included', () => {
    expect([...modelIdsOf(registry)].sort()).toEqual([
      'bank-extract',
      'bank-extract-small',
      'bank-policy-backup',
      'm-extract',
      'm-special',
    ]);
  });

  it('cannot be built without its default pipeline, or with a name twice', () => {
    expect(() => createRegistry([named('banking')], 'travel')).toThrow(/default pipeline "travel"/);
    expect(() => createRegistry([named('travel'), named('travel')], 'travel')).toThrow(
      /two pipelines are named "travel"/,
    );
  });
});

describe('checking extracted entities', () => {
  const p: CompiledPipeline = named('travel');

  it('accepts entities of the schema', () => {
    expect(p.checkEntities({ action: 'refund', amount: 20 })).toEqual({
      ok: true,
      value: { action: 'refund', amount: 20 },
    });
  });

  it('states every problem as "<pointer> <problem>", ready for a repair request', () => {
    expect(p.checkEntities({ seat: '99Z', amount: '20', colour: 'red' })).toEqual({
      ok: false,
      problem:
        '/action is required; /colour is not allowed; /seat must match pattern "^[0-9]{1,2}[A-K]$"; /amount must be number',
    });
    expect(p.checkEntities(['not', 'an', 'object'])).toEqual({ ok: false, problem: '/ must be a JSON object' });
  });

  it('works as the zod schema of the stage output check', async () => {
    const { checkModelOutput } = await import('../../src/pipeline/output.js');
    expect(checkModelOutput('```json\n{"action": "refund", "amount": 20}\n```', p.entities)).toEqual({
      ok: true,
      value: { action: 'refund', amount: 20 },
    });
    expect(checkModelOutput('{"action": "rebook", "seat": "1Z"}', p.entities)).toEqual({
      ok: false,
      problem:
        'the JSON object is not of the expected shape (/action must be one of: change, refund, unknown; /seat must match pattern "^[0-9]{1,2}[A-K]$")',
    });
  });
});
