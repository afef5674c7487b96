import type { z } from 'zod';

/**
 * Models wrap JSON in code fences and chatter ("Sure! Here it is: ```json ...").
 * This finds the JSON object in such text, parses it and checks it against a
 * stage's schema, returning either the value or a problem stated plainly
 * enough to send back to the model.
 */

export type OutputCheck<T> = { ok: true; value: T } | { ok: false; problem: string };

export function checkModelOutput<T>(text: string, schema: z.ZodType<T>): OutputCheck<T> {
  const candidate = findJsonObject(text);
  if (candidate === undefined) return { ok: false, problem: 'the answer contains no JSON object' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(candidate);
  } catch (err) {
    return { ok: false, problem: `the JSON object does not parse (${(err as Error).message})` };
  }
  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return { ok: false, problem: `the JSON object is not of the expected shape (${issues})` };
}

/** The first balanced `{...}` in the text, fences and surrounding prose ignored. */
export function findJsonObject(text: string): string | undefined {
  const fenced = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(text);
  const body = fenced?.[1]?.includes('{') ? fenced[1] : text;
  let start = body.indexOf('{');
  while (start >= 0) {
    const end = matchingBrace(body, start);
    if (end >= 0) return body.slice(start, end + 1);
    start = body.indexOf('{', start + 1);
  }
  return undefined;
}

/** Index of the brace closing the one at `start`, skipping braces inside strings; -1 if unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
