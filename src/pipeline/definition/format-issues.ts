import type { z } from 'zod';
import { KEYS_AT } from './file-format.js';
import { type Finding, pointerOf } from './problems.js';

/**
 * zod's issues as findings in a pipeline author's words: "is required",
 * "must be a list (found a mapping)", one finding per unknown key with the
 * keys that are allowed there.
 */

/** Per-parse error map: messages set on the schema itself take precedence. */
export const fileErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      return issue.input === undefined
        ? 'is required'
        : `must be ${describeExpected(issue.expected)} (found ${describeValue(issue.input)})`;
    case 'too_small':
      return `must ${rangeMessage('at least', 'more than', issue.origin, Number(issue.minimum), issue.inclusive)}`;
    case 'too_big':
      return `must ${rangeMessage('at most', 'less than', issue.origin, Number(issue.maximum), issue.inclusive)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
};

export function findingsOf(issues: ReadonlyArray<z.core.$ZodIssue>): Finding[] {
  return issues.flatMap((issue) => {
    const at = pointerOf(issue.path);
    if (issue.code !== 'unrecognized_keys') return [{ pointer: at, message: issue.message }];
    const allowed = KEYS_AT.find(([where]) => where.test(at))?.[1];
    const hint = allowed ? ` (allowed here: ${allowed.join(', ')})` : '';
    return issue.keys.map((key) => ({ pointer: at + pointerOf([key]), message: `unknown key${hint}` }));
  });
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

function rangeMessage(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  limit: number,
  inclusive: boolean | undefined,
): string {
  const bound = inclusive === false ? exclusiveWord : inclusiveWord;
  if (origin === 'string') return `have ${bound} ${limit} characters`;
  if (origin === 'array' || origin === 'set') return `have ${bound} ${limit} items`;
  return `be ${bound} ${limit}`;
}
