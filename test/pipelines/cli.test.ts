import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPipelineRegistry } from '../../src/pipeline/definition/load.js';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { minimalPipeline, pipelinesDir, ref, yaml } from './fixtures.js';

/** `npm run pipelines -- check [DIR]`: one line per pipeline with its version; exit 1 listing each problem. */

/** `npm run pipelines -- ...args`, with PATH and HOME only, plus `env`. */
const pipelinesCli = (args: string[], env: Record<string, string> = {}) => runCli('src/pipelines-cli.ts', args, env);

describe('pipelines check', () => {
  it('passes the shipped directory by default, one line per pipeline with its version', async () => {
    const run = await pipelinesCli(['check']);
    const registry = await loadPipelineRegistry(`${ROOT}/pipelines`, { env: {}, defaultName: 'travel' });
    const version = (name: string) => registry.byName.get(name)?.version;
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^banking  ${version('banking')}  8 rules, \\d examples  models sim-extractor -> sim-specialist$`),
      ),
      expect.stringMatching(new RegExp(`^telecom  ${version('telecom')}  `)),
      expect.stringMatching(new RegExp(`^travel   ${version('travel')}  .*  \\(default\\)$`)),
      '3 pipelines in ./pipelines: all pass',
      '',
    ]);
    expect(run.code).toBe(0);
  });

  it(`resolves \${VAR} from its environment, and PIPELINES_DIR names the directory`, async () => {
    const p = minimalPipeline();
    (p.extraction as Record<string, unknown>).model = ref('EXTRACT_MODEL');
    const dir = await pipelinesDir({ 'travel.yaml': yaml(p) });

    const unset = await pipelinesCli(['check', dir]);
    expect(unset.stderr.split('\n')).toEqual([
      `${dir}/travel.yaml: /extraction/model: ${ref('EXTRACT_MODEL')} is not set in the environment (set EXTRACT_MODEL, or write ${ref('EXTRACT_MODEL:-default')}) (line 3, column 3)`,
      `1 problem in ${dir}`,
      '',
    ]);
    expect(unset.code).toBe(1);

    const set = await pipelinesCli(['check'], { PIPELINES_DIR: dir, EXTRACT_MODEL: 'acme-extract' });
    expect(set.stdout).toMatch(
      /^travel {2}[0-9a-f]{12} {2}1 rule, 1 example {2}models acme-extract -> m-special {2}\(default\)\n/,
    );
    expect(set.code).toBe(0);
  });

  it('lists every problem of every file as file, pointer and problem, and exits 1', async () => {
    const bad = minimalPipeline();
    (bad.specialization as Record<string, unknown>).fallbackOn = ['GATEWAY_FORBIDDEN'];
    const dir = await pipelinesDir({
      'travel.yaml': yaml(minimalPipeline()),
      'banking.yaml': yaml(bad),
      'telecom.yaml': 'extraction: [',
    });
    const run = await pipelinesCli(['check', dir]);
    expect(run.stdout).toMatch(/^travel {2}[0-9a-f]{12} /); // the good one is still listed
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${dir}/banking\\.yaml: /specialization/fallbackOn/0: GATEWAY_FORBIDDEN is never`),
      ),
      expect.stringMatching(new RegExp(`^${dir}/telecom\\.yaml: /: .*\\(line 1, column \\d+\\)$`)),
      `2 problems in ${dir}`,
    ]);
    expect(run.code).toBe(1);
  });

  it('requires the default pipeline, DEFAULT_PIPELINE or travel', async () => {
    const dir = await pipelinesDir({ 'banking.yaml': yaml(minimalPipeline()) });
    const run = await pipelinesCli(['check', dir]);
    expect(run.stderr).toContain(`${dir}: /: the default pipeline "travel" has no file here (travel.yaml)`);
    expect(run.code).toBe(1);
    expect((await pipelinesCli(['check', dir], { DEFAULT_PIPELINE: 'banking' })).code).toBe(0);
  });
});

describe('the pipelines command line', () => {
  it('prints its help with --help and exits 0', async () => {
    const run = await pipelinesCli(['--help']);
    expect(run.stdout).toMatch(/^Usage: npm run pipelines -- <command>/);
    expect(run.stdout).toContain('check [DIR]');
    expect(run.code).toBe(0);
  });

  it('exits 2 on an unknown command, an unknown option or no command', async () => {
    const unknown = await pipelinesCli(['lint']);
    expect(unknown.stderr).toContain('unknown command "lint"');
    expect(unknown.code).toBe(2);
    expect((await pipelinesCli(['check', '--fast'])).code).toBe(2);
    expect((await pipelinesCli(['check', 'a', 'b'])).code).toBe(2);
    const none = await pipelinesCli([]);
    expect(none.stderr).toMatch(/^Usage:/);
    expect(none.code).toBe(2);
  });
});

describe('pipelines test', () => {
  it('runs every shipped example on the simulator: a table per pipeline, all matching, exit 0', async () => {
    const run = await pipelinesCli(['test']);
    expect(run.stderr).toBe('');
    for (const name of ['banking', 'telecom', 'travel'])
      expect(run.stdout).toMatch(new RegExp(`^${name} [0-9a-f]{12}`, 'm'));
    expect(run.stdout).toMatch(/decided by rules/);
    expect(run.stdout).toMatch(/rules \([a-z-]+\)/);
    expect(run.stdout).not.toMatch(/MISS/);
    expect(run.code).toBe(0);
  });

  it('an example the pipeline does not meet is a MISS, naming the field and what came instead; exit 1', async () => {
    const travel = parse(await readFile(`${ROOT}/pipelines/travel.yaml`, 'utf8')) as Record<string, unknown>;
    travel.examples = [{ text: 'cancel booking XK4P9Q', expect: { extraction: { action: 'modify_flight' } } }];
    const dir = await pipelinesDir({ 'travel.yaml': yaml(travel) });
    const run = await pipelinesCli(['test', 'travel'], { PIPELINES_DIR: dir });
    expect(run.stdout).toMatch(/MISS #1 "cancel booking XK4P9Q"/);
    expect(run.stdout).toMatch(/✗ extraction\.action = "modify_flight" \(got "cancel_booking"\)/);
    expect(run.code).toBe(1);
  });
});
