import type { SpecializationVerdict } from '../types.js';
import type { CompiledPipeline } from './types.js';

/**
 * The rules of a pipeline, a pure function of the entities: checked in file
 * order, the first rule whose `when` matches and whose `require` does not
 * fires, and its verdict is the specialization (no model call). Rules whose
 * `when` matched and whose `require` held "passed": the domain model is told
 * which, so it need not check them again.
 */

export interface RuleDecision {
  rule: string;
  verdict: SpecializationVerdict;
}

export interface RuleOutcome {
  /** the rule that fired, if any */
  decision?: RuleDecision;
  /** ids of the rules checked and satisfied before any fired, in file order */
  passed: string[];
}

export function evaluateRules(
  entities: Record<string, unknown>,
  pipeline: Pick<CompiledPipeline, 'rules'>,
): RuleOutcome {
  const passed: string[] = [];
  for (const rule of pipeline.rules) {
    if (!rule.when(entities)) continue;
    if (rule.require(entities)) {
      passed.push(rule.id);
      continue;
    }
    // a copy: the compiled verdict is shared by every run
    const { isValid, reason, nextSteps } = rule.verdict;
    return { decision: { rule: rule.id, verdict: { isValid, reason, nextSteps: [...nextSteps] } }, passed };
  }
  return { passed };
}

export function decideByRules(
  entities: Record<string, unknown>,
  pipeline: Pick<CompiledPipeline, 'rules'>,
): RuleDecision | undefined {
  return evaluateRules(entities, pipeline).decision;
}
