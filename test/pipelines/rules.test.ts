import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../src/pipeline/definition/compile.js';
import { decideByRules, evaluateRules } from '../../src/pipeline/definition/rules.js';
import type { CompiledPipeline } from '../../src/pipeline/definition/types.js';
import { minimalPipeline } from './fixtures.js';

/**
 * Rules, in file order: the first whose `when` matches and whose `require`
 * does not, fires; the rules checked and satisfied before it "passed".
 */

const verdict = (reason: string) => ({ isValid: false, reason, nextSteps: [`Fix: ${reason}`] });

const RULES = [
  {
    id: 'known-intent',
    when: true,
    require: { properties: { action: { not: { const: 'unknown' } } } },
    verdict: verdict('unknown intent'),
  },
  {
    id: 'refund-needs-amount',
    when: { properties: { action: { const: 'refund' } }, required: ['action'] },
    require: { required: ['amount'] },
    verdict: verdict('no amount'),
  },
  {
    id: 'refund-limit',
    when: { properties: { action: { const: 'refund' } }, required: ['action', 'amount'] },
    require: { properties: { amount: { maximum: 1000 } } },
    verdict: verdict('over the limit'),
  },
  {
    id: 'seat-exists',
    when: { required: ['seat'] },
    require: { properties: { seat: { pattern: '^([1-9]|[1-5][0-9]|60)[A-K]$' } } },
    verdict: verdict('no such seat'),
  },
];

function pipeline(rules: unknown[] = RULES): CompiledPipeline {
  const result = compilePipeline('p', { ...minimalPipeline(), rules }, {});
  if (!result.ok) throw new Error(JSON.stringify(result.findings));
  return result.pipeline;
}

describe('the rules engine', () => {
  const p = pipeline();

  it('fires the first rule whose when matches and whose require does not', () => {
    expect(decideByRules({ action: 'refund' }, p)).toEqual({
      rule: 'refund-needs-amount',
      verdict: verdict('no amount'),
    });
    expect(decideByRules({ action: 'refund', amount: 5000 }, p)).toEqual({
      rule: 'refund-limit',
      verdict: verdict('over the limit'),
    });
  });

  it('checks in file order: an earlier rule wins when two would fire', () => {
    const both = { action: 'unknown', seat: '99Z' };
    expect(decideByRules(both, p)?.rule).toBe('known-intent');
    expect(decideByRules(both, pipeline([...RULES].reverse()))?.rule).toBe('seat-exists');
  });

  it('fires nothing when every rule that applies is satisfied, and lists those as passed', () => {
    expect(evaluateRules({ action: 'refund', amount: 20, seat: '14A' }, p)).toEqual({
      passed: ['known-intent', 'refund-needs-amount', 'refund-limit', 'seat-exists'],
    });
  });

  it('does not list rules whose when did not match as passed', () => {
    expect(evaluateRules({ action: 'change' }, p)).toEqual({ passed: ['known-intent'] });
  });

  it('lists the rules passed before the one that fired', () => {
    expect(evaluateRules({ action: 'refund', amount: 20, seat: '0A' }, p)).toEqual({
      decision: { rule: 'seat-exists', verdict: verdict('no such seat') },
      passed: ['known-intent', 'refund-needs-amount', 'refund-limit'],
    });
  });

  it('decides nothing with no rules', () => {
    expect(evaluateRules({ action: 'refund' }, pipeline([]))).toEqual({ passed: [] });
    expect(decideByRules({ action: 'refund' }, pipeline([]))).toBeUndefined();
  });

  it('takes require: false as a rule that always fires when it applies', () => {
    const always = [
      {
        id: 'no-refunds',
        when: { properties: { action: { const: 'refund' } } },
        require: false,
        verdict: verdict('never'),
      },
    ];
    expect(decideByRules({ action: 'refund', amount: 1 }, pipeline(always))?.rule).toBe('no-refunds');
    expect(decideByRules({ action: 'change' }, pipeline(always))).toBeUndefined();
  });

  it('hands out a copy of the verdict: a caller changing it changes no other run', () => {
    const first = decideByRules({ action: 'refund' }, p);
    first?.verdict.nextSteps.push('something else');
    expect(decideByRules({ action: 'refund' }, p)?.verdict.nextSteps).toEqual(['Fix: no amount']);
  });
});
