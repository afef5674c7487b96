import { describe, expect, it } from 'vitest';
import { compilePipeline, compileStoredDefinition } from '../../src/pipeline/definition/compile.js';
import { checkPipelineSource } from '../../src/pipeline/definition/load.js';
import { PipelineLoadError } from '../../src/pipeline/definition/problems.js';
import type { CompiledPipeline } from '../../src/pipeline/definition/types.js';
import { canonicalJson } from '../../src/pipeline/definition/version.js';
import { minimalPipeline, ref, yaml } from './fixtures.js';

/** A version names what a run was decided by: what is sent to models and what rules judge. */

type Data = Record<string, unknown>;

function compiled(data: unknown, env: Record<string, string> = {}): CompiledPipeline {
  const result = compilePipeline('p', data, env);
  if (!result.ok) throw new Error(JSON.stringify(result.findings));
  return result.pipeline;
}

function versionAfter(edit: (p: Data) => void, env: Record<string, string> = {}): string {
  const p = minimalPipeline();
  edit(p);
  return compiled(p, env).version;
}

const base = () => compiled(minimalPipeline()).version;
const stage = (p: Data, name: string) => p[name] as Data;

/** The same data with every mapping's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  );
}

describe('a pipeline version', () => {
  it('is 12 hex digits, the same for the same file', () => {
    expect(base()).toMatch(/^[0-9a-f]{12}$/);
    expect(base()).toBe(base());
  });

  it('does not change when keys are written in another order', () => {
    const text = yaml(reversedKeys(minimalPipeline()));
    expect(text.indexOf('examples')).toBeLessThan(text.indexOf('extraction')); // the file really is reordered
    const fromText = checkPipelineSource('p.yaml', 'p', text, {}).pipeline;
    expect(fromText?.version).toBe(base());
  });

  it('does not change when a default is written out', () => {
    expect(
      versionAfter((p) => {
        Object.assign(stage(p, 'extraction'), {
          fallbacks: [],
          fallbackOn: [
            'CIRCUIT_OPEN',
            'GATEWAY_UNAVAILABLE',
            'GATEWAY_TIMEOUT',
            'MODEL_NOT_FOUND',
            'GATEWAY_RATE_LIMITED',
          ],
          responseFormat: 'json_object',
          options: { temperature: 0.1, maxTokens: 500 },
        });
      }),
    ).toBe(base());
  });

  it('does not change with blank lines around a prompt (|- or |)', () => {
    expect(versionAfter((p) => Object.assign(stage(p, 'extraction'), { prompt: 'Extract the request.\n\n' }))).toBe(
      base(),
    );
  });

  it('changes when a prompt is edited', () => {
    expect(versionAfter((p) => Object.assign(stage(p, 'specialization'), { prompt: 'Decide carefully.' }))).not.toBe(
      base(),
    );
  });

  it('changes with the schema, a rule, the options, the cache or the fallbacks', () => {
    const variants = [
      versionAfter((p) => {
        ((stage(p, 'extraction').schema as Data).properties as Data).seat = { type: 'string', maxLength: 3 };
      }),
      versionAfter((p) => {
        ((p.rules as Data[])[0]?.verdict as Data).reason = 'A refund needs the amount.';
      }),
      versionAfter((p) => Object.assign(stage(p, 'specialization'), { options: { maxTokens: 300 } })),
      versionAfter((p) => Object.assign(stage(p, 'extraction'), { cache: { ttlSeconds: 60 } })),
      versionAfter((p) => Object.assign(stage(p, 'extraction'), { fallbacks: ['m-backup'] })),
      versionAfter((p) => Object.assign(stage(p, 'extraction'), { fallbackOn: ['GATEWAY_TIMEOUT'] })),
    ];
    expect(new Set([base(), ...variants]).size).toBe(variants.length + 1);
  });

  it(`follows the model ids after \${VAR} resolution`, () => {
    const withVar = (model: string) =>
      versionAfter((p) => Object.assign(stage(p, 'extraction'), { model: ref('M') }), { M: model });
    expect(withVar('m-extract')).toBe(base());
    expect(withVar('m-other')).not.toBe(base());
  });

  it('does not change when the description or the examples change: they do not change behaviour', () => {
    expect(
      versionAfter((p) => {
        p.description = 'Another description';
        p.examples = [{ text: 'Change my seat', expect: { specialization: { isValid: true } } }];
      }),
    ).toBe(base());
  });
});

describe('a stored definition', () => {
  it('is plain JSON that recompiles to the same version and behaviour', () => {
    const original = compiled(minimalPipeline(), {});
    const stored = JSON.parse(JSON.stringify(original.definition));
    const again = compileStoredDefinition('p', stored);
    expect(again.version).toBe(original.version);
    expect(again.definition).toEqual(original.definition);
    expect(again.checkEntities({ action: 'refund', seat: '99Z' })).toEqual(
      original.checkEntities({ action: 'refund', seat: '99Z' }),
    );
  });

  it('keeps resolved model ids: the environment at resume time does not matter', () => {
    const original = compiled(
      { ...minimalPipeline(), extraction: { ...stage(minimalPipeline(), 'extraction'), model: ref('M') } },
      { M: 'm-then' },
    );
    const again = compileStoredDefinition('p', JSON.parse(JSON.stringify(original.definition)));
    expect(again.definition.extraction.model).toBe('m-then');
  });

  it('is refused with its problems when it no longer compiles', () => {
    const stored = JSON.parse(JSON.stringify(compiled(minimalPipeline()).definition));
    stored.extraction.schema.type = 'array';
    expect(() => compileStoredDefinition('p', stored)).toThrow(PipelineLoadError);
    expect(() => compileStoredDefinition('p', stored)).toThrow(/stored definition of p: \/extraction\/schema\/type/);
  });

  it('is frozen: a run cannot change what other runs use', () => {
    const p = compiled(minimalPipeline());
    expect(() => {
      (p.definition.extraction as { prompt: string }).prompt = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (p.definition.rules[0] as { verdict: { nextSteps: string[] } }).verdict.nextSteps.push('more');
    }).toThrow(TypeError);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('keeps a key named __proto__ as data', () => {
    expect(canonicalJson(JSON.parse('{"__proto__": {"x": 1}, "a": 2}'))).toBe('{"__proto__":{"x":1},"a":2}');
  });
});
