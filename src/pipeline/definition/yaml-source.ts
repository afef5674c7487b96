import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { oneLine, segmentsOf } from './problems.js';

/**
 * A pipeline file parsed with its source positions kept, so a problem found
 * later in the data (by a JSON pointer) can also be given a line and column.
 */

export interface Position {
  line: number;
  column: number;
}

export interface SyntaxProblem extends Position {
  message: string;
}

export interface YamlSource {
  /** the file's data as plain JavaScript; undefined when it did not parse */
  data: unknown;
  syntax: SyntaxProblem[];
  /** where the pointer's node starts, or its nearest parent that exists in the file */
  locate(pointer: string): Position | undefined;
}

export function parseYamlSource(text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  // a YAML warning (an unknown tag, say) means the file does not say what its author thinks
  const syntax = [...doc.errors, ...doc.warnings].map((e) => ({ message: oneLine(e.message), ...at(e.pos[0]) }));
  let data: unknown;
  if (syntax.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      syntax.push({ message: oneLine((err as Error).message), line: 1, column: 1 });
    }
  }
  return {
    data,
    syntax,
    locate: (pointer) => {
      const offset = offsetOf(doc, pointer);
      return offset === undefined ? undefined : at(offset);
    },
  };
}

/** Walks the pointer through the document's nodes; stops at the deepest one that exists. */
function offsetOf(doc: Document, pointer: string): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const segment of segmentsOf(pointer)) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) break;
      // point at the key: the line an author looks for
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!/^\d+$/.test(segment) || item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}
