import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import {
  configureBaseline,
  gatewayRequestBody,
  type Message,
  orchestratePipeline,
  SPECIALIST_OPTIONS,
  specialistMessages,
} from './baseline.js';
import { SIM_ACCOUNT } from './processes.js';

/**
 * The least a server in front of the gateway can cost: the tutorial's
 * algorithm behind a bare `node:http` server, and nothing else (no GraphQL,
 * no store, no events, no metrics, no validation, no limits). `bench/floor.ts`
 * measures it next to the baseline and the real server, so that what the
 * server's own work costs is told apart from what any HTTP hop costs on the
 * same machine.
 *
 *   node --import tsx bench/relay.ts --sim <url> --client fetch|undici
 *
 * --client fetch: the tutorial's code as written (bench/baseline.ts, global
 * fetch). --client undici: the same two calls with the bodies the tutorial
 * sends, over an undici Agent as the server's gateway client sends them: the
 * cheapest relay this stack allows. Answers any POST with
 * `{"status":"success", extraction, specialization}` (what the bench's REST
 * driver checks), prints `relay listening at http://...` when ready.
 *
 * And the floor of SSE fan-out: a POST that accepts `text/event-stream` is
 * answered 200 and kept open, as the server answers a subscription, and
 * `POST /__broadcast` writes one event (a RECEIVED stage, as the server's
 * first event of a run) to every open one with `res.write`, nothing else.
 */

const { values: args } = parseArgs({
  options: { sim: { type: 'string' }, client: { type: 'string', default: 'undici' } },
});
const sim = args.sim;
if (!sim || (args.client !== 'fetch' && args.client !== 'undici')) {
  process.stderr.write('Usage: node --import tsx bench/relay.ts --sim <url> --client fetch|undici\n');
  process.exit(2);
}

configureBaseline({ loginBaseUrl: sim, apiBaseUrl: sim, ...SIM_ACCOUNT });

const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
const simUrl = new URL(sim);
let token: Promise<string> | undefined;

async function post(path: string, headers: Record<string, string>, body: string): Promise<unknown> {
  const res = await agent.request({ origin: simUrl.origin, path, method: 'POST', headers, body });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** one token for the process's life (the benchmark is shorter than its expiry); a failed request is asked again */
function accessToken(): Promise<string> {
  const basic = Buffer.from(`${SIM_ACCOUNT.clientId}:${SIM_ACCOUNT.clientSecret}`).toString('base64');
  token ??= post(
    '/oauth/token',
    { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    'grant_type=client_credentials&scope=llm:gateway:invoke',
  ).then(
    (t) => (t as { access_token: string }).access_token,
    (err: unknown) => {
      token = undefined;
      throw err;
    },
  );
  return token;
}

async function complete(modelId: string, messages: Message[], options?: { maxTokens: number }): Promise<unknown> {
  const headers = { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' };
  const body = JSON.stringify(gatewayRequestBody(modelId, messages, options));
  const answer = (await post('/api/v2/llm/gateway', headers, body)) as {
    choices: Array<{ message: { content: string } }>;
  };
  return JSON.parse(answer.choices[0]?.message.content as string);
}

/** the tutorial's two calls with its bodies, over undici */
async function viaUndici(text: string) {
  const extraction = await complete(SIM_ACCOUNT.primaryModelId, [{ role: 'user', content: text }]);
  const specialization = await complete(
    SIM_ACCOUNT.secondaryModelId,
    specialistMessages(extraction),
    SPECIALIST_OPTIONS,
  );
  return { status: 'success', extraction, specialization };
}

const orchestrate = args.client === 'fetch' ? orchestratePipeline : viaUndici;

const streams = new Set<ServerResponse>();
const FRAME = `event: next\ndata: ${JSON.stringify({ data: { pipelineEvents: { runId: 'floor', stage: 'RECEIVED' } } })}\n\n`;

const server = createServer((req, res) => {
  if (req.headers.accept === 'text/event-stream') {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    streams.add(res);
    res.once('close', () => streams.delete(res));
    return;
  }
  if (req.url === '/__broadcast') {
    req.resume();
    for (const s of streams) s.write(FRAME);
    res.end(String(streams.size));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let text: string;
    try {
      text = (JSON.parse(Buffer.concat(chunks).toString()) as { text: string }).text;
    } catch {
      res.writeHead(400).end();
      return;
    }
    orchestrate(text).then(
      (result) => {
        const body = JSON.stringify(result);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', message: String((err as Error)?.message ?? err) }));
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`relay listening at http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void agent.close().finally(() => process.exit(0));
});
