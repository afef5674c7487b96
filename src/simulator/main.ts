import { parseArgs } from 'node:util';
import { DEFAULT_MODELS, startSimulator } from './server.js';

/** `npm run simulator`: the simulated gateway alone, as an HTTP server. */

const USAGE = `Usage: npm run simulator -- [options]

A simulated Genesys Cloud LLM Gateway on HTTP, for tests and demos. Not the real service.
Its models are deterministic stand-ins, not language models: sim-extractor fills the
entity schema it is sent from the customer's words, sim-specialist validates by stated
rules. They answer the shipped pipelines (pipelines/*.yaml: travel, banking, telecom).

Options:
  --port <n>             port to listen on (default 4010; 0 picks a free one)
  --host <h>             address to listen on (default 127.0.0.1)
  --latency-ms <n>       delay before each model answer (default 0)
  --client-id <id>       OAuth client id to accept (default sim-client)
  --client-secret <s>    OAuth client secret to accept (default sim-secret)
  --help                 this text

Endpoints: POST /oauth/token, POST /api/v2/llm/gateway,
POST /openai/v1/chat/completions (key sim-openai-key), and /__sim/* controls
(GET stats, POST|DELETE faults, POST reset, POST expire-tokens, PUT latency).`;

function fail(message: string): never {
  process.stderr.write(`simulator: ${message}\n`);
  process.exit(1);
}

function whole(value: string, name: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max) fail(`--${name} must be a whole number from 0 to ${max}, got "${value}"`);
  return n;
}

const args = readArgs();

function readArgs() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '4010' },
        host: { type: 'string', default: '127.0.0.1' },
        'latency-ms': { type: 'string', default: '0' },
        'client-id': { type: 'string', default: 'sim-client' },
        'client-secret': { type: 'string', default: 'sim-secret' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)} (see --help)`);
  }
}

if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const clientId = args['client-id'];
const clientSecret = args['client-secret'];
let sim: Awaited<ReturnType<typeof startSimulator>>;
try {
  sim = await startSimulator({
    host: args.host,
    port: whole(args.port, 'port', 65_535),
    latencyMs: whole(args['latency-ms'], 'latency-ms', 2 ** 31 - 1),
    clientId,
    clientSecret,
  });
} catch (e) {
  fail(`cannot listen on ${args.host}:${args.port}: ${e instanceof Error ? e.message : String(e)}`);
}

const [primary, secondary] = Object.keys(DEFAULT_MODELS);
// Simulated credentials are not secrets, so printing them is the point.
const env = [
  `GENESYS_LOGIN_BASE_URL=${sim.url}`,
  `GENESYS_API_BASE_URL=${sim.url}`,
  `GENESYS_CLIENT_ID=${clientId}`,
  `GENESYS_CLIENT_SECRET=${clientSecret}`,
  `PRIMARY_MODEL_ID=${primary}`,
  `SECONDARY_MODEL_ID=${secondary}`,
].join(' ');
process.stdout.write(
  `Simulated Genesys LLM Gateway (not the real service) at ${sim.url}, client id ${clientId}, secret ${clientSecret}; point the server at it with: ${env}\n`,
);

const stop = () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
