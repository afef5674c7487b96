import type { ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { FALLBACK_CODES, PIPELINE_NAME, type PipelineFile, pipelineFileSchema } from './file-format.js';
import { fileErrorMap, findingsOf } from './format-issues.js';
import { type Env, interpolate } from './interpolate.js';
import {
  compileSchema,
  describeErrors,
  entitySchemaCompiler,
  formatFindings,
  ruleSchemaCompiler,
} from './json-schema.js';
import { type Finding, PipelineLoadError, pointerOf, under } from './problems.js';
import type {
  CompiledPipeline,
  CompiledRule,
  EntityCheck,
  PipelineDefinition,
  PipelineExample,
  StageDefinition,
} from './types.js';
import { versionOf } from './version.js';

/**
 * From a pipeline file's data to a compiled pipeline, or every finding. The
 * shape is checked first; the deeper checks (model ids, schemas, rules,
 * examples) run on whatever parts have the right shape, so one pass reports
 * all that is wrong rather than the first thing.
 */

export type CompileResult = { ok: true; pipeline: CompiledPipeline } | { ok: false; findings: Finding[] };

const STAGES = ['extraction', 'specialization'] as const;
type StageName = (typeof STAGES)[number];

// as a request's primaryModelId is checked: the server allows the ids named here
const MODEL_ID = /^[\w.:/@+-]+$/;

export function compilePipeline(name: string, data: unknown, env: Env): CompileResult {
  const findings: Finding[] = [];
  if (!PIPELINE_NAME.test(name)) {
    findings.push({ pointer: '', message: `"${name}" is not a pipeline name: it must match ${PIPELINE_NAME.source}` });
  }
  const parsed = pipelineFileSchema.safeParse(data, { error: fileErrorMap });
  if (!parsed.success) findings.push(...findingsOf(parsed.error.issues));

  const raw = asRecord(data);
  const models = resolveModels(raw, env, findings);
  const entityValidate = compileEntitySchema(asRecord(raw.extraction).schema, findings);
  const rules = compileRules(raw.rules, findings);
  if (entityValidate) checkExamples(raw.examples, entityValidate, findings);

  if (!parsed.success || findings.length > 0 || !models || !entityValidate || !rules) {
    return { ok: false, findings: dedupe(findings) };
  }
  return { ok: true, pipeline: assemble(name, parsed.data, models, entityValidate, rules) };
}

/**
 * Recompiles a definition a run stored, so `resumeRun` works with what the
 * run started with even after the file changed. Throws PipelineLoadError if
 * it no longer compiles; the version is recomputed and equals the stored one.
 */
export function compileStoredDefinition(name: string, definition: unknown): CompiledPipeline {
  const result = compilePipeline(name, definition, {});
  if (result.ok) return result.pipeline;
  throw new PipelineLoadError(result.findings.map((f) => ({ file: `stored definition of ${name}`, ...f })));
}

interface ResolvedModels {
  model: string;
  fallbacks: string[];
}

function resolveModels(raw: Record<string, unknown>, env: Env, findings: Finding[]) {
  const out: Partial<Record<StageName, ResolvedModels>> = {};
  let ok = true;
  for (const stage of STAGES) {
    const s = asRecord(raw[stage]);
    const model = resolveModel(s.model, pointerOf([stage, 'model']), env, findings);
    const fallbacks: string[] = [];
    const tried = new Map<string, string>();
    if (model !== undefined) tried.set(model, "the stage's model");
    (Array.isArray(s.fallbacks) ? s.fallbacks : []).forEach((ref: unknown, i) => {
      const at = pointerOf([stage, 'fallbacks', i]);
      const id = resolveModel(ref, at, env, findings);
      if (id === undefined) return;
      const before = tried.get(id);
      if (before) findings.push({ pointer: at, message: `"${id}" is already tried as ${before}` });
      tried.set(id, `fallback ${i}`);
      fallbacks.push(id);
    });
    if (model === undefined) ok = false;
    else out[stage] = { model, fallbacks };
  }
  return ok ? (out as Record<StageName, ResolvedModels>) : undefined;
}

function resolveModel(ref: unknown, pointer: string, env: Env, findings: Finding[]): string | undefined {
  // a missing or empty value is the shape check's to report
  if (typeof ref !== 'string' || ref === '') return undefined;
  const resolved = interpolate(ref, env);
  if (!resolved.ok) {
    findings.push({ pointer, message: resolved.problem });
    return undefined;
  }
  const id = resolved.value;
  const from = id === ref ? '' : ` (from "${ref}")`;
  if (id === '') findings.push({ pointer, message: `resolves to an empty model id${from}` });
  else if (id.length > 200) findings.push({ pointer, message: `model id is longer than 200 characters${from}` });
  else if (!MODEL_ID.test(id)) {
    findings.push({
      pointer,
      message: `model id "${id}"${from} may hold letters, digits and . : / @ + - _ only`,
    });
  } else return id;
  return undefined;
}

function compileEntitySchema(schema: unknown, findings: Finding[]): ValidateFunction | undefined {
  if (!isRecord(schema)) return undefined;
  const at = '/extraction/schema';
  if (schema.type !== 'object') {
    findings.push({ pointer: `${at}/type`, message: 'must be object: the entities are one JSON object' });
    return undefined;
  }
  const compiled = compileSchema(entitySchemaCompiler(), schema);
  if (compiled.ok) return compiled.validate;
  findings.push(...under(at, compiled.findings));
  return undefined;
}

interface RuleValidators {
  when: ValidateFunction;
  require: ValidateFunction;
}

function compileRules(rules: unknown, findings: Finding[]): RuleValidators[] | undefined {
  if (!Array.isArray(rules)) return rules === undefined ? [] : undefined;
  const ajv = ruleSchemaCompiler();
  const ids = new Map<string, number>();
  const compiled: RuleValidators[] = [];
  let ok = true;
  rules.forEach((rule: unknown, i) => {
    const r = asRecord(rule);
    if (typeof r.id === 'string') {
      const first = ids.get(r.id);
      if (first === undefined) ids.set(r.id, i);
      else findings.push({ pointer: `/rules/${i}/id`, message: `"${r.id}" is already the id of /rules/${first}` });
    }
    const check = (key: 'when' | 'require'): ValidateFunction | undefined => {
      const schema = r[key];
      if (typeof schema !== 'boolean' && !isRecord(schema)) return undefined;
      const result = compileSchema(ajv, schema);
      if (result.ok) return result.validate;
      findings.push(...under(`/rules/${i}/${key}`, result.findings));
      return undefined;
    };
    const when = check('when');
    const require = check('require');
    if (when && require) compiled.push({ when, require });
    else ok = false;
  });
  return ok ? compiled : undefined;
}

/**
 * An example lists only the fields it checks, so missing required fields are
 * fine; every field it does list must be one the schema allows, of its type.
 */
function checkExamples(examples: unknown, validate: ValidateFunction, findings: Finding[]): void {
  if (!Array.isArray(examples)) return;
  examples.forEach((example: unknown, i) => {
    const extraction = asRecord(asRecord(example).expect).extraction;
    if (!isRecord(extraction) || validate(extraction)) return;
    const partial = (validate.errors ?? []).filter(
      (e) => !(e.instancePath === '' && (e.keyword === 'required' || e.keyword === 'dependentRequired')),
    );
    findings.push(...under(`/examples/${i}/expect/extraction`, describeErrors(partial)));
  });
}

function assemble(
  name: string,
  file: PipelineFile,
  models: Record<StageName, ResolvedModels>,
  validateEntities: ValidateFunction,
  validators: RuleValidators[],
): CompiledPipeline {
  const stage = (s: PipelineFile['specialization'], m: ResolvedModels): StageDefinition => ({
    model: m.model,
    fallbacks: m.fallbacks,
    fallbackOn: FALLBACK_CODES.filter((c) => s.fallbackOn.includes(c)),
    prompt: s.prompt,
    responseFormat: s.responseFormat,
    options: { temperature: s.options.temperature, maxTokens: s.options.maxTokens },
    ...(s.cache ? { cache: { ttlSeconds: s.cache.ttlSeconds } } : {}),
  });
  // a copy detached from the parsed data (and from what Ajv holds), frozen: runs share it
  const definition: PipelineDefinition = deepFreeze(
    structuredClone({
      extraction: { ...stage(file.extraction, models.extraction), schema: file.extraction.schema },
      rules: file.rules.map((r) => ({ id: r.id, when: r.when, require: r.require, verdict: r.verdict })),
      specialization: stage(file.specialization, models.specialization),
    }),
  );
  const rules: CompiledRule[] = definition.rules.map((rule, i) =>
    Object.freeze({ id: rule.id, verdict: rule.verdict, ...(validators[i] as RuleValidators) }),
  );
  const examples: PipelineExample[] = deepFreeze(structuredClone(file.examples));

  const checkEntities = (value: unknown): EntityCheck => {
    if (!isRecord(value)) return { ok: false, problem: '/ must be a JSON object' };
    if (validateEntities(value)) return { ok: true, value };
    return { ok: false, problem: formatFindings(describeErrors(validateEntities.errors ?? [])) };
  };
  const entities = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (validateEntities(value)) return;
    for (const f of describeErrors(validateEntities.errors ?? [])) {
      ctx.addIssue({ code: 'custom', message: `${f.pointer || '/'} ${f.message}` });
    }
  });

  const { extraction, specialization } = definition;
  return Object.freeze({
    name,
    version: versionOf(definition),
    ...(file.description === undefined ? {} : { description: file.description }),
    definition,
    rules: Object.freeze(rules),
    examples,
    modelIds: new Set([extraction.model, ...extraction.fallbacks, specialization.model, ...specialization.fallbacks]),
    entities,
    checkEntities,
  });
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.pointer}\0${f.message}`;
    return !seen.has(key) && seen.add(key);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
