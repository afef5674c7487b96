// Starts the compiled server as the Docker image does (`node dist/server.js`,
// NODE_ENV=production and the Dockerfile's NODE_OPTIONS), on a free loopback port with an in-memory store; checks
// that /ready answers 200 and that a GraphQL query is served; then stops it with
// SIGTERM, as `docker stop` does, and expects a clean exit. Plain JavaScript, so
// it runs on the Node under test with nothing but `npm run build` before it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const STEP_MS = 30_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message, output) {
  process.stderr.write(`check-dist-server: ${message}\n${output ? `server output:\n${output}\n` : ''}`);
  process.exit(1);
}

// only what the image sets: a variable from the caller's shell (GENESYS_*, REDIS_URL) must not change what is checked
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  SQLITE_PATH: ':memory:',
};
// the node flags the image gives it (its ENV NODE_OPTIONS), so they are exercised on every Node under test
const imageNodeOptions = /^\s+NODE_OPTIONS=(\S+(?: \S+)*?) \\$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
if (imageNodeOptions) env.NODE_OPTIONS = imageNodeOptions;
const server = spawn(process.execPath, ['dist/server.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
server.stdout.on('data', (chunk) => {
  output += chunk;
});
server.stderr.on('data', (chunk) => {
  output += chunk;
});
const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
let gone = false;
void exited.then(() => {
  gone = true;
});
process.once('exit', () => {
  if (!gone) server.kill('SIGKILL');
});

async function until(what, probe) {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    if (gone) fail(`the server exited while waiting for ${what}`, output);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) fail(`no ${what} within ${STEP_MS / 1000} s`, output);
    await sleep(100);
  }
}

const base = await until(
  '"serving GraphQL" log line',
  async () => /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output)?.[1],
);

await until('200 from /ready', async () => {
  const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status === 200 ? true : undefined;
});

const res = await fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: '{ __typename }' }),
  signal: AbortSignal.timeout(5000),
});
const body = await res.text();
if (res.status !== 200 || !body.includes('"__typename":"Query"')) {
  fail(`POST /graphql { __typename } answered ${res.status}: ${body}`, output);
}

server.kill('SIGTERM');
const stopped = await Promise.race([exited, sleep(STEP_MS).then(() => undefined)]);
if (!stopped) fail(`still running ${STEP_MS / 1000} s after SIGTERM`, output);
if (stopped.code !== 0) fail(`exited with ${stopped.code ?? stopped.signal} after SIGTERM`, output);

process.stdout.write(
  `dist/server.js on node ${process.version}: /ready 200, GraphQL served, exit 0 after SIGTERM (${base})\n`,
);
