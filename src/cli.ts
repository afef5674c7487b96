import { parseArgs } from 'node:util';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './logger.js';
import { orchestrateUnified, unifiedError } from './pipeline/unified.js';
import { createRuntime } from './runtime.js';

const HELP = `Usage: npm run orchestrate -- [options] "customer text"

Runs one pipeline (extraction, then specialization) and prints the unified JSON.
Exit status 0 on success, 1 on failure. Text may also come on standard input
when none is given as an argument.

Options:
  --pipeline NAME         the pipeline to run (PIPELINES_DIR; default DEFAULT_PIPELINE, travel)
  --idempotency-key KEY   same key and same text within 24 h: the same run, no new model calls
  --verbose               log each gateway attempt (JSON lines on stderr)
  -h, --help              this text

Configuration is read from the environment (docs/configuration.md):
  no GENESYS_CLIENT_ID      the built-in simulator, no credentials needed
  GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_ENV, PRIMARY_MODEL_ID, SECONDARY_MODEL_ID
                            a Genesys Cloud org
  GATEWAY_MODE=openai OPENAI_BASE_URL=... [OPENAI_API_KEY=...]
                            any OpenAI-compatible gateway
  SQLITE_PATH               where the run is stored (default ./data/runs.sqlite)
`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      verbose: { type: 'boolean' },
      'idempotency-key': { type: 'string' },
      pipeline: { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = loadConfigOrExit();
  const text = positionals.length > 0 ? positionals.join(' ') : await readStdin();
  // stdout carries the JSON alone; logs go to stderr, attempts only when asked for
  const level = values.verbose ? config.logLevel : config.logLevel === 'silent' ? 'silent' : 'warn';
  const logger = createLogger(level, process.stderr);
  const runtime = await createRuntime(config, { logger });
  try {
    const outcome = await orchestrateUnified(runtime.orchestrator, {
      text,
      idempotencyKey: values['idempotency-key'],
      pipeline: values.pipeline,
    });
    process.stdout.write(`${JSON.stringify(outcome.body, null, 2)}\n`);
    return outcome.body.status === 'success' ? 0 : 1;
  } catch (err) {
    logger.error({ err }, 'unexpected failure');
    const outcome = unifiedError('INTERNAL_SERVER_ERROR', 'The run failed on an unexpected error.', null);
    process.stdout.write(`${JSON.stringify(outcome.body, null, 2)}\n`);
    return 1;
  } finally {
    await runtime.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
