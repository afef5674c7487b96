import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerAs, entitiesIn, extractEntities, validateRequest } from '../src/simulator/models.js';
import { type Simulator, startSimulator } from '../src/simulator/server.js';
import { emptyStats, logRequest, MAX_LOGGED } from '../src/simulator/state.js';

const SEED = 'I need to change my flight to next Tuesday and update my seat to 14A';

describe('extractEntities', () => {
  it('gives exactly the seed result, action first', () => {
    expect(JSON.stringify(extractEntities(SEED))).toBe('{"action":"modify_flight","date":"next Tuesday","seat":"14A"}');
  });

  it.each([
    [
      'Please rebook me on BA 2490 tomorrow at 3pm',
      { action: 'modify_flight', date: 'tomorrow', time: '3pm', flightNumber: 'BA2490' },
    ],
    [
      'Can I move my flight to 2026-12-01 at 15:30 and get seat 22C',
      { action: 'modify_flight', date: '2026-12-01', time: '15:30', seat: '22C' },
    ],
    [
      'Reschedule my trip to 12/01/2026, 9:45 am please',
      { action: 'modify_flight', date: '12/01/2026', time: '9:45 am' },
    ],
    ['change flight to 14 March, seat 3c', { action: 'modify_flight', date: '14 March', seat: '3C' }],
    [
      'I want a refund of $120.50 for booking reference XK4P9Q',
      { action: 'request_refund', bookingReference: 'XK4P9Q', amount: 120.5, currency: 'USD' },
    ],
    [
      'Refund 120 EUR on confirmation AB12CD please, email me at jane.doe@example.com.',
      {
        action: 'request_refund',
        bookingReference: 'AB12CD',
        amount: 120,
        currency: 'EUR',
        email: 'jane.doe@example.com',
      },
    ],
    [
      "I want £15 back, it's a refund for PNR 7HJK2L",
      { action: 'request_refund', bookingReference: '7HJK2L', amount: 15, currency: 'GBP' },
    ],
    ['Refund me €80 please', { action: 'request_refund', amount: 80, currency: 'EUR' }],
    [
      'Please change my address to 12 Main Street, Springfield.',
      { action: 'change_address', address: '12 Main Street, Springfield' },
    ],
    [
      'My new address is now 5 Rue de Rivoli, 75001 Paris and my phone is +33 1 42 60 30 00',
      { action: 'change_address', address: '5 Rue de Rivoli, 75001 Paris', phone: '+33 1 42 60 30 00' },
    ],
    ['Update my phone number to (415) 555-0100', { action: 'change_address', phone: '(415) 555-0100' }],
    ['change my email address to john14a@mail.co.uk', { action: 'change_address', email: 'john14a@mail.co.uk' }],
    ['Cancel my booking, PNR is K9XQ2Z', { action: 'cancel_booking', bookingReference: 'K9XQ2Z' }],
    ['My bag was lost on flight UA123 on March 3', { action: 'baggage_issue', date: 'March 3', flightNumber: 'UA123' }],
    [
      'My luggage was damaged on UA 981, booking XK4P9Q, 3 March 2026',
      { action: 'baggage_issue', date: '3 March 2026', flightNumber: 'UA981', bookingReference: 'XK4P9Q' },
    ],
    ['What is the baggage allowance for flight LH400?', { action: 'baggage_issue', flightNumber: 'LH400' }],
    [
      'move me to 14A on UA123 this Friday and call me on +1 415 555 0100',
      { action: 'modify_flight', date: 'this Friday', flightNumber: 'UA123', seat: '14A', phone: '+1 415 555 0100' },
    ],
    ["Hello, what's the weather like?", { action: 'unknown' }],
  ])('%s', (text, expected) => {
    expect(extractEntities(text)).toEqual(expected);
  });

  it('keeps flight numbers, booking references and seats apart', () => {
    // A six-character code after "booking" is a reference, the same shape elsewhere a flight.
    expect(extractEntities('Change booking AB1234 to flight AB1235')).toMatchObject({
      bookingReference: 'AB1234',
      flightNumber: 'AB1235',
    });
    const e = extractEntities('Rebook me on UA123, seat 12F, reference QW3ER5');
    expect(e).toMatchObject({ flightNumber: 'UA123', seat: '12F', bookingReference: 'QW3ER5' });
    expect(extractEntities('Rebook me on flight UA1234 please')).toEqual({
      action: 'modify_flight',
      flightNumber: 'UA1234',
    });
    expect(extractEntities('My flight was cancelled, rebook me on the next one')).toMatchObject({
      action: 'modify_flight',
    });
  });
});

