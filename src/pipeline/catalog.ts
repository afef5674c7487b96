import type { RunStore } from '../store/run-store.js';
import { compileStoredDefinition } from './definition/compile.js';
import type { Env } from './definition/interpolate.js';
import { loadPipelineRegistry } from './definition/load.js';
import { PipelineLoadError } from './definition/problems.js';
import { getPipeline, modelIdsOf, type PipelineRegistry } from './definition/registry.js';
import type { CompiledPipeline } from './definition/types.js';
import { LEGACY_PIPELINE, type PipelineRef } from './run.js';

export interface PipelineCatalogOptions {
  /** PIPELINES_DIR */
  dir: string;
  /** DEFAULT_PIPELINE */
  defaultName: string;
  /** what `${VAR}` in model ids reads */
  vars: Env;
  store: Pick<RunStore, 'savePipeline' | 'pipelineDefinition'>;
  /** model ids allowed besides the pipelines' own (ALLOWED_MODEL_IDS and the configured models) */
  allowedModelIds?: readonly string[];
}

export type ReloadOutcome = { ok: true; pipelines: CompiledPipeline[] } | { ok: false; error: PipelineLoadError };

/**
 * The pipelines this server serves, and every version a run may still need.
 * New runs get the current definition of their pipeline; a run already
 * started gets the version it started with (from memory or from the store,
 * where each version is saved before its first run), so `resumeRun` on any
 * instance, after any reload, finishes a run as it began. A reload is checked
 * whole and swapped whole: a directory with a problem changes nothing.
 */
export class PipelineCatalog {
  private registry: PipelineRegistry;
  /** every model id a run may call, for the registry now served */
  private allowed: ReadonlySet<string> = new Set();
  /** `${name}@${version}` -> compiled, for runs that outlive a reload */
  private readonly versions = new Map<string, CompiledPipeline>();
  /** versions this process has saved to the store */
  private readonly saved = new Set<string>();

  private constructor(
    private readonly options: PipelineCatalogOptions,
    registry: PipelineRegistry,
  ) {
    this.registry = registry;
    this.remember(registry);
  }

  /** Loads the directory; a problem stops start-up (PipelineLoadError, one line per problem). */
  static async load(options: PipelineCatalogOptions): Promise<PipelineCatalog> {
    return new PipelineCatalog(options, await PipelineCatalog.read(options));
  }

  private static read(o: PipelineCatalogOptions): Promise<PipelineRegistry> {
    return loadPipelineRegistry(o.dir, { env: o.vars, defaultName: o.defaultName });
  }

  /** The named pipeline as it is now, or the default; an unknown name is PIPELINE_NOT_FOUND. */
  get(name?: string | null): CompiledPipeline {
    return getPipeline(this.registry, name);
  }

  /** Every pipeline served, by name. */
  list(): CompiledPipeline[] {
    return [...this.registry.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get defaultName(): string {
    return this.registry.defaultName;
  }

  /** The ids a request may name and a run may call: the pipelines' and ALLOWED_MODEL_IDS. */
  allowedModelIds(): ReadonlySet<string> {
    return this.allowed;
  }

  /** Reads the directory again; on a problem the current pipelines keep serving. */
  async reload(): Promise<ReloadOutcome> {
    try {
      const registry = await PipelineCatalog.read(this.options);
      this.registry = registry;
      this.remember(registry);
      return { ok: true, pipelines: this.list() };
    } catch (err) {
      if (err instanceof PipelineLoadError) return { ok: false, error: err };
      throw err;
    }
  }

  /** Saves a version's definition before its first run, so any instance can finish that run. */
  async persist(pipeline: CompiledPipeline): Promise<void> {
    const key = keyOf(pipeline);
    if (this.saved.has(key)) return;
    await this.options.store.savePipeline({ name: pipeline.name, version: pipeline.version }, pipeline.definition);
    this.saved.add(key);
  }

  /** The definition a run started with; undefined for a run stored before pipelines (the built-in prompts). */
  async forRun(ref: PipelineRef): Promise<CompiledPipeline | undefined> {
    if (ref.version === LEGACY_PIPELINE.version) return undefined;
    const known = this.versions.get(keyOf(ref));
    if (known) return known;
    const stored = await this.options.store.pipelineDefinition(ref);
    if (stored === null) {
      throw new Error(`pipeline ${ref.name} version ${ref.version} is neither served nor stored`);
    }
    const compiled = compileStoredDefinition(ref.name, stored);
    this.versions.set(keyOf(ref), compiled);
    return compiled;
  }

  private remember(registry: PipelineRegistry): void {
    for (const p of registry.byName.values()) this.versions.set(keyOf(p), p);
    this.allowed = new Set([...(this.options.allowedModelIds ?? []), ...modelIdsOf(registry)]);
  }
}

function keyOf(ref: PipelineRef): string {
  return `${ref.name}@${ref.version}`;
}
