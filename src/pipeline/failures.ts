import { AppError, type ErrorCode } from '../errors.js';
import type { PipelineError, PipelineStage, TokenUsage } from './types.js';

export interface StageFailureDetails {
  retryable: boolean;
  cause?: unknown;
  /** the model's text, when the model answered but not usably */
  raw?: string;
  /** where the run failed: EXTRACTING or SPECIALIZING, once known */
  stage?: PipelineStage;
  /** tokens paid for before the stage gave up (a MODEL_OUTPUT_INVALID costs two calls) */
  usage?: TokenUsage;
}

/** A stage that ended without a result: the code a client switches on, where, and what it cost. */
export class StageFailure extends AppError {
  override name = 'StageFailure';
  readonly raw: string | undefined;
  readonly stage: PipelineStage | undefined;
  readonly usage: TokenUsage | undefined;

  constructor(code: ErrorCode, message: string, details: StageFailureDetails) {
    super(code, message, { retryable: details.retryable, cause: details.cause });
    this.raw = details.raw;
    this.stage = details.stage;
    this.usage = details.usage;
  }

  /** A stage's expected failure (a gateway error, an unreachable store, ...) as a stage outcome. */
  static of(err: AppError): StageFailure {
    if (err instanceof StageFailure) return err;
    return new StageFailure(err.code, err.message, { retryable: err.retryable, cause: err });
  }

  static fromStored(e: PipelineError): StageFailure {
    return new StageFailure(e.code, e.message, { retryable: e.retryable, raw: e.raw, stage: e.stage, usage: e.usage });
  }

  /** The same failure, with what the stage paid before it (every model it called). */
  withUsage(usage: TokenUsage): StageFailure {
    return new StageFailure(this.code, this.message, {
      retryable: this.retryable,
      cause: this.cause,
      raw: this.raw,
      stage: this.stage,
      usage,
    });
  }

  atStage(stage: PipelineStage): StageFailure {
    return new StageFailure(this.code, this.message, {
      retryable: this.retryable,
      cause: this.cause,
      raw: this.raw,
      stage,
      usage: this.usage,
    });
  }

  toPipelineError(): PipelineError {
    return {
      code: this.code,
      message: this.message,
      stage: this.stage ?? 'FAILED',
      retryable: this.retryable,
      ...(this.raw !== undefined ? { raw: this.raw } : {}),
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
    };
  }
}