describe('validateRequest', () => {
  it('accepts a flight change with a date and a real seat, naming them in the next steps', () => {
    const v = validateRequest({ action: 'modify_flight', date: 'next Tuesday', seat: '14A' });
    expect(v.isValid).toBe(true);
    expect(v.reason).toMatch(/^Simulated rule: /);
    expect(v.nextSteps).toContain('Check seat 14A availability on the new flight');
    expect(v.nextSteps.join(' ')).toContain('next Tuesday');
  });

  it('refuses a flight change without date or flight, or with a seat outside rows 1-60 A-K', () => {
    expect(validateRequest({ action: 'modify_flight', seat: '14A' }).isValid).toBe(false);
    expect(validateRequest({ action: 'modify_flight', flightNumber: 'UA1', seat: '61A' }).isValid).toBe(false);
    expect(validateRequest({ action: 'modify_flight', flightNumber: 'UA1', seat: '12L' }).isValid).toBe(false);
    expect(validateRequest({ action: 'modify_flight', flightNumber: 'UA1', seat: '60K' }).isValid).toBe(true);
  });

  it('limits refunds to 1000 and sends bigger ones to a supervisor', () => {
    const ok = validateRequest({ action: 'request_refund', bookingReference: 'XK4P9Q', amount: 1000, currency: 'USD' });
    expect(ok.isValid).toBe(true);
    expect(ok.nextSteps.join(' ')).toContain('XK4P9Q');
    const big = validateRequest({ action: 'request_refund', bookingReference: 'XK4P9Q', amount: 1000.01 });
    expect(big.isValid).toBe(false);
    expect(big.nextSteps.join(' ')).toMatch(/supervisor approval/i);
    expect(validateRequest({ action: 'request_refund', amount: 10 }).isValid).toBe(false);
    expect(validateRequest({ action: 'request_refund', bookingReference: 'XK4P9Q' }).isValid).toBe(false);
    // numbers arriving as strings from a real model still count
    expect(validateRequest({ action: 'request_refund', bookingReference: 'XK4P9Q', amount: '99.50' }).isValid).toBe(
      true,
    );
  });

  it('applies the contact, cancellation and baggage rules', () => {
    expect(validateRequest({ action: 'change_address', email: 'a@b.co' }).isValid).toBe(true);
    expect(validateRequest({ action: 'change_address' }).isValid).toBe(false);
    expect(validateRequest({ action: 'cancel_booking', flightNumber: 'UA1' }).isValid).toBe(true);
    expect(validateRequest({ action: 'cancel_booking', date: 'today' }).isValid).toBe(false);
    const bag = validateRequest({ action: 'baggage_issue', flightNumber: 'UA123' });
    expect(bag.isValid).toBe(true);
    expect(bag.nextSteps[0]).toBe('Open a baggage report for flight UA123');
    expect(validateRequest({ action: 'baggage_issue' }).isValid).toBe(false);
  });

  it('never accepts an unknown request and says to ask the customer', () => {
    for (const e of [{ action: 'unknown' }, { action: 'book_hotel' }, {}]) {
      const v = validateRequest(e);
      expect(v).toMatchObject({ isValid: false, nextSteps: ['Ask the customer what they need'] });
      expect(v.reason).toMatch(/^Simulated rule: /);
    }
  });
});

