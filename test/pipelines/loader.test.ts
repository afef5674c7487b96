import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPipelineDir, loadPipelineRegistry } from '../../src/pipeline/definition/load.js';
import { PipelineLoadError } from '../../src/pipeline/definition/problems.js';
import { getPipeline, modelIdsOf } from '../../src/pipeline/definition/registry.js';
import { minimalPipeline, pipelinesDir, yaml } from './fixtures.js';

const SHIPPED = fileURLToPath(new URL('../../pipelines', import.meta.url));
const README_EXAMPLE = { action: 'modify_flight', date: 'next Tuesday', seat: '14A' };

describe('the shipped pipelines directory', () => {
  it('loads travel, banking and telecom with travel as the default, each with a 12-digit version', async () => {
    const registry = await loadPipelineRegistry(SHIPPED, { env: {}, defaultName: 'travel' });
    expect([...registry.byName.keys()]).toEqual(['banking', 'telecom', 'travel']);
    expect(getPipeline(registry).name).toBe('travel');
    for (const p of registry.byName.values()) {
      expect(p.version).toMatch(/^[0-9a-f]{12}$/);
      expect(p.description).toBeTruthy();
      expect(p.rules.length).toBeGreaterThan(0);
      expect(p.examples.length).toBeGreaterThanOrEqual(4);
      expect(p.examples.length).toBeLessThanOrEqual(8);
    }
  });

  it('runs on the simulator with no environment, and on the configured models when they are set', async () => {
    const simulated = await loadPipelineRegistry(SHIPPED, { env: {}, defaultName: 'travel' });
    expect([...modelIdsOf(simulated)].sort()).toEqual(['sim-extractor', 'sim-specialist']);
    const configured = await loadPipelineRegistry(SHIPPED, {
      env: { PRIMARY_MODEL_ID: 'acme-extract-v2', SECONDARY_MODEL_ID: 'acme-policy-v1' },
      defaultName: 'travel',
    });
    const travel = getPipeline(configured, 'travel');
    expect(travel.definition.extraction.model).toBe('acme-extract-v2');
    expect(travel.definition.specialization.model).toBe('acme-policy-v1');
    // the model ids are in the definition, so the version says which models a run used
    expect(travel.version).not.toBe(getPipeline(simulated, 'travel').version);
  });

  it("keeps the README's example a valid travel extraction", async () => {
    const registry = await loadPipelineRegistry(SHIPPED, { env: {}, defaultName: 'travel' });
    expect(getPipeline(registry, 'travel').checkEntities(README_EXAMPLE)).toEqual({ ok: true, value: README_EXAMPLE });
  });

  it('accepts every shipped example extraction as complete entities', async () => {
    const { pipelines, problems } = await checkPipelineDir(SHIPPED, { env: {} });
    expect(problems).toEqual([]);
    for (const p of pipelines) {
      for (const example of p.examples) {
        const extraction = example.expect.extraction;
        expect(extraction, `${p.name}: "${example.text}" lists its extraction`).toBeDefined();
        expect(p.checkEntities(extraction), `${p.name}: "${example.text}"`).toMatchObject({ ok: true });
      }
    }
  });
});

describe('a pipelines directory', () => {
  it('takes .yaml and .yml files, ignores other and hidden files, and lists pipelines by name', async () => {
    const text = yaml(minimalPipeline());
    const dir = await pipelinesDir({
      'zeta.yml': text,
      'alpha.yaml': text,
      'README.md': '# not a pipeline',
      '.#alpha.yaml': 'an editor lock file',
      'drafts/beta.yaml': 'not read: subdirectories are not pipelines',
    });
    const { pipelines, problems } = await checkPipelineDir(dir, { env: {}, defaultName: 'alpha' });
    expect(problems).toEqual([]);
    expect(pipelines.map((p) => p.name)).toEqual(['alpha', 'zeta']);
  });

  it('refuses to build a registry while any file has a problem, listing every one', async () => {
    const broken = { ...minimalPipeline(), extraction: 'nope' };
    const dir = await pipelinesDir({ 'good.yaml': yaml(minimalPipeline()), 'bad.yaml': yaml(broken) });
    const failure = await loadPipelineRegistry(dir, { env: {}, defaultName: 'good' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PipelineLoadError);
    const lines = (failure as PipelineLoadError).message.split('\n');
    expect(lines).toEqual([expect.stringMatching(/bad\.yaml: \/extraction: must be a mapping \(found text\)/)]);
  });
});
