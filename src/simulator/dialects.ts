/**
 * Error bodies as each service spells them: Genesys Platform API errors, the
 * OAuth token endpoint's, and OpenAI's. A client parsing errors should meet
 * the same shapes here as in production.
 */

export type Dialect = 'genesys' | 'openai' | 'token';

const GENESYS_CODES: Readonly<Record<number, string>> = {
  400: 'bad.request',
  401: 'authentication.required',
  403: 'not.authorized',
  404: 'not.found',
  408: 'request.timeout',
  409: 'conflict',
  413: 'request.entity.too.large',
  415: 'unsupported.media.type',
  429: 'too.many.requests',
  500: 'internal.server.error',
  503: 'service.unavailable',
};

const OAUTH_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'invalid_client',
  413: 'invalid_request',
  415: 'invalid_request',
  500: 'server_error',
};

const OPENAI_CODES: Readonly<Record<number, string>> = {
  401: 'invalid_api_key',
  404: 'model_not_found',
};

/** `code` overrides the usual code for the status (e.g. unsupported_grant_type). */
export function errorBody(dialect: Dialect, status: number, message: string, code?: string): string {
  if (dialect === 'genesys') {
    return JSON.stringify({ message, code: code ?? GENESYS_CODES[status] ?? 'simulated.fault', status });
  }
  if (dialect === 'token') {
    return JSON.stringify({ error: code ?? OAUTH_CODES[status] ?? 'simulated_fault', description: message });
  }
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  return JSON.stringify({ error: { message, type, param: null, code: code ?? OPENAI_CODES[status] ?? null } });
}
