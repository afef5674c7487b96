import type { FaultQueue } from './faults.js';
import type { ModelKind } from './models.js';
import type { TokenStore } from './tokens.js';

/** The simulator's mutable state, shared by the endpoint handlers. */

export interface SimulatorStats {
  /** every POST /oauth/token received, whatever the answer */
  tokenRequests: number;
  /** every POST to a model endpoint received (genesys or openai), whatever the answer */
  modelCalls: number;
  /** model calls by the model id their body named, including unknown ids */
  callsByModel: Record<string, number>;
  /** the last MAX_LOGGED answers to token and model requests, oldest first */
  requests: RequestRecord[];
}

export interface RequestRecord {
  endpoint: 'token' | 'model';
  modelId?: string;
  status: number | 'dropped';
  /** when the request arrived, epoch ms */
  at: number;
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
  openaiApiKey: string;
}

export interface SimState {
  readonly credentials: Credentials;
  readonly tokenTtlSeconds: number;
  readonly models: Readonly<Record<string, ModelKind>>;
  readonly stats: SimulatorStats;
  readonly faults: FaultQueue;
  readonly tokens: TokenStore;
  latencyMs: number;
  /** the window behind the inin-ratelimit-* headers; informational, never enforced */
  readonly rateWindow: { start: number; count: number };
}

export const MAX_LOGGED = 1000;
export const RATE_ALLOWED = 300;
export const RATE_WINDOW_MS = 60_000;

export function emptyStats(): SimulatorStats {
  // No prototype: a model id of "__proto__" from the wire must stay a plain key.
  const callsByModel = Object.create(null) as Record<string, number>;
  return { tokenRequests: 0, modelCalls: 0, callsByModel, requests: [] };
}

/** Zeroes the counters in place, so a reference held by a test stays live. */
export function resetStats(stats: SimulatorStats): void {
  stats.tokenRequests = 0;
  stats.modelCalls = 0;
  for (const key of Object.keys(stats.callsByModel)) delete stats.callsByModel[key];
  stats.requests.length = 0;
}

export function logRequest(stats: SimulatorStats, entry: RequestRecord): void {
  stats.requests.push(entry);
  if (stats.requests.length > MAX_LOGGED) stats.requests.shift();
}
