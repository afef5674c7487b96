/**
 * Whether a value the simulated extractor found satisfies its property's
 * schema, so that what it answers is valid by construction: a value that does
 * not fit is left out, as a careful model would leave out what it cannot state
 * in the asked form. Covers the keywords entity schemas use (type, enum,
 * const, pattern, lengths, bounds, allOf / anyOf / oneOf / not, `$ref` inside
 * the schema); a keyword it does not know makes the value not fit. Pure, no I/O.
 */

export type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;
// Words about a schema, not conditions on the value.
const ANNOTATIONS: ReadonlySet<string> = new Set([
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
  '$id',
  '$schema',
  '$anchor',
  '$defs',
  'definitions',
]);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object schema's properties, in the order written. */
export function propertiesOf(schema: Schema): Array<[string, unknown]> {
  return isRecord(schema.properties) ? Object.entries(schema.properties) : [];
}

/** A property's schema with a `$ref` into the root followed (a few steps at most). */
export function resolve(schema: unknown, root: Schema, depth = 0): Schema | undefined {
  if (!isRecord(schema)) return undefined;
  if (typeof schema.$ref !== 'string' || depth >= MAX_DEPTH) return schema;
  return resolve(pointTo(root, schema.$ref), root, depth + 1);
}

export function fits(value: unknown, schema: unknown, root: Schema, depth = 0): boolean {
  if (schema === true) return true;
  if (!isRecord(schema) || depth > MAX_DEPTH) return false;
  for (const [key, rule] of Object.entries(schema)) {
    if (!holds(key, rule, value, root, depth)) return false;
  }
  return true;
}

function holds(key: string, rule: unknown, value: unknown, root: Schema, depth: number): boolean {
  if (ANNOTATIONS.has(key)) return true;
  const n = typeof value === 'number' ? value : undefined;
  const s = typeof value === 'string' ? value : undefined;
  switch (key) {
    case 'type':
      return (Array.isArray(rule) ? rule : [rule]).some((t) => hasType(value, t));
    case 'enum':
      return Array.isArray(rule) && rule.some((v) => v === value);
    case 'const':
      return rule === value;
    case 'pattern':
      return s === undefined || (typeof rule === 'string' && matches(rule, s));
    case 'minLength':
      return s === undefined || (typeof rule === 'number' && [...s].length >= rule);
    case 'maxLength':
      return s === undefined || (typeof rule === 'number' && [...s].length <= rule);
    case 'minimum':
      return n === undefined || (typeof rule === 'number' && n >= rule);
    case 'maximum':
      return n === undefined || (typeof rule === 'number' && n <= rule);
    case 'exclusiveMinimum':
      return n === undefined || (typeof rule === 'number' && n > rule);
    case 'exclusiveMaximum':
      return n === undefined || (typeof rule === 'number' && n < rule);
    case 'multipleOf':
      return n === undefined || (typeof rule === 'number' && rule > 0 && Number.isInteger(n / rule));
    case 'allOf':
      return Array.isArray(rule) && rule.every((r) => fits(value, r, root, depth + 1));
    case 'anyOf':
      return Array.isArray(rule) && rule.some((r) => fits(value, r, root, depth + 1));
    case 'oneOf':
      return Array.isArray(rule) && rule.filter((r) => fits(value, r, root, depth + 1)).length === 1;
    case 'not':
      return !fits(value, rule, root, depth + 1);
    case '$ref':
      return typeof rule === 'string' && fits(value, pointTo(root, rule), root, depth + 1);
    default:
      return false;
  }
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return false;
  }
}

// Patterns are the schema author's (JSON Schema: JavaScript with the u flag, unanchored).
function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return false;
  }
}

/** `#/$defs/name` inside the root schema; anything else points nowhere. */
function pointTo(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isRecord(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}
