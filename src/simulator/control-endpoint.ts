import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './dialects.js';
import { MAX_TIMER_MS } from './faults.js';
import { BodyTooLarge, readBody, write } from './http.js';
import { resetStats, type SimState } from './state.js';

/**
 * `/__sim/*`: the same controls as the `Simulator` object, over HTTP, for
 * black-box use (a simulator started by `npm run simulator`, a load test in
 * another process). Unauthenticated: the simulator listens on loopback by default.
 */

export const CONTROL_PREFIX = '/__sim/';

export async function handleControl(
  state: SimState,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = `${req.method} ${path.slice(CONTROL_PREFIX.length)}`;
  switch (route) {
    case 'GET stats':
      return ok(res, state.stats);
    case 'POST faults': {
      const body = await jsonBody(req, res);
      if (body === NO_BODY) return;
      try {
        state.faults.add(Array.isArray(body) ? body : [body]);
      } catch (e) {
        return badRequest(res, e instanceof Error ? e.message : String(e));
      }
      return ok(res, { pending: state.faults.size });
    }
    case 'DELETE faults':
      return ok(res, { cleared: state.faults.clear() });
    case 'POST reset':
      resetStats(state.stats);
      state.faults.clear();
      return ok(res, { reset: true });
    case 'POST expire-tokens':
      state.tokens.expireAll();
      return ok(res, { expired: true });
    case 'PUT latency': {
      const body = await jsonBody(req, res);
      if (body === NO_BODY) return;
      const ms = typeof body === 'object' && body !== null ? (body as { ms?: unknown }).ms : undefined;
      if (!isLatency(ms)) return badRequest(res, `the body must be {"ms": n} with n from 0 to ${MAX_TIMER_MS}`);
      state.latencyMs = ms;
      return ok(res, { latencyMs: ms });
    }
    default:
      return notFound(res, req.method, path);
  }
}

export function isLatency(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMER_MS;
}

export function notFound(res: ServerResponse, method: string | undefined, path: string): void {
  write(res, 404, errorBody('genesys', 404, `no route for ${method} ${path} on the simulator`));
}

const NO_BODY = Symbol('answered');

async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  let raw: string;
  try {
    raw = await readBody(req);
  } catch (e) {
    if (e instanceof BodyTooLarge) write(res, 413, errorBody('genesys', 413, e.message));
    return NO_BODY;
  }
  try {
    return JSON.parse(raw);
  } catch {
    badRequest(res, 'the body is not valid JSON');
    return NO_BODY;
  }
}

function ok(res: ServerResponse, value: unknown): void {
  write(res, 200, JSON.stringify(value));
}

function badRequest(res: ServerResponse, message: string): void {
  write(res, 400, errorBody('genesys', 400, message));
}
