import type { ExtractionResult, PipelineError, PipelineStage, SpecializationResult, StageName } from './types.js';

/** Which pipeline a run runs: its name, and the version (hash of the definition) it started with. */
export interface PipelineRef {
  name: string;
  version: string;
}

/** A run stored before pipelines existed: the built-in prompts, no rules. */
export const LEGACY_PIPELINE: PipelineRef = { name: 'travel', version: 'legacy' };

/** A run as stored: its input, what each stage produced, and where it stands. */
export interface RunRecord {
  id: string;
  text: string;
  /** the pipeline and version the run started with: resumeRun finishes it with the same definition */
  pipeline: PipelineRef;
  /** the name of the API key that created the run (its usage is counted to it); null on an open server */
  apiKey: string | null;
  primaryModelId: string;
  secondaryModelId: string;
  idempotencyKey: string | null;
  /** sha256 of the input that makes the run (text and model ids), for idempotency */
  inputHash: string;
  /** the latest stage reached */
  stage: PipelineStage;
  createdAt: string;
  updatedAt: string;
  extraction: ExtractionResult | null;
  specialization: SpecializationResult | null;
  error: PipelineError | null;
  /** the stage whose model call is under way; set at a crash, so start-up can mark it resumable */
  running: StageName | null;
}

export interface StageEvent {
  runId: string;
  /** 1, 2, 3 ... per run: subscribers skip what they have already seen by it */
  seq: number;
  stage: PipelineStage;
  at: string;
  attempt: number | null;
  message: string | null;
  error: PipelineError | null;
}

export const TERMINAL_STAGES: ReadonlySet<PipelineStage> = new Set(['COMPLETE', 'FAILED']);
