import { AppError } from '../../errors.js';
import { PIPELINE_NAME } from './file-format.js';
import type { CompiledPipeline } from './types.js';

/**
 * The pipelines a server serves, by name, and the one that serves requests
 * naming none. Built whole from a directory that passed the check and swapped
 * whole on reload, so a request never sees half of a reload.
 */
export interface PipelineRegistry {
  readonly byName: ReadonlyMap<string, CompiledPipeline>;
  readonly defaultName: string;
}

export function createRegistry(pipelines: Iterable<CompiledPipeline>, defaultName: string): PipelineRegistry {
  const byName = new Map<string, CompiledPipeline>();
  for (const p of pipelines) {
    if (byName.has(p.name)) throw new Error(`two pipelines are named "${p.name}"`);
    byName.set(p.name, p);
  }
  if (!byName.has(defaultName)) {
    throw new Error(`the default pipeline "${defaultName}" is not among ${[...byName.keys()].join(', ') || 'none'}`);
  }
  return Object.freeze({ byName, defaultName });
}

/** The named pipeline, or the default when none is named; an unknown name is PIPELINE_NOT_FOUND. */
export function getPipeline(registry: PipelineRegistry, name?: string | null): CompiledPipeline {
  const wanted = name ?? registry.defaultName;
  const found = registry.byName.get(wanted);
  if (found) return found;
  const known = [...registry.byName.keys()].sort().join(', ');
  // the name is the client's: repeated only when it is a well-formed one, so nothing odd is echoed
  const what = PIPELINE_NAME.test(wanted) ? `There is no pipeline named "${wanted}"` : 'That is not a pipeline name';
  throw new AppError('PIPELINE_NOT_FOUND', `${what}; the pipelines are: ${known}.`);
}

/** Every model id any pipeline names (models and fallbacks): the ids the server lets a run use. */
export function modelIdsOf(registry: PipelineRegistry): Set<string> {
  const ids = new Set<string>();
  for (const p of registry.byName.values()) for (const id of p.modelIds) ids.add(id);
  return ids;
}
