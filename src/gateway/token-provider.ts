import type { Dispatcher } from 'undici';
import { AttemptDeadline, type Cancellation, raceAbort } from './abort.js';
import { GatewayError } from './errors.js';
import { post } from './http.js';
import { isRetryableStatus, serverRetryDelayMs } from './retry-policy.js';

export interface TokenSource {
  /** A valid bearer token; resolves from cache or from one shared refresh. */
  get(cancel?: Cancellation): Promise<string>;
  /** Drops `token` if it is still the cached one (a stale 401 must not drop a newer token). */
  invalidate(token: string): void;
}

export interface TokenProviderOptions {
  loginBaseUrl: string;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  now?: () => number;
}

/** Refresh this long before `expires_in` runs out, so no call leaves with a token about to die. */
export const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/**
 * OAuth 2.0 client credentials against `{login}/oauth/token`, cached, with a
 * single flight: however many callers find the cache cold, one request goes
 * out and all of them share its answer or its failure. It never retries: it
 * runs inside a gateway attempt, and the gateway's loop is the one retry layer.
 */
export class TokenProvider implements TokenSource {
  private cached: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly url: URL;
  private readonly basic: string;
  private readonly now: () => number;
  /** token requests sent, for tests and benchmarks */
  requests = 0;

  constructor(private readonly options: TokenProviderOptions) {
    this.url = new URL('/oauth/token', `${options.loginBaseUrl}/`);
    this.basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
    this.now = options.now ?? Date.now;
  }

  get(cancel?: Cancellation): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() < cached.refreshAt) return Promise.resolve(cached.token);
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = undefined;
      });
    }
    // a caller that gives up leaves; the shared request goes on for the others
    return raceAbort(this.inflight, cancel);
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    this.requests++;
    // its own deadline, not a caller's signal: one impatient caller must not fail the others
    const deadline = new AttemptDeadline(undefined, this.options.timeoutMs);
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post(
        this.options.dispatcher,
        this.url,
        {
          authorization: this.basic,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        'grant_type=client_credentials',
        deadline,
      );
    } catch (err) {
      if (deadline.timedOut) {
        throw new GatewayError(
          'GATEWAY_TIMEOUT',
          `The token endpoint did not answer within ${this.options.timeoutMs} ms.`,
          { retryable: true, cause: err },
        );
      }
      throw new GatewayError(
        'GATEWAY_UNAVAILABLE',
        `The token endpoint could not be reached (${describeNetworkError(err)}).`,
        { retryable: true, cause: err },
      );
    } finally {
      deadline.dispose();
    }
    return this.accept(answer);
  }

  private accept(answer: Awaited<ReturnType<typeof post>>): string {
    const correlationId = answer.header('inin-correlation-id') ?? null;
    if (answer.status < 200 || answer.status >= 300) {
      if (isRetryableStatus(answer.status)) {
        const code = answer.status === 429 ? 'GATEWAY_RATE_LIMITED' : 'GATEWAY_UNAVAILABLE';
        throw new GatewayError(code, `The token endpoint answered HTTP ${answer.status}.`, {
          retryable: true,
          status: answer.status,
          correlationId,
          retryAfterMs: serverRetryDelayMs(answer.header),
        });
      }
      // the OAuth error name (invalid_client, ...) helps; the rest of the body is not echoed
      const oauthError = /"error"\s*:\s*"([a-z_]{1,40})"/.exec(answer.text)?.[1];
      throw new GatewayError(
        'GATEWAY_AUTH_FAILED',
        `The token endpoint refused the OAuth client credentials (HTTP ${answer.status}${oauthError ? ` ${oauthError}` : ''}). Check GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_ENV.`,
        { retryable: false, status: answer.status, correlationId },
      );
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(answer.text) as typeof body;
    } catch {
      body = {};
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new GatewayError('GATEWAY_UNAVAILABLE', 'The token endpoint answered without an access_token.', {
        retryable: true,
        status: answer.status,
        correlationId,
      });
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    // a token shorter-lived than the margin is still used for half its life rather than never cached
    const keepMs = lifetimeMs > TOKEN_EXPIRY_MARGIN_MS ? lifetimeMs - TOKEN_EXPIRY_MARGIN_MS : lifetimeMs / 2;
    this.cached = { token: body.access_token, refreshAt: this.now() + keepMs };
    return body.access_token;
  }
}

export function describeNetworkError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
    const code = e.code ?? e.cause?.code;
    if (typeof code === 'string') return code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'network error';
}
