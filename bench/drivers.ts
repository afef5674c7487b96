import { Pool } from 'undici';
import { orchestratePipeline } from './baseline.js';

/** What a benchmark run sends: a few customer requests, in turn. */
export const TEXTS = [
  'I need to change my flight to next Tuesday and update my seat to 14A',
  'Please refund booking ABC123, the flight was cancelled, amount 250 EUR',
  'My bag did not arrive on flight BA117, booking reference XK9P2Q',
  'Change my address to 12 High Street, Leeds, and my email to jo@example.com',
];

export const ORCHESTRATE_MUTATION =
  'mutation($t: String!) { orchestrate(input: {text: $t}) { id extraction { entities } specialization { isValid reason nextSteps } } }';

export type Target = 'baseline' | 'graphql' | 'rest';

export type RunOnce = (worker: number, i: number) => Promise<boolean>;

/** The tutorial's algorithm, in this process. */
export function baselineRunner(): RunOnce {
  return async (w, i) => {
    const r = await orchestratePipeline(TEXTS[(w + i) % TEXTS.length] as string);
    return r.status === 'success' && typeof r.specialization === 'object' && r.specialization !== null;
  };
}

/** A keep-alive HTTP/1.1 pool to the server, one connection per concurrent worker. */
export function serverPool(url: string, connections: number): Pool {
  return new Pool(url, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

/** The GraphQL mutation that selects both stages, over POST /graphql. */
export function graphqlRunner(pool: Pool): RunOnce {
  const bodies = TEXTS.map((t) => JSON.stringify({ query: ORCHESTRATE_MUTATION, variables: { t } }));
  return async (w, i) => {
    const res = await pool.request({
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: bodies[(w + i) % bodies.length],
    });
    const json = (await res.body.json()) as {
      data?: { orchestrate?: { specialization?: { isValid?: unknown } | null } };
      errors?: unknown[];
    };
    if (res.statusCode !== 200 || json.errors || typeof json.data?.orchestrate?.specialization?.isValid !== 'boolean')
      throw new Error(`graphql: HTTP ${res.statusCode} ${JSON.stringify(json).slice(0, 300)}`);
    return true;
  };
}

/** POST /v1/orchestrate: both stages, the unified JSON. */
export function restRunner(pool: Pool): RunOnce {
  const bodies = TEXTS.map((text) => JSON.stringify({ text }));
  return async (w, i) => {
    const res = await pool.request({
      path: '/v1/orchestrate',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[(w + i) % bodies.length],
    });
    const json = (await res.body.json()) as { status?: string };
    if (res.statusCode !== 200 || json.status !== 'success')
      throw new Error(`rest: HTTP ${res.statusCode} ${JSON.stringify(json).slice(0, 300)}`);
    return true;
  };
}

/**
 * One eager run through the server's GraphQL endpoint (both stages at once,
 * nothing selected but its id): what the SSE phases publish to their
 * subscribers. Throws if the run failed.
 */
export async function eagerRun(serverUrl: string): Promise<void> {
  const res = await fetch(`${serverUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($t: String!) { orchestrate(input: {text: $t, eager: true}) { id } }',
      variables: { t: 'I need to change my flight to next Tuesday and update my seat to 14A' },
    }),
  });
  const answer = (await res.json()) as { errors?: unknown };
  if (answer.errors) throw new Error(`the eager run failed: ${JSON.stringify(answer.errors)}`);
}
