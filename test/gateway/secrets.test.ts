import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/server.js';
import { extractionCall, gatewayFailure, genesysEnv, openaiEnv, startGateway, type TestGateway } from './fixture.js';

/** docs/operations.md "Secrets": "Secrets and tokens never appear in logs, errors or responses." */

const CLIENT_SECRET = 's3cr3t-CLIENT-value-123';
const OPENAI_KEY = 'sk-0penai-s3cr3t-KEY-456';
const WRONG_SECRET = 'wr0ng-s3cr3t-value-999';
const WRONG_KEY = 'sk-wr0ng-0penai-KEY-789';
const basic = (id: string, secret: string) => Buffer.from(`${id}:${secret}`).toString('base64');

/** Everything an error can show: message, stack, string form and JSON form. */
function shown(error: unknown): string {
  const e = error as Error;
  return [e.message, e.stack, String(e), JSON.stringify(e), JSON.stringify({ ...e, message: e.message })].join('\n');
}

let sim: Simulator;
let gateways: TestGateway[] = [];
let errors: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ clientSecret: CLIENT_SECRET, openaiApiKey: OPENAI_KEY });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
  errors = [];
});
afterEach(async () => {
  for (const gw of gateways) await gw.close();
  gateways = [];
});

function gateway(env: Record<string, string>): TestGateway {
  const gw = startGateway(env);
  gateways.push(gw);
  return gw;
}

async function fails(gw: TestGateway, code: string): Promise<string> {
  const error = await gatewayFailure(gw.gateway.complete(extractionCall()));
  expect(error.code).toBe(code);
  errors.push(shown(error));
  return error.message;
}

/** Every bearer token the gateways sent to a model endpoint. */
function bearerTokens(): string[] {
  const tokens = new Set<string>();
  for (const gw of gateways) {
    for (const e of gw.wire.model()) {
      const t = /^Bearer (.+)$/.exec(e.requestHeaders.authorization ?? '')?.[1];
      if (t) tokens.add(t);
    }
  }
  return [...tokens];
}

function expectNoneSaid(secrets: Record<string, string>): void {
  const logs = gateways.map((g) => g.logs.text()).join('\n');
  expect(logs, 'the attempts were logged at debug level').toContain('gateway attempt');
  expect(errors.length, 'errors were collected').toBeGreaterThan(0);
  const said = `${logs}\n${errors.join('\n')}`;
  for (const [what, value] of Object.entries(secrets)) {
    expect(said.includes(value), `${what} appears in a log line or an error`).toBe(false);
  }
}

describe('in genesys mode, the client secret, the Basic credential and the bearer tokens', () => {
  it('never appear in debug logs, error messages or error JSON, even when the gateway echoes them', async () => {
    const gw = gateway(genesysEnv(sim, { GENESYS_CLIENT_SECRET: CLIENT_SECRET }));
    await gw.gateway.complete(extractionCall());
    const token = (await gw.tokens?.get()) as string;
    expect(token, 'a bearer token was issued').toEqual(expect.any(String));
    const echo = `token ${token} (Authorization: Bearer ${token}) for client sim-client:${CLIENT_SECRET}`;

    sim.fault({ kind: 'status', status: 400, body: JSON.stringify({ message: `rejected ${echo}`, status: 400 }) });
    const rejected = await fails(gw, 'GATEWAY_REJECTED');
    expect(rejected, 'the gateway’s words are kept, the credentials cut out').toMatch(/rejected token \[redacted\]/);

    sim.fault({ kind: 'status', status: 503, times: 3, body: `upstream down, ${echo}` });
    await fails(gw, 'GATEWAY_UNAVAILABLE');

    sim.fault({ kind: 'status', status: 401, times: 2, body: JSON.stringify({ message: `bad ${echo}` }) });
    await fails(gw, 'GATEWAY_AUTH_FAILED');

    // a token endpoint that echoes the Basic credential it was sent
    const basicHeader = `Basic ${basic('sim-client', CLIENT_SECRET)}`;
    sim.fault({
      endpoint: 'token',
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_request', description: `bad header ${basicHeader} ${CLIENT_SECRET}` }),
    });
    gw.tokens?.invalidate((await gw.tokens?.get()) as string);
    await fails(gw, 'GATEWAY_AUTH_FAILED');

    await gw.gateway.complete(extractionCall());
    const tokens = bearerTokens();
    expect(tokens, 'the first token and the ones after the 401').toContain(token);
    expect(tokens.length).toBeGreaterThan(1);

    expectNoneSaid({
      'the client secret': CLIENT_SECRET,
      'the Basic credential': basic('sim-client', CLIENT_SECRET),
      ...Object.fromEntries(tokens.map((t, i) => [`bearer token ${i + 1}`, t])),
    });
  });

  it('a wrong client secret is not repeated either', async () => {
    const wrong = gateway(genesysEnv(sim, { GENESYS_CLIENT_SECRET: WRONG_SECRET }));

    await fails(wrong, 'GATEWAY_AUTH_FAILED');

    expectNoneSaid({
      'the wrong client secret': WRONG_SECRET,
      'the wrong Basic credential': basic('sim-client', WRONG_SECRET),
    });
  });

  it('a secret cut in two by the length limit of an error excerpt leaves no half behind', async () => {
    const gw = gateway(genesysEnv(sim, { GENESYS_CLIENT_SECRET: CLIENT_SECRET }));
    // the excerpt keeps 300 characters of `message`: the secret straddles the cut
    const message = `${'x'.repeat(290)} ${CLIENT_SECRET} and more`;
    sim.fault({ kind: 'status', status: 400, body: JSON.stringify({ message }) });

    const said = await fails(gw, 'GATEWAY_REJECTED');

    expect(said).not.toContain(CLIENT_SECRET.slice(0, 9));
    expectNoneSaid({ 'the first half of the client secret': CLIENT_SECRET.slice(0, 9) });
  });
});

describe('in openai mode, the API key', () => {
  it('never appears in debug logs, error messages or error JSON, even when the gateway echoes it', async () => {
    const gw = gateway(openaiEnv(sim, { OPENAI_API_KEY: OPENAI_KEY }));
    await gw.gateway.complete(extractionCall());

    sim.fault({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${OPENAI_KEY}`, type: 'x' } }),
    });
    const rejected = await fails(gw, 'GATEWAY_REJECTED');
    expect(rejected).toMatch(/Incorrect API key provided: \[redacted\]/);

    sim.fault({ kind: 'status', status: 429, times: 3, body: `slow down, Bearer ${OPENAI_KEY}` });
    await fails(gw, 'GATEWAY_RATE_LIMITED');

    sim.fault({ kind: 'status', status: 401, body: `key ${OPENAI_KEY} revoked` });
    await fails(gw, 'GATEWAY_AUTH_FAILED');

    expectNoneSaid({ 'the OpenAI key': OPENAI_KEY });
  });

  it('a wrong key is not repeated either', async () => {
    const wrong = gateway(openaiEnv(sim, { OPENAI_API_KEY: WRONG_KEY }));

    await fails(wrong, 'GATEWAY_AUTH_FAILED');

    expectNoneSaid({ 'the wrong OpenAI key': WRONG_KEY });
  });
});
