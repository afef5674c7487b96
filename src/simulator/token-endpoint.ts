import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './dialects.js';
import { BodyTooLarge, Exchange, readBody, sendStatusFault } from './http.js';
import type { SimState } from './state.js';

/**
 * `POST /oauth/token`: the client-credentials grant as Genesys Cloud's login
 * service answers it. Faults apply only to requests with good credentials.
 */

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export async function handleTokenRequest(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  state.stats.tokenRequests += 1;
  const ex = new Exchange(req, res, state.stats, 'token', Date.now());
  let raw: string;
  try {
    raw = await readBody(req);
  } catch (e) {
    if (e instanceof BodyTooLarge) ex.send(413, errorBody('token', 413, e.message));
    else ex.abandon();
    return;
  }

  if (!clientAuthenticated(state, req.headers.authorization)) {
    const message = 'client authentication failed: send Authorization: Basic base64(clientId:clientSecret)';
    ex.send(401, errorBody('token', 401, message));
    return;
  }
  // A JSON body or a missing content type leaves no grant_type here, as on the real service.
  if (new URLSearchParams(raw).get('grant_type') !== 'client_credentials') {
    const message = 'grant_type must be client_credentials, sent as a form body';
    ex.send(400, errorBody('token', 400, message, 'unsupported_grant_type'));
    return;
  }

  const fault = state.faults.take('token', undefined);
  switch (fault?.kind) {
    case undefined:
      return issue(state, ex);
    case 'status':
      return sendStatusFault(ex, 'token', fault);
    case 'drop':
      return ex.drop();
    case 'slow':
      return ex.after(fault.ms, () => issue(state, ex));
    case 'output':
      return ex.send(200, fault.content, NO_STORE);
    case 'malformed':
      return ex.send(200, 'simulated malformed token answer, not JSON', NO_STORE, 'text/plain; charset=utf-8');
    case 'wrong-shape':
      return ex.send(200, JSON.stringify({ token: 'simulated-wrong-shape', expires: 'never' }), NO_STORE);
    default:
      // parseFault keeps fences and chatter off the token endpoint.
      return issue(state, ex);
  }
}

function issue(state: SimState, ex: Exchange): void {
  const now = Date.now();
  const body = JSON.stringify({
    access_token: state.tokens.issue(now),
    token_type: 'bearer',
    expires_in: state.tokenTtlSeconds,
  });
  ex.send(200, body, NO_STORE);
}

function clientAuthenticated(state: SimState, header: string | undefined): boolean {
  if (header === undefined || header.slice(0, 6).toLowerCase() !== 'basic ') return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const { clientId, clientSecret } = state.credentials;
  return decoded === `${clientId}:${clientSecret}`;
}
