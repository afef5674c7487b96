/**
 * `${VAR}` and `${VAR:-default}` in a pipeline's model ids, read from an
 * environment handed in (the entry point passes its environment; tests pass
 * a plain object). As in a shell, `:-` also covers a variable set to blanks,
 * and a blank value counts as unset, as it does everywhere else in the
 * configuration.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export type Interpolated = { ok: true; value: string } | { ok: false; problem: string };

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}$]*))?\}/y;

export function interpolate(template: string, env: Env): Interpolated {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf('${', i);
    if (start < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, start);
    REFERENCE.lastIndex = start;
    const m = REFERENCE.exec(template);
    if (!m) {
      return {
        ok: false,
        problem: `malformed variable reference at "${template.slice(start, start + 40)}": write \${NAME} or \${NAME:-default}`,
      };
    }
    const name = m[1] as string;
    const fallback = m[2];
    const value = env[name];
    if (value !== undefined && value.trim() !== '') out += value.trim();
    else if (fallback !== undefined) out += fallback;
    else {
      return {
        ok: false,
        problem: `\${${name}} is not set in the environment (set ${name}, or write \${${name}:-default})`,
      };
    }
    i = start + m[0].length;
  }
  return { ok: true, value: out };
}
