import { readFileSync } from 'node:fs';

/**
 * README "How errors look": its table of codes, code -> REST status (null for
 * "-"), so tests assert the statuses the README promises and cannot drift from it.
 */
export function readmeErrorTable(): Map<string, number | null> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## How errors look'));
  const table = new Map<string, number | null>();
  for (const m of section.matchAll(/^\| `([A-Z_]+)`\s*\|[^|\n]*\|\s*(\d{3}|-)\s*\|$/gm)) {
    table.set(m[1] as string, m[2] === '-' ? null : Number(m[2]));
  }
  return table;
}

/** The REST status the README's table gives the code. */
export function readmeRestStatus(code: string): number {
  const status = readmeErrorTable().get(code);
  if (typeof status !== 'number') throw new Error(`README's error table gives ${code} no REST status`);
  return status;
}
