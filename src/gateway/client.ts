import type { Dispatcher } from 'undici';
import { copyWith } from '../copy-with.js';
import { type Logger, scrubSecrets } from '../logger.js';
import { inSpan } from '../observability/tracing.js';
import { AttemptDeadline, sleep } from './abort.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { GatewayError } from './errors.js';
import { type HttpAnswer, post } from './http.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { backoffDelayMs, errorForStatus, serverRetryDelayMs } from './retry-policy.js';
import { describeNetworkError, type TokenSource } from './token-provider.js';
import {
  DEFAULT_MODEL_OPTIONS,
  type Gateway,
  type ModelAnswer,
  type ModelCall,
  type ModelOptions,
  type TokenUsage,
} from './types.js';
import type { WireFormat } from './wire/wire-format.js';

export interface GatewayClientOptions {
  wire: WireFormat;
  /** required when the wire format takes bearer tokens */
  tokens?: TokenSource;
  dispatcher: Dispatcher;
  limiter: ConcurrencyLimiter;
  logger: Logger;
  timeoutMs: number;
  maxAttempts: number;
  /** scrubbed out of any text taken from a response */
  secrets?: readonly (string | undefined)[];
  random?: () => number;
  now?: () => number;
  /** fails calls to a model fast while it keeps failing */
  breaker?: CircuitBreaker;
  /** observes every attempt (metrics); never throws into the call */
  onAttemptEnd?: (e: AttemptRecord) => void;
}

export interface AttemptRecord {
  modelId: string;
  attempt: number;
  status: number | 'timeout' | 'network' | 'cancelled';
  latencyMs: number;
  correlationId: string | null;
  /** set when another attempt follows */
  retry?: { reason: string; waitMs: number };
  /** tokens billed, on a successful attempt */
  usage?: TokenUsage;
}

type Outcome = { ok: true; answer: Omit<ModelAnswer, 'attempts' | 'latencyMs'> } | { ok: false; error: GatewayError };

/**
 * One model call under the call policy (docs/api.md "Call policy"): the only retry layer.
 * Each attempt takes a limiter slot, a token and its own deadline; between
 * attempts the slot is given back, so a call that waits out a 429 does not
 * hold up calls that could go now.
 */
