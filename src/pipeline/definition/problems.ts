/**
 * What is wrong with a pipeline file and where: every problem is one line,
 * `<file>: <JSON pointer>: <problem>`, so an operator can fix them all in one
 * pass and a CI log stays readable.
 */

/** A problem found in a file's data, located by a JSON pointer ('' is the whole file). */
export interface Finding {
  pointer: string;
  message: string;
}

export interface Problem extends Finding {
  /** the path as the caller named it, e.g. `pipelines/travel.yaml` */
  file: string;
  /** 1-based, where the pointer's node (or its nearest existing parent) starts in the file */
  line?: number;
  column?: number;
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? '' : ` (line ${p.line}, column ${p.column ?? 1})`;
  return `${p.file}: ${p.pointer || '/'}: ${oneLine(p.message)}${where}`;
}

/** Messages from parsers may span lines; a problem is one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** RFC 6901: `~` is written `~0` and `/` is written `~1` inside a segment. */
export function pointerOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export function segmentsOf(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Findings of a nested part (a schema inside the file) moved under the part's own pointer. */
export function under(prefix: string, findings: ReadonlyArray<Finding>): Finding[] {
  return findings.map((f) => ({ pointer: prefix + f.pointer, message: f.message }));
}

/** A directory (or a stored definition) that failed the check: every problem, one per line in the message. */
export class PipelineLoadError extends Error {
  override name = 'PipelineLoadError';
  constructor(readonly problems: ReadonlyArray<Problem>) {
    super(problems.map(formatProblem).join('\n'));
  }
}
