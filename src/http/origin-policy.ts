import type { CORSOptions, Plugin } from 'graphql-yoga';
import type { VerifyClientCallbackAsync } from 'ws';
import type { Metrics } from '../observability/metrics.js';
import { refusal } from './refusal.js';

/** What a browser client of the API may send: content type, keys, the CSRF guard's headers. */
const ALLOWED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'x-api-key',
  'x-graphql-yoga-csrf',
  'x-request-id',
  'x-requested-with',
];
/** What it may read: the request id to quote in a ticket, and when to retry after a 429. */
const EXPOSED_HEADERS = ['retry-after', 'x-request-id'];

/**
 * Which browser pages may use this server: its own origin (a console or
 * GraphiQL it serves) and the origins CORS_ORIGINS lists. A request without
 * an Origin header does not come from a page (curl, a server, the CLI) and is
 * not a browser's to refuse.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  /**
   * `trustHostNames`: whether a page is same-origin when it names the server by a host name. On an
   * open server (no API keys) it is not: DNS rebinding points an attacker's name at an internal address,
   * and the page's Origin then matches the Host it sends. A key, which such a page lacks, closes that.
   */
  constructor(
    origins: readonly string[],
    private readonly trustHostNames = true,
  ) {
    this.listed = new Set(origins);
  }

  /** `host` is the Host the request was sent to: a page served from there is same-origin. */
  allows(origin: string | null | undefined, host: string | null | undefined): boolean {
    if (origin === null || origin === undefined) return true;
    if (this.listed.has(origin)) return true;
    const page = sameOrigin(origin, host);
    if (!page) return false;
    return this.trustHostNames || !isHostName(page.hostname);
  }

  /**
   * Yoga's `cors` option: CORS headers for a listed origin only (the same
   * origin needs none), without cookies (keys travel in headers).
   */
  cors = (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (origin === null || !this.listed.has(origin)) return false;
    return {
      origin,
      methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      credentials: false,
      maxAge: 600,
    };
  };
}

/** A name a DNS answer could point anywhere: not an IP address, not localhost. */
function isHostName(hostname: string): boolean {
  const name = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return false;
  return !(/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':'));
}

/**
 * The page's origin when it is this server's. The scheme is not compared:
 * behind a proxy that ends TLS, a page from https://host reaches us as
 * http://host. The host and port are.
 */
function sameOrigin(origin: string, host: string | null | undefined): URL | undefined {
  const url = host ? URL.parse(origin) : null;
  return url && /^https?:$/.test(url.protocol) && url.host === host?.toLowerCase() ? url : undefined;
}

/**
 * Refuses, with 403, any HTTP request from a page whose origin the policy
 * does not allow, before it is read. The browser would hide the answer from
 * such a page anyway; refusing here also keeps it from starting paid runs.
 */
export function useOriginPolicy(policy: OriginPolicy, metrics: Metrics): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      if (policy.allows(request.headers.get('origin'), url.host)) return;
      metrics.operationRejected('forbidden');
      const message =
        "This server does not take requests from this page's origin; an operator may allow it in CORS_ORIGINS.";
      endResponse(refusal(url, 'FORBIDDEN', message));
    },
    onResponse({ response }) {
      // CORS headers differ by origin: a shared cache must not hand one origin's answer to another
      response.headers.append('vary', 'Origin');
    },
  };
}

/** The WebSocket upgrade, which browsers do not submit to CORS: the same policy, refused with 403. */
export function verifyWebSocketOrigin(policy: OriginPolicy, metrics: Metrics): VerifyClientCallbackAsync {
  return (info, done) => {
    if (policy.allows(info.req.headers.origin, info.req.headers.host)) return done(true);
    metrics.operationRejected('forbidden');
    done(false, 403, 'Forbidden: this origin may not open a WebSocket here (CORS_ORIGINS)');
  };
}
