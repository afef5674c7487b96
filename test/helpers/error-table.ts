import { readFileSync } from 'node:fs';

/**
 * docs/api.md "Error codes": its table of codes, code -> REST status (null for
 * "-"), so tests assert the statuses the docs promise and cannot drift from them.
 */
export function errorTable(): Map<string, number | null> {
  const api = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const start = api.indexOf('\n## Error codes\n');
  if (start < 0) throw new Error('docs/api.md has no "## Error codes" section');
  // the section runs to the next heading of its level or above, not into its subsections' prose
  const rest = api.slice(start + 1);
  const next = rest.slice(3).search(/^#{1,2} /m);
  const section = next < 0 ? rest : rest.slice(0, next + 3);
  const table = new Map<string, number | null>();
  for (const m of section.matchAll(/^\| `([A-Z_]+)`\s*\|[^|\n]*\|\s*(\d{3}|-)\s*\|$/gm)) {
    table.set(m[1] as string, m[2] === '-' ? null : Number(m[2]));
  }
  return table;
}

/** The REST status docs/api.md's error table gives the code. */
export function restStatusOf(code: string): number {
  const status = errorTable().get(code);
  if (typeof status !== 'number') throw new Error(`docs/api.md's error table gives ${code} no REST status`);
  return status;
}