export class GatewayClient implements Gateway {
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly o: GatewayClientOptions) {
    if (o.wire.auth === 'bearer-token' && !o.tokens) throw new Error('a bearer-token wire format needs a TokenSource');
    this.random = o.random ?? Math.random;
    this.now = o.now ?? Date.now;
  }

  /**
   * The circuit breaker judges whole calls, not attempts: a call's own retries
   * always run their course, and only a call that ended unavailable or timed
   * out counts against the model (a 429 means busy, and Retry-After rules it).
   */
  async complete(call: ModelCall): Promise<ModelAnswer> {
    const breaker = this.o.breaker;
    const admitted = breaker?.admit(call.modelId) ?? { ok: true };
    if (!admitted.ok) throw circuitOpen(call.modelId, admitted.retryInMs);
    try {
      const answer = await this.withRetries(call);
      breaker?.succeeded(call.modelId);
      return answer;
    } catch (err) {
      if (err instanceof GatewayError && (err.code === 'GATEWAY_UNAVAILABLE' || err.code === 'GATEWAY_TIMEOUT')) {
        breaker?.failed(call.modelId);
      } else if (err instanceof GatewayError && err.status !== undefined && err.code !== 'GATEWAY_RATE_LIMITED') {
        // the endpoint answered (a 4xx we cannot fix by retrying): it is up
        breaker?.succeeded(call.modelId);
      } else {
        breaker?.abandoned(call.modelId);
      }
      throw err;
    }
  }

  private async withRetries(call: ModelCall): Promise<ModelAnswer> {
    const options: ModelOptions = { ...DEFAULT_MODEL_OPTIONS, ...call.options };
    const body = this.o.wire.body(call.modelId, call.messages, options);
    const started = this.now();
    let attempt = 0;
    let retriesLeft = this.o.maxAttempts - 1;
    let refreshedAfter401 = false;
    let timeouts = 0;
    call.onAttempt?.({ attempt: 1 });

    for (;;) {
      attempt++;
      const attemptStarted = this.now();
      const { outcome, token } = await this.attempt(call, body);
      const latencyMs = this.now() - attemptStarted;
      if (outcome.ok) {
        this.record(call, {
          attempt,
          status: 200,
          latencyMs,
          correlationId: outcome.answer.correlationId,
          usage: outcome.answer.usage,
        });
        return copyWith(outcome.answer, { attempts: attempt, latencyMs: this.now() - started });
      }

      const error = outcome.error;
      if (error.code === 'GATEWAY_TIMEOUT') timeouts++;
      const status = error.status ?? (error.code === 'GATEWAY_TIMEOUT' ? 'timeout' : 'network');
      let retry: { reason: string; waitMs: number } | undefined;
      if (error.status === 401 && token && !refreshedAfter401) {
        // one fresh token and one more try, outside the retry budget: an expired token is ours to fix
        refreshedAfter401 = true;
        this.o.tokens?.invalidate(token);
        retry = { reason: 'HTTP 401: the token was refused; retrying with a fresh token', waitMs: 0 };
      } else if (error.retryable && retriesLeft > 0) {
        retriesLeft--;
        const waitMs = error.retryAfterMs ?? backoffDelayMs(attempt, this.random);
        retry = { reason: describeFailure(error), waitMs };
      }
      this.record(call, { attempt, status, latencyMs, correlationId: error.correlationId, retry });
      if (!retry) throw finalError(error, attempt, timeouts === attempt);

      call.onAttempt?.({
        attempt: attempt + 1,
        reason: `${retry.reason}; waiting ${retry.waitMs} ms before attempt ${attempt + 1}`,
        waitMs: retry.waitMs,
      });
      await sleep(retry.waitMs, call.signal);
    }
  }

  async close(): Promise<void> {
    await this.o.dispatcher.close();
  }

  private attempt(call: ModelCall, body: string): Promise<{ outcome: Outcome; token?: string }> {
    return inSpan('gateway.attempt', { 'gen_ai.request.model': call.modelId, ...call.logContext }, async (span) => {
      const result = await this.attemptOnce(call, body);
      const { outcome } = result;
      span.setAttribute('http.response.status_code', outcome.ok ? 200 : (outcome.error.status ?? 0));
      const correlationId = outcome.ok ? outcome.answer.correlationId : outcome.error.correlationId;
      if (correlationId) span.setAttribute('inin.correlation_id', correlationId);
      if (!outcome.ok) span.setAttribute('error.type', outcome.error.code);
      return result;
    });
  }

  private async attemptOnce(call: ModelCall, body: string): Promise<{ outcome: Outcome; token?: string }> {
    const release = await this.o.limiter.acquire(call.signal);
    const deadline = new AttemptDeadline(call.signal, this.o.timeoutMs);
    let token: string | undefined;
    try {
      if (this.o.wire.auth === 'bearer-token') token = await this.o.tokens?.get(deadline);
      const answer = await post(this.o.dispatcher, this.o.wire.url, this.o.wire.headers(token), body, deadline);
      return { outcome: this.interpret(call.modelId, answer, token), token };
    } catch (err) {
      // the caller's cancellation is not a gateway failure: it ends the call as it is
      if (call.signal?.aborted) throw call.signal.reason ?? err;
      if (err instanceof GatewayError) return { outcome: { ok: false, error: err }, token };
      if (deadline.timedOut) {
        const error = new GatewayError(
          'GATEWAY_TIMEOUT',
          `The LLM gateway did not answer within ${this.o.timeoutMs} ms.`,
          { retryable: true, cause: err },
        );
        return { outcome: { ok: false, error }, token };
      }
      const error = new GatewayError(
        'GATEWAY_UNAVAILABLE',
        `The LLM gateway could not be reached (${describeNetworkError(err)}).`,
        { retryable: true, cause: err },
      );
      return { outcome: { ok: false, error }, token };
    } finally {
      deadline.dispose();
      release();
    }
  }

  private interpret(modelId: string, answer: HttpAnswer, token: string | undefined): Outcome {
    const correlationId = answer.header('inin-correlation-id') ?? null;
    if (answer.status >= 200 && answer.status < 300) {
      let parsed: ReturnType<WireFormat['parse']>;
      try {
        parsed = this.o.wire.parse(JSON.parse(answer.text));
      } catch {
        parsed = undefined;
      }
      if (parsed) {
        return {
          ok: true,
          answer: { content: parsed.content, usage: parsed.usage, correlationId, responseId: parsed.id, modelId },
        };
      }
      // a 200 that is not a completion is the gateway's fault (a truncated body, a proxy page): worth another try
      const error = new GatewayError(
        'GATEWAY_UNAVAILABLE',
        `The LLM gateway answered HTTP ${answer.status} without a chat completion.`,
        {
          retryable: true,
          status: answer.status,
          correlationId,
        },
      );
      return { ok: false, error };
    }
    if (answer.status === 401 && this.o.wire.auth === 'static') {
      // no token to refresh: the static key itself was refused
      const error = new GatewayError(
        'GATEWAY_AUTH_FAILED',
        'The LLM gateway refused the API key (HTTP 401). Check OPENAI_API_KEY.',
        { retryable: false, status: 401, correlationId },
      );
      return { ok: false, error };
    }
    // a gateway may echo the bearer token it was sent, with or without "Bearer ";
    // scrubbed before the excerpt is cut too, so a secret cut in two cannot leave half behind
    const secrets = [...(this.o.secrets ?? []), token];
    const detail = scrubSecrets(bodyDetail(scrubSecrets(answer.text, secrets)), secrets);
    return {
      ok: false,
      error: errorForStatus(answer.status, modelId, detail, {
        correlationId,
        retryAfterMs: serverRetryDelayMs(answer.header, this.now()),
      }),
    };
  }

  private record(call: ModelCall, r: Omit<AttemptRecord, 'modelId'>): void {
    const ok = r.status === 200;
    // every call passes here: a logger set above info (LOG_LEVEL=warn) is not handed a line it would drop
    if (this.o.logger.isLevelEnabled(ok ? 'info' : 'warn')) {
      const line = copyWith(call.logContext ?? {}, {
        model: call.modelId,
        attempt: r.attempt,
        status: r.status,
        latencyMs: r.latencyMs,
        correlationId: r.correlationId,
        waitMs: r.retry?.waitMs,
      });
      if (ok) this.o.logger.info(line, 'gateway attempt');
      else this.o.logger.warn(copyWith(line, { reason: r.retry?.reason }), 'gateway attempt failed');
    }
    try {
      this.o.onAttemptEnd?.({ modelId: call.modelId, ...r });
    } catch {
      // observers must not break calls
    }
  }
}

