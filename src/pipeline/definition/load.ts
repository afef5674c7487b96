import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compilePipeline } from './compile.js';
import { PIPELINE_NAME } from './file-format.js';
import type { Env } from './interpolate.js';
import { PipelineLoadError, type Problem } from './problems.js';
import { createRegistry, type PipelineRegistry } from './registry.js';
import type { CompiledPipeline } from './types.js';
import { parseYamlSource } from './yaml-source.js';

/**
 * A pipelines directory: one `<name>.yaml` (or `.yml`) per pipeline. The
 * check reports every problem of every file; the load builds a registry only
 * from a directory with none, so a bad edit never half-applies.
 */

export interface LoadOptions {
  /** what `${VAR}` in model ids is read from */
  env: Env;
  /** when given, the directory must define it */
  defaultName?: string;
}

export interface DirCheck {
  /** the files that compiled, in name order */
  pipelines: CompiledPipeline[];
  problems: Problem[];
}

// far beyond any sensible pipeline: a guard against pointing at the wrong file
const MAX_FILE_BYTES = 1024 * 1024;
const PIPELINE_FILE = /^(.*)\.ya?ml$/;

export async function checkPipelineDir(dir: string, options: LoadOptions): Promise<DirCheck> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    // hidden files are editors' and tools' business (.#travel.yaml locks), not pipelines
    names = entries
      .filter((e) => !e.isDirectory() && !e.name.startsWith('.') && PIPELINE_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    return {
      pipelines: [],
      problems: [{ file: dir, pointer: '', message: `cannot read the directory (${describe(err)})` }],
    };
  }

  const pipelines: CompiledPipeline[] = [];
  const problems: Problem[] = [];
  const fileOf = new Map<string, string>();
  for (const fileName of names) {
    const file = join(dir, fileName);
    const name = (PIPELINE_FILE.exec(fileName) as RegExpExecArray)[1] as string;
    if (!PIPELINE_NAME.test(name)) {
      problems.push({
        file,
        pointer: '',
        message: `"${name}" is not a pipeline name: the file name without .yaml must match ${PIPELINE_NAME.source}`,
      });
      continue;
    }
    const other = fileOf.get(name);
    if (other) {
      problems.push({
        file,
        pointer: '',
        message: `pipeline "${name}" is already defined by ${other} in the same directory`,
      });
      continue;
    }
    fileOf.set(name, fileName);
    const text = await readText(file, problems);
    if (text === undefined) continue;
    const checked = checkPipelineSource(file, name, text, options.env);
    problems.push(...checked.problems);
    if (checked.pipeline) pipelines.push(checked.pipeline);
  }

  if (names.length === 0) {
    problems.push({ file: dir, pointer: '', message: 'holds no pipeline files (<name>.yaml)' });
  } else if (options.defaultName !== undefined && !fileOf.has(options.defaultName)) {
    problems.push({
      file: dir,
      pointer: '',
      message: `the default pipeline "${options.defaultName}" has no file here (${options.defaultName}.yaml)`,
    });
  }
  return { pipelines, problems };
}

/** One file's text, checked: its problems located by pointer and, where the file has the node, line and column. */
export function checkPipelineSource(
  file: string,
  name: string,
  text: string,
  env: Env,
): { pipeline?: CompiledPipeline; problems: Problem[] } {
  const source = parseYamlSource(text);
  if (source.syntax.length > 0) {
    return { problems: source.syntax.map((s) => ({ file, pointer: '', ...s })) };
  }
  const result = compilePipeline(name, source.data, env);
  if (result.ok) return { pipeline: result.pipeline, problems: [] };
  const problems: Problem[] = result.findings.map((f) => ({ file, ...f, ...source.locate(f.pointer) }));
  // in the order of the file, as an author reads it
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { problems };
}

/** The registry of a directory that passes the check; else PipelineLoadError listing every problem. */
export async function loadPipelineRegistry(
  dir: string,
  options: LoadOptions & { defaultName: string },
): Promise<PipelineRegistry> {
  const { pipelines, problems } = await checkPipelineDir(dir, options);
  if (problems.length > 0) throw new PipelineLoadError(problems);
  return createRegistry(pipelines, options.defaultName);
}

async function readText(file: string, problems: Problem[]): Promise<string | undefined> {
  try {
    const { size } = await stat(file);
    if (size > MAX_FILE_BYTES) {
      problems.push({
        file,
        pointer: '',
        message: `is ${size} bytes; a pipeline file may be at most ${MAX_FILE_BYTES}`,
      });
      return undefined;
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    problems.push({ file, pointer: '', message: `cannot be read (${describe(err)})` });
    return undefined;
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
