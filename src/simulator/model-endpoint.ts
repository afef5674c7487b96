import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody } from './dialects.js';
import type { Fault } from './faults.js';
import { BodyTooLarge, Exchange, isJsonContentType, readBody, sendStatusFault } from './http.js';
import { type AnswerStyle, answerAs, type ModelKind, type SimMessage } from './models.js';
import { RATE_ALLOWED, RATE_WINDOW_MS, type SimState } from './state.js';
import { checkGenesysRequest, checkOpenAIRequest } from './wire.js';

/**
 * `POST /api/v2/llm/gateway` (Genesys) and `POST /openai/v1/chat/completions`
 * (OpenAI-compatible): the same models and faults behind two wire formats.
 *
 * Checks run in the order a real gateway's would: size, credentials, media
 * type, JSON, shape, model. Faults are consumed only by requests that pass
 * them all, so a 401 or a typo in a test never eats a queued fault.
 */

export type ModelDialect = 'genesys' | 'openai';

export async function handleModelCall(
  state: SimState,
  dialect: ModelDialect,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  state.stats.modelCalls += 1;
  const ex = new Exchange(req, res, state.stats, 'model', Date.now());
  let raw: string;
  try {
    raw = await readBody(req);
  } catch (e) {
    if (e instanceof BodyTooLarge) ex.send(413, errorBody(dialect, 413, e.message));
    else ex.abandon();
    return;
  }

  let body: unknown;
  let isJson = true;
  try {
    body = JSON.parse(raw);
  } catch {
    isJson = false;
  }
  // Named before the checks, so callsByModel and the log show who was refused.
  const named = modelIdIn(body, dialect);
  if (named !== undefined) {
    ex.modelId = named;
    state.stats.callsByModel[named] = (state.stats.callsByModel[named] ?? 0) + 1;
  }

  if (!authorized(state, dialect, req.headers.authorization)) {
    const message =
      dialect === 'genesys'
        ? 'Authentication required: send a bearer token issued by POST /oauth/token that has not expired'
        : 'Incorrect API key provided';
    ex.send(401, errorBody(dialect, 401, message));
    return;
  }
  if (!isJsonContentType(req)) {
    ex.send(415, errorBody(dialect, 415, 'Content-Type must be application/json'));
    return;
  }
  if (!isJson) {
    ex.send(400, errorBody(dialect, 400, 'the body is not valid JSON'));
    return;
  }
  const checked = dialect === 'genesys' ? checkGenesysRequest(body) : checkOpenAIRequest(body);
  if (!checked.ok) {
    ex.send(400, errorBody(dialect, 400, checked.message));
    return;
  }
  const { modelId, messages, responseSchema } = checked.request;
  const kind = Object.hasOwn(state.models, modelId) ? state.models[modelId] : undefined;
  if (kind === undefined) {
    const message = dialect === 'genesys' ? 'model not found' : `The model \`${modelId}\` does not exist`;
    ex.send(404, errorBody(dialect, 404, message));
    return;
  }

  const fault = state.faults.take('model', modelId);
  const call: Call = { state, dialect, ex, modelId, kind, messages, responseSchema };
  if (fault === undefined) answer(call, NORMAL);
  else applyFault(call, fault);
}

interface Call {
  state: SimState;
  dialect: ModelDialect;
  ex: Exchange;
  modelId: string;
  kind: ModelKind;
  messages: SimMessage[];
  responseSchema?: Record<string, unknown>;
}

function applyFault(call: Call, fault: Fault): void {
  switch (fault.kind) {
    case 'status':
      sendStatusFault(call.ex, call.dialect, fault);
      break;
    case 'drop':
      call.ex.drop();
      break;
    case 'slow':
      call.ex.after(fault.ms, () => answer(call, NORMAL));
      break;
    case 'output':
      answer(call, { content: fault.content });
      break;
    default:
      answer(call, { style: fault.kind });
  }
}

/** A style of the model's own answer, or the exact content of an `output` fault. */
type Reply = { style: AnswerStyle } | { content: string };
const NORMAL: Reply = { style: 'normal' };

function answer(call: Call, how: Reply): void {
  const { state, ex } = call;
  if (state.latencyMs > 0) {
    ex.after(state.latencyMs, () => sendAnswer(call, how));
    return;
  }
  sendAnswer(call, how);
}

function sendAnswer(call: Call, how: Reply): void {
  const { state, dialect, ex, modelId, kind, messages, responseSchema } = call;
  const content = 'content' in how ? how.content : answerAs(kind, messages, how.style, responseSchema);
  let promptChars = 0;
  for (const m of messages) promptChars += m.content.length;
  const promptTokens = Math.ceil(promptChars / 4);
  const completionTokens = Math.ceil(content.length / 4);

  if (dialect === 'genesys') {
    const body = JSON.stringify({
      id: `sim-${randomUUID()}`,
      choices: [{ index: 0, message: { role: 'assistant', content } }],
      usage: { promptTokens, completionTokens },
    });
    ex.send(200, body, rateLimitHeaders(state, Date.now()));
    return;
  }
  const body = JSON.stringify({
    id: `chatcmpl-sim-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: modelId,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  });
  ex.send(200, body);
}

// Informational like Genesys's; the simulator never enforces the limit.
function rateLimitHeaders(state: SimState, now: number): OutgoingHttpHeaders {
  const w = state.rateWindow;
  if (now - w.start >= RATE_WINDOW_MS) {
    w.start = now;
    w.count = 0;
  }
  w.count += 1;
  return {
    'inin-ratelimit-allowed': String(RATE_ALLOWED),
    'inin-ratelimit-count': String(w.count),
    'inin-ratelimit-reset': String(Math.ceil((w.start + RATE_WINDOW_MS - now) / 1000)),
  };
}

function authorized(state: SimState, dialect: ModelDialect, header: string | undefined): boolean {
  const token = bearerToken(header);
  if (token === undefined) return false;
  if (dialect === 'openai') return token === state.credentials.openaiApiKey;
  return state.tokens.isValid(token, Date.now());
}

export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

function modelIdIn(body: unknown, dialect: ModelDialect): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = dialect === 'genesys' ? (body as { modelId?: unknown }).modelId : (body as { model?: unknown }).model;
  return typeof id === 'string' ? id : undefined;
}