function circuitOpen(modelId: string, retryInMs: number): GatewayError {
  return new GatewayError(
    'GATEWAY_UNAVAILABLE',
    `Calls to model "${modelId}" are failing fast: it kept failing, so its circuit is open; the next probe goes out in ${Math.ceil(retryInMs / 1000)} s.`,
    { retryable: true, attempts: 0, circuitOpen: true },
  );
}

function describeFailure(error: GatewayError): string {
  if (error.status) return `HTTP ${error.status} (${error.code})`;
  return error.message.replace(/\.$/, '');
}

/** The error a caller sees after the last attempt, with the count of attempts made. */
function finalError(error: GatewayError, attempts: number, everyAttemptTimedOut: boolean): GatewayError {
  if (!error.retryable || attempts === 1) return error.after(attempts);
  const after = `after ${attempts} attempts`;
  // GATEWAY_TIMEOUT means every attempt timed out; a mix ending in a timeout is an unavailable gateway
  const code = error.code === 'GATEWAY_TIMEOUT' && !everyAttemptTimedOut ? 'GATEWAY_UNAVAILABLE' : error.code;
  const messages: Partial<Record<GatewayError['code'], string>> = {
    GATEWAY_RATE_LIMITED: `The LLM gateway was still rate limiting (HTTP 429) ${after}.`,
    GATEWAY_UNAVAILABLE: `The LLM gateway was still unavailable ${after} (last: ${describeFailure(error)}).`,
    GATEWAY_TIMEOUT: `The LLM gateway timed out ${after}, every attempt (${error.message.replace(/\.$/, '')}).`,
  };
  return error.after(attempts, code, messages[code]);
}

/** A short, single-line excerpt of an error body: Genesys puts the useful part in `message`. */
function bodyDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } | unknown };
    const msg =
      typeof body.message === 'string'
        ? body.message
        : typeof (body.error as { message?: unknown })?.message === 'string'
          ? ((body.error as { message: string }).message as string)
          : undefined;
    if (msg) return msg.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