describe('simulated model answers', () => {
  it('reads the outermost JSON object of the specialist prompt, or treats the request as unknown', () => {
    expect(
      entitiesIn('Extracted request (JSON): {"action":"cancel_booking","bookingReference":"XK4P9Q"}. Go.'),
    ).toEqual({
      action: 'cancel_booking',
      bookingReference: 'XK4P9Q',
    });
    expect(entitiesIn('{"entities":{"action":"baggage_issue"}}')).toEqual({ action: 'baggage_issue' });
    expect(entitiesIn('no json here')).toEqual({});
    const answer = JSON.parse(answerAs('specialist', [{ role: 'user', content: 'nothing' }]));
    expect(answer.isValid).toBe(false);
  });

  it('reads the customer text from the first user message, not a repair request', () => {
    const content = answerAs('extractor', [
      { role: 'system', content: 'Extract.' },
      { role: 'user', content: SEED },
      { role: 'assistant', content: 'oops' },
      { role: 'user', content: 'Your answer could not be used; I want a refund.' },
    ]);
    expect(content).toBe('{"action":"modify_flight","date":"next Tuesday","seat":"14A"}');
  });
});

describe('the simulator over HTTP', () => {
  let sim: Simulator;
  const basic = (id = 'sim-client', secret = 'sim-secret') =>
    `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const FORM = 'application/x-www-form-urlencoded';

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.clearFaults();
    sim.resetStats();
    sim.setLatency(0);
  });

  const tokenRequest = (authorization = basic(), body = 'grant_type=client_credentials', type = FORM) =>
    fetch(`${sim.url}/oauth/token`, { method: 'POST', headers: { authorization, 'content-type': type }, body });

  async function token(): Promise<string> {
    const res = await tokenRequest();
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const extraction = (text = SEED, modelId = 'sim-extractor') => ({
    modelId,
    messages: [
      { role: 'system', content: 'Extract the request as JSON.' },
      { role: 'user', content: text },
    ],
    options: { temperature: 0, maxTokens: 300, responseFormat: { type: 'json_object' } },
  });

  const callGateway = (bearer: string, body: unknown, init: { type?: string; signal?: AbortSignal } = {}) =>
    fetch(`${sim.url}/api/v2/llm/gateway`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': init.type ?? 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: init.signal,
    });

  interface GatewayAnswer {
    id: string;
    choices: Array<{ index: number; message: { role: string; content: string } }>;
    usage: { promptTokens: number; completionTokens: number };
  }
  const contentOf = async (res: Response) => ((await res.json()) as GatewayAnswer).choices[0]?.message.content;

  describe('token endpoint', () => {
    it('issues an opaque bearer token for the right client credentials', async () => {
      const res = await tokenRequest();
      expect(res.status).toBe(200);
      expect(res.headers.get('x-simulator')).toBe('true');
      expect(res.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 86400 });
      expect(body.access_token).not.toBe(await token());
    });

    it('refuses wrong or missing client credentials with 401 invalid_client', async () => {
      for (const auth of [basic('sim-client', 'wrong'), basic('other', 'sim-secret'), 'Bearer x', '']) {
        const res = await tokenRequest(auth);
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'invalid_client', description: expect.any(String) });
      }
    });

    it('refuses another grant, or a JSON body, with 400 unsupported_grant_type', async () => {
      const wrongGrant = await tokenRequest(basic(), 'grant_type=password');
      expect(wrongGrant.status).toBe(400);
      expect(await wrongGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
      const json = await tokenRequest(basic(), '{"grant_type":"client_credentials"}', 'application/json');
      expect(json.status).toBe(400);
      expect(sim.stats.tokenRequests).toBe(2);
    });

    it('honours the token TTL', async () => {
      const short = await startSimulator({ tokenTtlSeconds: 60 });
      try {
        const res = await fetch(`${short.url}/oauth/token`, {
          method: 'POST',
          headers: { authorization: basic(), 'content-type': FORM },
          body: 'grant_type=client_credentials',
        });
        const { access_token: t, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
        expect(expires_in).toBe(60);
        const realNow = Date.now();
        const clock = vi.spyOn(Date, 'now').mockReturnValue(realNow + 61_000);
        try {
          const late = await fetch(`${short.url}/api/v2/llm/gateway`, {
            method: 'POST',
            headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
            body: JSON.stringify(extraction()),
          });
          expect(late.status).toBe(401);
        } finally {
          clock.mockRestore();
        }
      } finally {
        await short.close();
      }
    });
  });

  describe('Genesys model endpoint', () => {
    it('answers the extraction in the Genesys shape with the usual headers', async () => {
      const body = extraction();
      const res = await callGateway(await token(), body);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-simulator')).toBe('true');
      expect(res.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('inin-ratelimit-allowed')).toBe('300');
      expect(Number(res.headers.get('inin-ratelimit-count'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('inin-ratelimit-reset'))).toBeGreaterThan(0);
      const answer = (await res.json()) as GatewayAnswer;
      const content = '{"action":"modify_flight","date":"next Tuesday","seat":"14A"}';
      const promptChars = body.messages.reduce((n, m) => n + m.content.length, 0);
      expect(answer).toEqual({
        id: expect.stringMatching(/^sim-[0-9a-f-]{36}$/),
        choices: [{ index: 0, message: { role: 'assistant', content } }],
        usage: { promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.ceil(content.length / 4) },
      });
    });

    it('answers the specialist from the entities in the first user message', async () => {
      const res = await callGateway(await token(), {
        modelId: 'sim-specialist',
        messages: [
          { role: 'system', content: 'Validate.' },
          {
            role: 'user',
            content: 'Extracted request (JSON): {"action":"request_refund","bookingReference":"XK4P9Q","amount":5000}',
          },
        ],
      });
      const verdict = JSON.parse((await contentOf(res)) as string);
      expect(verdict).toMatchObject({ isValid: false, reason: expect.stringMatching(/^Simulated rule: /) });
      expect(verdict.nextSteps.join(' ')).toMatch(/supervisor approval/i);
    });

    it('refuses unknown and expired bearer tokens with a Genesys 401', async () => {
      const unknown = await callGateway('not-a-token', extraction());
      expect(unknown.status).toBe(401);
      expect(await unknown.json()).toMatchObject({
        code: 'authentication.required',
        status: 401,
        message: expect.any(String),
      });

      const t = await token();
      expect((await callGateway(t, extraction())).status).toBe(200);
      sim.expireTokens();
      expect((await callGateway(t, extraction())).status).toBe(401);
      expect((await callGateway(await token(), extraction())).status).toBe(200);
    });

    it('checks the body: 400 with what is wrong, 415 for another media type, 413 past 1 MB', async () => {
      const t = await token();
      const cases: Array<[unknown, RegExp]> = [
        ['{not json', /not valid JSON/],
        [{ messages: [{ role: 'user', content: 'hi' }] }, /modelId/],
        [{ modelId: 'sim-extractor', messages: [] }, /messages/],
        [{ modelId: 'sim-extractor', messages: [{ role: 'robot', content: 'hi' }] }, /role/],
        [{ modelId: 'sim-extractor', messages: [{ role: 'user', content: 42 }] }, /content/],
        [{ modelId: 'sim-extractor', messages: [{ role: 'system', content: 'hi' }] }, /user message/],
        [{ ...extraction(), options: { max_tokens: 5 } }, /options\.max_tokens/],
        [{ ...extraction(), options: { temperature: 7 } }, /temperature/],
        [{ ...extraction(), options: { responseFormat: { type: 'xml' } } }, /responseFormat/],
        [{ ...extraction(), stream: true }, /stream/],
      ];
      for (const [body, message] of cases) {
        const res = await callGateway(t, body);
        expect(res.status).toBe(400);
        const error = (await res.json()) as { message: string; code: string; status: number };
        expect(error).toMatchObject({ code: 'bad.request', status: 400 });
        expect(error.message).toMatch(message);
      }
      expect((await callGateway(t, extraction(), { type: 'text/plain' })).status).toBe(415);
      const huge = await callGateway(t, { ...extraction('x'.repeat(1024 * 1024)) });
      expect(huge.status).toBe(413);
    });

    it('answers 404 for an unknown model', async () => {
      const res = await callGateway(await token(), extraction(SEED, 'gpt-unknown'));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'model not found', code: 'not.found', status: 404 });
    });

    it('waits the configured latency before answering', async () => {
      const t = await token();
      sim.setLatency(40);
      const started = performance.now();
      expect((await callGateway(t, extraction())).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    });
  });

  describe('faults', () => {
    let t: string;
    beforeEach(async () => {
      t = await token();
    });

    it('status: that status with exactly the headers asked for', async () => {
      sim.fault({ kind: 'status', status: 429, retryAfter: '2' }, { kind: 'status', status: 503 });
      const limited = await callGateway(t, extraction());
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('2');
      expect(await limited.json()).toMatchObject({ status: 429 });
      const down = await callGateway(t, extraction());
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBeNull();
      expect(down.headers.get('retry-after-ms')).toBeNull();
      expect((await callGateway(t, extraction())).status).toBe(200);

      sim.fault({ kind: 'status', status: 429, retryAfterMs: 150, body: 'slow down' });
      const custom = await callGateway(t, extraction());
      expect(custom.headers.get('retry-after-ms')).toBe('150');
      expect(custom.headers.get('retry-after')).toBeNull();
      expect(await custom.text()).toBe('slow down');
    });

    it('drop: the socket closes without an answer', async () => {
      sim.fault({ kind: 'drop' });
      await expect(callGateway(t, extraction())).rejects.toThrow();
      expect(sim.stats.requests.at(-1)).toMatchObject({
        endpoint: 'model',
        modelId: 'sim-extractor',
        status: 'dropped',
      });
      expect((await callGateway(t, extraction())).status).toBe(200);
    });

    it('slow: answers normally after the wait, and gives up when the client leaves', async () => {
      sim.fault({ kind: 'slow', ms: 40 });
      const started = performance.now();
      const res = await callGateway(t, extraction());
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
      expect(await contentOf(res)).toBe('{"action":"modify_flight","date":"next Tuesday","seat":"14A"}');

      sim.fault({ kind: 'slow', ms: 60_000 });
      await expect(callGateway(t, extraction(), { signal: AbortSignal.timeout(30) })).rejects.toThrow();
      await vi.waitFor(() => expect(sim.stats.requests.at(-1)?.status).toBe('dropped'), { timeout: 15_000 });
    });

    it('output, fenced, chatty, malformed and wrong-shape change the content of a 200', async () => {
      const json = '{"action":"modify_flight","date":"next Tuesday","seat":"14A"}';
      sim.fault(
        { kind: 'output', content: 'exactly this' },
        { kind: 'fenced' },
        { kind: 'chatty' },
        { kind: 'malformed' },
        { kind: 'wrong-shape' },
      );
      const contents: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await callGateway(t, extraction());
        expect(res.status).toBe(200);
        contents.push(await contentOf(res));
      }
      expect(contents[0]).toBe('exactly this');
      expect(contents[1]).toBe(`\`\`\`json\n${json}\n\`\`\``);
      expect(contents[2]).toMatch(/^Sure! Here is the JSON you asked for:\n/);
      expect(contents[2]).toContain(`\n${json}\nLet me know`);
      expect(() => JSON.parse(contents[3] as string)).toThrow();
      expect(contents[3]).not.toMatch(/[{}[\]]/);
      expect(Array.isArray(JSON.parse(contents[4] as string))).toBe(true);

      sim.fault({ kind: 'wrong-shape' });
      const specialist = await callGateway(t, {
        modelId: 'sim-specialist',
        messages: [{ role: 'user', content: '{"action":"unknown"}' }],
      });
      expect(await contentOf(specialist)).toBe('{"valid":"yes"}');
    });

    it('times and model targeting', async () => {
      sim.fault({ kind: 'status', status: 500, times: 2, model: 'sim-specialist' });
      const specialist = extraction('{"action":"unknown"}', 'sim-specialist');
      expect((await callGateway(t, extraction())).status).toBe(200);
      expect((await callGateway(t, specialist)).status).toBe(500);
      expect((await callGateway(t, extraction())).status).toBe(200);
      expect((await callGateway(t, specialist)).status).toBe(500);
      expect((await callGateway(t, specialist)).status).toBe(200);
    });

    it('is consumed first in, first out, and not by refused requests', async () => {
      sim.fault({ kind: 'status', status: 502 }, { kind: 'status', status: 504 });
      expect((await callGateway('bad-token', extraction())).status).toBe(401);
      expect((await callGateway(t, extraction(SEED, 'nope'))).status).toBe(404);
      expect((await callGateway(t, extraction())).status).toBe(502);
      expect((await callGateway(t, extraction())).status).toBe(504);
    });

    it('targets the token endpoint when asked', async () => {
      sim.fault({ endpoint: 'token', kind: 'status', status: 503, retryAfter: '1' });
      const first = await tokenRequest();
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('1');
      expect((await tokenRequest()).status).toBe(200);
      expect((await callGateway(t, extraction())).status).toBe(200);
      sim.fault({ endpoint: 'token', kind: 'drop' });
      await expect(tokenRequest()).rejects.toThrow();
      expect(sim.stats.requests.at(-1)).toMatchObject({ endpoint: 'token', status: 'dropped' });
    });

    it('close() ends requests still waiting on a slow fault at once', async () => {
      const other = await startSimulator();
      const auth = await fetch(`${other.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basic(), 'content-type': FORM },
        body: 'grant_type=client_credentials',
      });
      const { access_token: otherToken } = (await auth.json()) as { access_token: string };
      other.fault({ kind: 'slow', ms: 60_000 });
      const pending = fetch(`${other.url}/api/v2/llm/gateway`, {
        method: 'POST',
        headers: { authorization: `Bearer ${otherToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(extraction()),
      });
      await vi.waitFor(() => expect(other.stats.modelCalls).toBe(1), { timeout: 15_000 });
      const started = performance.now();
      await other.close();
      // not the 60 s the slow answer would take
      expect(performance.now() - started).toBeLessThan(10_000);
      await expect(pending).rejects.toThrow();
    });

    it('refuses a fault that could never fire as meant', () => {
      expect(() => sim.fault({ kind: 'status', status: 42 })).toThrow(TypeError);
      expect(() => sim.fault({ kind: 'fenced', endpoint: 'token' })).toThrow(TypeError);
      expect(() => sim.fault({ kind: 'drop', times: 0 })).toThrow(TypeError);
      expect(() => sim.fault(JSON.parse('{"kind":"status","status":429,"retry_after":"1"}'))).toThrow(/retry_after/);
    });
  });

  describe('OpenAI-compatible endpoint', () => {
    const chat = (body: unknown, key = 'sim-openai-key') =>
      fetch(`${sim.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const request = (model = 'sim-extractor') => ({
      model,
      messages: [{ role: 'user', content: SEED }],
      temperature: 0,
      max_tokens: 300,
      response_format: { type: 'json_object' },
    });

    it('answers in the chat.completion shape', async () => {
      const res = await chat(request());
      expect(res.status).toBe(200);
      expect(res.headers.get('x-simulator')).toBe('true');
      const content = '{"action":"modify_flight","date":"next Tuesday","seat":"14A"}';
      const prompt = Math.ceil(SEED.length / 4);
      const completion = Math.ceil(content.length / 4);
      expect(await res.json()).toEqual({
        id: expect.any(String),
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'sim-extractor',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      });
      expect(sim.stats.modelCalls).toBe(1);
      expect(sim.stats.callsByModel).toEqual({ 'sim-extractor': 1 });
    });

    it('refuses a wrong key, a bad body and an unknown model in the OpenAI error shape', async () => {
      const denied = await chat(request(), 'wrong');
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({
        error: { message: expect.any(String), type: 'invalid_request_error' },
      });
      const bad = await chat({ ...request(), modelId: 'x' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
      expect((await chat(request('nope'))).status).toBe(404);
    });

    it('shares the model faults', async () => {
      sim.fault({ kind: 'status', status: 429, retryAfter: '3' }, { kind: 'fenced', model: 'sim-extractor' });
      const limited = await chat(request());
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      const fenced = (await (await chat(request())).json()) as { choices: Array<{ message: { content: string } }> };
      expect(fenced.choices[0]?.message.content).toMatch(/^```json\n/);
    });
  });

  describe('control API', () => {
    const control = (method: string, path: string, body?: unknown) =>
      fetch(`${sim.url}/__sim/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    it('queues, clears and applies faults', async () => {
      const t = await token();
      expect((await control('POST', 'faults', { kind: 'status', status: 418 })).status).toBe(200);
      const queued = await control('POST', 'faults', [{ kind: 'malformed' }, { kind: 'drop' }]);
      expect(await queued.json()).toEqual({ pending: 3 });
      expect((await callGateway(t, extraction())).status).toBe(418);
      expect(await (await control('DELETE', 'faults')).json()).toEqual({ cleared: 2 });
      expect((await callGateway(t, extraction())).status).toBe(200);

      const invalid = await control('POST', 'faults', { kind: 'explode' });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ code: 'bad.request', message: expect.stringMatching(/kind/) });
    });

    it('reports and resets stats, expires tokens and sets latency', async () => {
      const t = await token();
      await callGateway(t, extraction());
      const stats = (await (await control('GET', 'stats')).json()) as { tokenRequests: number; modelCalls: number };
      expect(stats).toMatchObject({ tokenRequests: 1, modelCalls: 1, callsByModel: { 'sim-extractor': 1 } });

      await control('POST', 'faults', { kind: 'drop' });
      expect((await control('POST', 'reset')).status).toBe(200);
      expect(sim.stats).toMatchObject({ tokenRequests: 0, modelCalls: 0, requests: [] });
      expect((await callGateway(t, extraction())).status).toBe(200);

      expect((await control('POST', 'expire-tokens')).status).toBe(200);
      expect((await callGateway(t, extraction())).status).toBe(401);

      expect((await control('PUT', 'latency', { ms: -1 })).status).toBe(400);
      expect(await (await control('PUT', 'latency', { ms: 30 })).json()).toEqual({ latencyMs: 30 });
      const started = performance.now();
      await callGateway(await token(), extraction());
      expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    });

    it('answers 404 JSON for anything else', async () => {
      for (const [method, path] of [
        ['GET', '/__sim/nothing'],
        ['GET', '/api/v2/llm/gateway'],
        ['POST', '/'],
      ] as const) {
        const res = await fetch(`${sim.url}${path}`, { method });
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.headers.get('x-simulator')).toBe('true');
        expect(await res.json()).toMatchObject({ status: 404 });
      }
    });
  });

  describe('stats', () => {
    it('counts every token and model request, whatever the answer, in place', async () => {
      const stats = sim.stats;
      await tokenRequest(basic('x', 'y'));
      const t = await token();
      await callGateway('nope', extraction());
      await callGateway(t, extraction(SEED, 'sim-specialist'));
      await callGateway(t, extraction(SEED, 'missing'));
      await callGateway(t, '{bad');
      expect(stats).toBe(sim.stats);
      expect(stats.tokenRequests).toBe(2);
      expect(stats.modelCalls).toBe(4);
      expect(stats.callsByModel).toEqual({ 'sim-extractor': 1, 'sim-specialist': 1, missing: 1 });
      expect(stats.requests.map((r) => [r.endpoint, r.modelId, r.status])).toEqual([
        ['token', undefined, 401],
        ['token', undefined, 200],
        ['model', 'sim-extractor', 401],
        ['model', 'sim-specialist', 200],
        ['model', 'missing', 404],
        ['model', undefined, 400],
      ]);
      expect(stats.requests.every((r) => typeof r.at === 'number')).toBe(true);
      sim.resetStats();
      expect(stats).toMatchObject({ tokenRequests: 0, modelCalls: 0, callsByModel: {}, requests: [] });
    });

    it('keeps only the last 1000 requests', () => {
      const stats = emptyStats();
      for (let i = 0; i < MAX_LOGGED + 5; i++) logRequest(stats, { endpoint: 'model', status: 200, at: i });
      expect(stats.requests).toHaveLength(1000);
      expect(stats.requests[0]?.at).toBe(5);
    });
  });
});
