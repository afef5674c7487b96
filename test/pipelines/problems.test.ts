import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPipelineDir } from '../../src/pipeline/definition/load.js';
import { formatProblem } from '../../src/pipeline/definition/problems.js';
import { minimalPipeline, pipelinesDir, ref, yaml } from './fixtures.js';

/**
 * Every problem is one line, `<file>: <JSON pointer>: <problem>`, so an
 * operator can fix a directory in one pass: these are the lines they see.
 */

type Data = Record<string, unknown>;

async function problemsOf(files: Record<string, string>, env: Record<string, string> = {}) {
  const dir = await pipelinesDir(files);
  const { problems } = await checkPipelineDir(dir, { env });
  return problems.map((p) => formatProblem({ ...p, file: p.file.replace(`${dir}/`, '').replace(dir, '<dir>') }));
}

/** The problems of one file `p.yaml` holding the minimal pipeline changed by `edit`. */
async function problemsAfter(edit: (p: Data) => void, env: Record<string, string> = {}) {
  const p = minimalPipeline();
  edit(p);
  return problemsOf({ 'p.yaml': yaml(p) }, env);
}

const stage = (p: Data, name: 'extraction' | 'specialization') => p[name] as Data;
const entitySchema = (p: Data) => stage(p, 'extraction').schema as Data;
const rule = (p: Data, i: number) => (p.rules as Data[])[i] as Data;

describe('the file format', () => {
  it('names an unknown key and the keys allowed there', async () => {
    expect(
      await problemsAfter((p) => {
        stage(p, 'extraction').fallback = ['other'];
      }),
    ).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/extraction\/fallback: unknown key \(allowed here: model, fallbacks, fallbackOn, prompt, .*\) \(line \d+, column \d+\)$/,
      ),
    ]);
  });

  it('names a missing key', async () => {
    expect(await problemsAfter((p) => delete stage(p, 'specialization').prompt)).toEqual([
      expect.stringMatching(/^p\.yaml: \/specialization\/prompt: is required/),
    ]);
  });

  it('names a value of the wrong type or out of range', async () => {
    const lines = await problemsAfter((p) => {
      stage(p, 'extraction').options = { temperature: 3, maxTokens: 'many' };
      stage(p, 'specialization').responseFormat = 'text';
    });
    expect(lines).toEqual([
      expect.stringMatching(/^p\.yaml: \/extraction\/options\/temperature: must be at most 2 /),
      expect.stringMatching(/^p\.yaml: \/extraction\/options\/maxTokens: must be a number \(found text\)/),
      expect.stringMatching(/^p\.yaml: \/specialization\/responseFormat: must be one of json_object, json_schema/),
    ]);
  });

  it('refuses GATEWAY_AUTH_FAILED and GATEWAY_FORBIDDEN as reasons to fall back, saying why', async () => {
    const lines = await problemsAfter((p) => {
      stage(p, 'extraction').fallbacks = ['backup'];
      stage(p, 'extraction').fallbackOn = ['GATEWAY_TIMEOUT', 'GATEWAY_AUTH_FAILED', 'GATEWAY_FORBIDDEN', 'OOPS'];
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/extraction\/fallbackOn\/1: GATEWAY_AUTH_FAILED is never a reason to fall back: /,
      ),
      expect.stringMatching(
        /^p\.yaml: \/extraction\/fallbackOn\/2: GATEWAY_FORBIDDEN is never a reason to fall back: /,
      ),
      expect.stringMatching(
        /^p\.yaml: \/extraction\/fallbackOn\/3: must be one of GATEWAY_UNAVAILABLE, .*CIRCUIT_OPEN/,
      ),
    ]);
  });

  it('refuses a fallback that repeats the model or another fallback', async () => {
    expect(
      await problemsAfter((p) => {
        stage(p, 'specialization').fallbacks = ['backup', 'm-special', 'backup'];
      }),
    ).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/specialization\/fallbacks\/1: "m-special" is already tried as the stage's model/,
      ),
      expect.stringMatching(/^p\.yaml: \/specialization\/fallbacks\/2: "backup" is already tried as fallback 0/),
    ]);
  });

  it('names duplicate rule ids and malformed ones', async () => {
    const lines = await problemsAfter((p) => {
      (p.rules as Data[]).push({ ...rule(p, 0) }, { ...rule(p, 0), id: 'Bad Id' });
    });
    expect(lines).toEqual([
      expect.stringMatching(/^p\.yaml: \/rules\/1\/id: "refund-needs-amount" is already the id of \/rules\/0/),
      expect.stringMatching(/^p\.yaml: \/rules\/2\/id: must match/),
    ]);
  });

  it('says a file that is not one mapping must be one', async () => {
    expect(await problemsOf({ 'p.yaml': '- just\n- a list\n' })).toEqual([
      'p.yaml: /: the file must hold one mapping with at least extraction and specialization (line 1, column 1)',
    ]);
    expect(await problemsOf({ 'p.yaml': '' })).toEqual([
      'p.yaml: /: the file must hold one mapping with at least extraction and specialization',
    ]);
  });
});

