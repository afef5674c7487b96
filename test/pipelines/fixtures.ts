import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { stringify } from 'yaml';

/** A small pipeline that passes the check; tests change one thing in a copy. */
export function minimalPipeline(): Record<string, unknown> {
  return {
    description: 'A test pipeline',
    extraction: {
      model: 'm-extract',
      prompt: 'Extract the request.',
      schema: {
        type: 'object',
        required: ['action'],
        additionalProperties: false,
        properties: {
          action: { enum: ['change', 'refund', 'unknown'] },
          seat: { type: 'string', pattern: '^[0-9]{1,2}[A-K]$' },
          amount: { type: 'number', minimum: 0 },
        },
      },
    },
    rules: [
      {
        id: 'refund-needs-amount',
        when: { properties: { action: { const: 'refund' } }, required: ['action'] },
        require: { required: ['amount'] },
        verdict: { isValid: false, reason: 'A refund needs an amount.', nextSteps: ['Ask for the amount'] },
      },
    ],
    specialization: { model: 'm-special', prompt: 'Decide.' },
    examples: [{ text: 'Refund 20 please', expect: { extraction: { action: 'refund', amount: 20 } } }],
  };
}

export const yaml = (data: unknown): string => stringify(data);

/** `${NAME}` as a pipeline file writes it. */
export const ref = (name: string): string => `\${${name}}`;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temporary pipelines directory holding `files` (name -> text); removed after the test. */
export async function pipelinesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pipelines-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}
