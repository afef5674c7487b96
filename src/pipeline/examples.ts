import { isDeepStrictEqual } from 'node:util';
import { toAppError } from '../errors.js';
import type { CompiledPipeline, PipelineExample } from './definition/types.js';
import type { Orchestrator } from './orchestrator.js';
import type { SpecializationResult } from './types.js';

/** One expected field of an example, and what the run gave. */
export interface FieldCheck {
  field: string;
  expected: unknown;
  actual: unknown;
  ok: boolean;
}

export interface ExampleOutcome {
  pipeline: string;
  index: number;
  text: string;
  checks: FieldCheck[];
  decidedBy?: SpecializationResult['decidedBy'];
  rule?: string | null;
  tokens: number;
  latencyMs: number;
  /** the run's error code, when it failed */
  error?: string;
  ok: boolean;
}

/**
 * Runs a pipeline's examples through the orchestrator (so through the
 * configured gateway, rules and all) and compares each expected field: equal
 * values match; fields an example does not list are not checked.
 */
export async function runExamples(orchestrator: Orchestrator, pipeline: CompiledPipeline): Promise<ExampleOutcome[]> {
  const outcomes: ExampleOutcome[] = [];
  for (const [index, example] of pipeline.examples.entries()) {
    outcomes.push(await runExample(orchestrator, pipeline.name, index, example));
  }
  return outcomes;
}

async function runExample(
  orchestrator: Orchestrator,
  pipeline: string,
  index: number,
  example: PipelineExample,
): Promise<ExampleOutcome> {
  const started = performance.now();
  const base = { pipeline, index, text: example.text };
  try {
    const run = await orchestrator.create({ text: example.text, pipeline });
    const specialization = await orchestrator.ensureStage(run.id, 'specialization');
    const extraction = await orchestrator.ensureStage(run.id, 'extraction');
    const checks = [
      ...compare('extraction', example.expect.extraction, extraction.entities),
      ...compare('specialization', example.expect.specialization, specialization as unknown as Record<string, unknown>),
    ];
    return {
      ...base,
      checks,
      decidedBy: specialization.decidedBy,
      rule: specialization.rule,
      tokens: extraction.usage.totalTokens + specialization.usage.totalTokens,
      latencyMs: Math.round(performance.now() - started),
      ok: checks.every((c) => c.ok),
    };
  } catch (err) {
    return {
      ...base,
      checks: [],
      tokens: 0,
      latencyMs: Math.round(performance.now() - started),
      error: toAppError(err).code,
      ok: false,
    };
  }
}

function compare(stage: string, expected: Record<string, unknown> | undefined, actual: Record<string, unknown>) {
  return Object.entries(expected ?? {}).map(([key, value]) => ({
    field: `${stage}.${key}`,
    expected: value,
    actual: actual[key],
    ok: isDeepStrictEqual(value, actual[key]),
  }));
}
