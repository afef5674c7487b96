import { AppError, type ErrorCode } from '../errors.js';
import { GatewayError } from '../gateway/errors.js';
import type { PipelineError, PipelineStage } from './types.js';

/** A stage that ended without a result, with the code a client switches on. */
export class StageFailure extends AppError {
  override name = 'StageFailure';
  constructor(
    code: ErrorCode,
    message: string,
    retryable: boolean,
    /** the model's text, when the model answered but not usably */
    readonly raw?: string,
    /** where the run failed: EXTRACTING or SPECIALIZING, once known */
    readonly stage?: PipelineStage,
  ) {
    super(code, message, retryable);
  }

  static fromStored(e: PipelineError): StageFailure {
    return new StageFailure(e.code, e.message, e.retryable, e.raw, e.stage);
  }

  atStage(stage: PipelineStage): StageFailure {
    return new StageFailure(this.code, this.message, this.retryable, this.raw, stage);
  }

  toPipelineError(): PipelineError {
    return {
      code: this.code,
      message: this.message,
      stage: this.stage ?? 'FAILED',
      retryable: this.retryable,
      ...(this.raw !== undefined ? { raw: this.raw } : {}),
    };
  }

  static from(err: unknown): StageFailure | undefined {
    if (err instanceof StageFailure) return err;
    if (err instanceof GatewayError) return new StageFailure(err.code, err.message, err.retryable);
    if (err instanceof AppError) return new StageFailure(err.code, err.message, err.retryable);
    return undefined;
  }
}