describe('YAML itself', () => {
  it('reports a syntax error with its line and column', async () => {
    const lines = await problemsOf({ 'p.yaml': 'extraction:\n  model: a\n  prompt: [unclosed\n' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^p\.yaml: \/: .* \(line \d+, column \d+\)$/);
  });

  it('refuses a key written twice, rather than keeping the last', async () => {
    expect(await problemsOf({ 'p.yaml': `${yaml(minimalPipeline())}description: again\n` })).toEqual([
      expect.stringMatching(/^p\.yaml: \/: Map keys must be unique \(line \d+, column 1\)$/),
    ]);
  });

  it('gives the line of the key a problem is about', async () => {
    const text = [
      'extraction:', //                          1
      '  model: m-extract', //                   2
      '  prompt: Extract.', //                   3
      '  schema:', //                            4
      '    type: object', //                     5
      '    properties:', //                      6
      '      seat: { type: strng }', //          7
      'specialization:', //                      8
      '  model: m-special', //                   9
      '  prompt: Decide.', //                   10
      '  temprature: 0.2', //                   11
    ].join('\n');
    expect(await problemsOf({ 'p.yaml': text })).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/extraction\/schema\/properties\/seat\/type: must be one of: .* \(line 7, column 15\)$/,
      ),
      expect.stringMatching(/^p\.yaml: \/specialization\/temprature: unknown key .* \(line 11, column 3\)$/),
    ]);
  });
});

describe(`\${VAR} in model ids`, () => {
  it('reports a variable the environment does not set, at its pointer', async () => {
    expect(
      await problemsAfter((p) => {
        stage(p, 'extraction').model = ref('EXTRACT_MODEL');
        stage(p, 'specialization').fallbacks = [ref('BACKUP_MODEL')];
      }),
    ).toEqual([
      expect.stringMatching(/^p\.yaml: \/extraction\/model: \$\{EXTRACT_MODEL\} is not set in the environment/),
      expect.stringMatching(
        /^p\.yaml: \/specialization\/fallbacks\/0: \$\{BACKUP_MODEL\} is not set in the environment/,
      ),
    ]);
  });

  it('passes once the environment sets it', async () => {
    const lines = await problemsAfter(
      (p) => {
        stage(p, 'extraction').model = ref('EXTRACT_MODEL');
      },
      { EXTRACT_MODEL: 'acme-extract' },
    );
    expect(lines).toEqual([]);
  });

  it('checks the resolved value as a model id', async () => {
    expect(
      await problemsAfter(
        (p) => {
          stage(p, 'extraction').model = ref('EXTRACT_MODEL');
        },
        { EXTRACT_MODEL: 'two words' },
      ),
    ).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/extraction\/model: model id "two words" \(from "\$\{EXTRACT_MODEL\}"\) may hold letters, digits/,
      ),
    ]);
  });
});

describe('JSON Schemas', () => {
  it('requires the entity schema to describe one object', async () => {
    expect(
      await problemsAfter((p) => {
        entitySchema(p).type = 'array';
      }),
    ).toEqual([expect.stringMatching(/^p\.yaml: \/extraction\/schema\/type: must be object/)]);
  });

  it('refuses an unknown keyword in the entity schema, pointing at it', async () => {
    expect(
      await problemsAfter((p) => {
        (entitySchema(p).properties as Data).seat = { type: 'string', patern: '^[0-9]+$' };
      }),
    ).toEqual([
      expect.stringMatching(/^p\.yaml: \/extraction\/schema\/properties\/seat\/patern: unknown keyword: "patern"/),
    ]);
  });

  it('refuses a pattern that is not a regular expression, pointing at it', async () => {
    expect(
      await problemsAfter((p) => {
        (entitySchema(p).properties as Data).seat = { type: 'string', pattern: '([0-9]' };
      }),
    ).toEqual([
      expect.stringMatching(/^p\.yaml: \/extraction\/schema\/properties\/seat\/pattern: Invalid regular expression/),
    ]);
  });

  it('asks the entity schema to say which type a bound applies to', async () => {
    expect(
      await problemsAfter((p) => {
        (entitySchema(p).properties as Data).amount = { minimum: 0 };
      }),
    ).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/extraction\/schema\/properties\/amount: missing type "number" for keyword "minimum"/,
      ),
    ]);
  });

  it('refuses format, which is not supported, and says to use a pattern', async () => {
    expect(
      await problemsAfter((p) => {
        (entitySchema(p).properties as Data).email = { type: 'string', format: 'email' };
      }),
    ).toEqual([expect.stringMatching(/^p\.yaml: \/extraction\/schema\/properties\/email: .*use a pattern/)]);
  });

  it("checks each rule's when and require as schemas, pointing into them", async () => {
    const lines = await problemsAfter((p) => {
      rule(p, 0).when = { properties: { action: { cosnt: 'refund' } } };
      rule(p, 0).require = { required: 'amount' };
    });
    expect(lines).toEqual([
      expect.stringMatching(/^p\.yaml: \/rules\/0\/when\/properties\/action\/cosnt: unknown keyword: "cosnt"/),
      expect.stringMatching(/^p\.yaml: \/rules\/0\/require\/required: must be array/),
    ]);
  });

  it('accepts rule fragments that name fields without declaring their types', async () => {
    expect(
      await problemsAfter((p) => {
        rule(p, 0).require = { required: ['amount'], properties: { amount: { exclusiveMinimum: 0 } } };
      }),
    ).toEqual([]);
  });
});

