import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { type Finding, pointerOf } from './problems.js';

/**
 * JSON Schema 2020-12 with Ajv, for the entity schema and the rules.
 *
 * The entity schema is compiled in Ajv's full strict mode: an unknown keyword,
 * a `pattern` on something not declared a string, a `required` field that is
 * not among the `properties` are mistakes in a schema that describes data.
 * Rules' `when` / `require` are fragments tested against entities that already
 * passed that schema (`{required: [date]}`), so they keep the strict check of
 * keywords and formats but not the ones that demand `type` and `properties`.
 *
 * `format` is not supported (no format vocabulary is loaded, and strict mode
 * refuses an unknown format): write a `pattern`.
 */

export type JsonSchema = boolean | Record<string, unknown>;

// One of each per process: building an Ajv compiles the 2020-12 meta-schema (tens of
// milliseconds). compileSchema() removes each schema again once compiled, so a
// reload leaves nothing behind and two files may use the same $id.
let entityAjv: Ajv2020 | undefined;
let ruleAjv: Ajv2020 | undefined;

export function entitySchemaCompiler(): Ajv2020 {
  entityAjv ??= new Ajv2020({ strict: true, allErrors: true });
  return entityAjv;
}

export function ruleSchemaCompiler(): Ajv2020 {
  // first failure is enough: a rule only needs matches / does not match
  ruleAjv ??= new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: false });
  return ruleAjv;
}

export type SchemaCompile = { ok: true; validate: ValidateFunction } | { ok: false; findings: Finding[] };

/** Checks a schema against the 2020-12 meta-schema, then compiles it; findings point into the schema. */
export function compileSchema(ajv: Ajv2020, schema: JsonSchema): SchemaCompile {
  if (!ajv.validateSchema(schema)) {
    return { ok: false, findings: firstPerPointer(describeErrors(ajv.errors ?? [])) };
  }
  try {
    // the compiled function is self-contained: Ajv need not keep the schema
    return { ok: true, validate: ajv.compile(schema) };
  } catch (err) {
    const message = (err as Error).message;
    return {
      ok: false,
      findings: [{ pointer: locateCompileError(schema, message), message: cleanCompileError(message) }],
    };
  } finally {
    if (typeof schema === 'object') ajv.removeSchema(schema);
  }
}

/**
 * Ajv's errors as `{pointer, message}` where the pointer names the field at
 * fault: a missing or unexpected property is named itself, not its parent.
 */
export function describeErrors(errors: ReadonlyArray<ErrorObject>): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const f = describeError(e);
    const key = `${f.pointer}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

function describeError(e: ErrorObject): Finding {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: e.instancePath + pointerOf([String(p.missingProperty)]), message: 'is required' };
    case 'additionalProperties':
      return { pointer: e.instancePath + pointerOf([String(p.additionalProperty)]), message: 'is not allowed' };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const listed = allowed.slice(0, 20).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      return {
        pointer: e.instancePath,
        message: `must be one of: ${listed.join(', ')}${allowed.length > 20 ? ', ...' : ''}`,
      };
    }
    case 'const':
      return { pointer: e.instancePath, message: `must be ${JSON.stringify(p.allowedValue)}` };
    default:
      return { pointer: e.instancePath, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** `/seat must match pattern "..."; /name is not allowed`: what a model is told when asked to repair its answer. */
export function formatFindings(findings: ReadonlyArray<Finding>): string {
  return findings.map((f) => `${f.pointer || '/'} ${f.message}`).join('; ');
}

// The meta-schema reports a bad `type` three ways (enum, array, anyOf); the first says it best.
function firstPerPointer(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.pointer) && seen.add(f.pointer));
}

function cleanCompileError(message: string): string {
  return message
    .replace(/^strict mode: /, '')
    .replace(/ at "#[^"]*"( \(\w+\))?$/, '')
    .replace(/ ignored in schema at path "#[^"]*"$/, ' (format is not supported here: use a pattern)');
}

/**
 * Ajv's compile errors carry no pointer, or a schema path in the message: turn
 * what there is into a pointer into the schema, else point at its root.
 */
function locateCompileError(schema: JsonSchema, message: string): string {
  const at = / (?:at|at path) "#([^"]*)"/.exec(message);
  // a required field missing from properties: point at the `required` list that names it
  if (at) return `${at[1]}${message.endsWith('(strictRequired)') ? '/required' : ''}`;
  const keyword = /unknown keyword: "([^"]+)"/.exec(message);
  if (keyword) return findPointer(schema, (key) => key === keyword[1]) ?? '';
  const regex = /^Invalid regular expression: \/(.*)\/u?:/.exec(message);
  if (regex) {
    const source = regex[1];
    return (
      findPointer(schema, (key, value, parentKey) =>
        key === 'pattern' ? value === source : parentKey === 'patternProperties' && key === source,
      ) ?? ''
    );
  }
  return '';
}

/** Depth-first: the pointer of the first key for which `match` holds. */
function findPointer(
  node: unknown,
  match: (key: string, value: unknown, parentKey: string | undefined) => boolean,
  path: string[] = [],
): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(node)
    ? node.map((v, i) => [String(i), v])
    : Object.entries(node);
  for (const [key, value] of entries) {
    if (match(key, value, path[path.length - 1])) return pointerOf([...path, key]);
    const deeper = findPointer(value, match, [...path, key]);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}