describe('examples', () => {
  it('refuses an expected extraction with a field the schema does not allow, or of the wrong form', async () => {
    const lines = await problemsAfter((p) => {
      (p.examples as Data[]).push({
        text: 'Move me to seat 99Z',
        expect: { extraction: { action: 'move', seat: '99Z', colour: 'blue' } },
      });
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^p\.yaml: \/examples\/1\/expect\/extraction\/action: must be one of: change, refund, unknown/,
      ),
      expect.stringMatching(/^p\.yaml: \/examples\/1\/expect\/extraction\/seat: must match pattern/),
      expect.stringMatching(/^p\.yaml: \/examples\/1\/expect\/extraction\/colour: is not allowed/),
    ]);
  });

  it('accepts an expected extraction that lists only some fields, required ones left out', async () => {
    expect(
      await problemsAfter((p) => {
        (p.examples as Data[]).push({ text: 'Seat 12A', expect: { extraction: { seat: '12A' } } });
      }),
    ).toEqual([]);
  });

  it('refuses an example that expects nothing, or an unknown expectation', async () => {
    const lines = await problemsAfter((p) => {
      (p.examples as Data[]).push(
        { text: 'Hello', expect: {} },
        { text: 'Hello', expect: { specialization: { isValid: true, verdict: 'ok' } } },
      );
    });
    expect(lines).toEqual([
      expect.stringMatching(/^p\.yaml: \/examples\/1\/expect: must name extraction, specialization or both/),
      expect.stringMatching(/^p\.yaml: \/examples\/2\/expect\/specialization\/verdict: unknown key/),
    ]);
  });
});

describe('the directory', () => {
  it('refuses a file name that is not a pipeline name', async () => {
    expect(await problemsOf({ 'Travel_2.yaml': yaml(minimalPipeline()) })).toEqual([
      expect.stringMatching(/^Travel_2\.yaml: \/: "Travel_2" is not a pipeline name/),
    ]);
  });

  it('refuses two files for one pipeline', async () => {
    const text = yaml(minimalPipeline());
    expect(await problemsOf({ 'p.yaml': text, 'p.yml': text })).toEqual([
      'p.yml: /: pipeline "p" is already defined by p.yaml in the same directory',
    ]);
  });

  it('says when it holds no pipeline, or not the default one', async () => {
    const empty = await pipelinesDir({ 'notes.txt': 'hello' });
    expect((await checkPipelineDir(empty, { env: {} })).problems.map(formatProblem)).toEqual([
      `${empty}: /: holds no pipeline files (<name>.yaml)`,
    ]);
    const other = await pipelinesDir({ 'p.yaml': yaml(minimalPipeline()) });
    expect((await checkPipelineDir(other, { env: {}, defaultName: 'travel' })).problems.map(formatProblem)).toEqual([
      `${other}: /: the default pipeline "travel" has no file here (travel.yaml)`,
    ]);
  });

  it('says when it cannot be read', async () => {
    const dir = join(await pipelinesDir({}), 'missing');
    expect((await checkPipelineDir(dir, { env: {} })).problems.map(formatProblem)).toEqual([
      `${dir}: /: cannot read the directory (ENOENT)`,
    ]);
  });

  it('reports the problems of every file in one pass, in file order within each', async () => {
    const a = minimalPipeline();
    delete stage(a, 'extraction').prompt;
    (a.rules as Data[]).push({ ...rule(a, 0) });
    const b = minimalPipeline();
    stage(b, 'specialization').model = ref('NOT_SET');
    const lines = await problemsOf({ 'a.yaml': yaml(a), 'b.yaml': yaml(b), 'c.yaml': yaml(minimalPipeline()) });
    expect(lines).toEqual([
      expect.stringMatching(/^a\.yaml: \/extraction\/prompt: is required/),
      expect.stringMatching(/^a\.yaml: \/rules\/1\/id: .* is already the id of \/rules\/0/),
      expect.stringMatching(/^b\.yaml: \/specialization\/model: \$\{NOT_SET\} is not set/),
    ]);
  });
});
