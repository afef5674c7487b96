import { parseArgs } from 'node:util';
import { loadConfigOrExit, pipelineVariables } from './config.js';
import { createLogger } from './logger.js';
import { checkPipelineDir } from './pipeline/definition/load.js';
import { formatProblem } from './pipeline/definition/problems.js';
import type { CompiledPipeline } from './pipeline/definition/types.js';
import { type ExampleOutcome, runExamples } from './pipeline/examples.js';
import { createRuntime } from './runtime.js';

const HELP = `Usage: npm run pipelines -- <command> [options]

Commands:
  check [DIR]   check every pipeline file in DIR: the file format, the JSON
                Schemas, the rules, the \${VAR} in model ids (read from this
                environment) and the examples. Prints each pipeline with its
                version; each problem as "<file>: <JSON pointer>: <problem>".

  test [NAME]   run the examples of every pipeline (or of NAME) through the
                configured gateway (the built-in simulator when no credentials
                are set) and print, per example, each expected field matched or
                not, who decided (rules or model), tokens and latency; then a
                summary per pipeline. Runs are kept in memory only.

Options:
  -h, --help    this text

Exit status: 0 when every file passes (check) or every example matches (test),
1 otherwise, 2 on a usage error.

Environment:
  PIPELINES_DIR      DIR when none is given (default ./pipelines)
  DEFAULT_PIPELINE   the pipeline DIR must define (default travel)
  PRIMARY_MODEL_ID, SECONDARY_MODEL_ID, ...
                     any variable a model id names as \${VAR}

The file format is described in docs/pipelines.md.
`;

type Command = (args: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = { check, test };

class UsageError extends Error {}

async function check(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError('check takes one directory at most');
  const dir = positionals[0] ?? blankToUndefined(env.PIPELINES_DIR) ?? './pipelines';
  const defaultName = blankToUndefined(env.DEFAULT_PIPELINE) ?? 'travel';
  // what the server resolves `${VAR}` from: the environment less its secrets
  const { pipelines, problems } = await checkPipelineDir(dir, { env: pipelineVariables(env), defaultName });

  const width = Math.max(0, ...pipelines.map((p) => p.name.length));
  for (const p of pipelines) process.stdout.write(`${describe(p, width, defaultName)}\n`);
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
  if (problems.length > 0) {
    process.stderr.write(`${plural(problems.length, 'problem')} in ${dir}\n`);
    return 1;
  }
  process.stdout.write(`${plural(pipelines.length, 'pipeline')} in ${dir}: all pass\n`);
  return 0;
}

async function test(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError('test takes one pipeline name at most');
  // the examples are not the contact centre's runs: kept in memory, never in its store
  const config = loadConfigOrExit({ ...env, SQLITE_PATH: ':memory:', REDIS_URL: '', LOG_LEVEL: 'warn' });
  const runtime = await createRuntime(config, { logger: createLogger('warn', process.stderr) });
  try {
    const wanted = positionals[0];
    const pipelines = wanted === undefined ? runtime.pipelines.list() : [runtime.pipelines.get(wanted)];
    let failed = 0;
    for (const pipeline of pipelines) {
      process.stdout.write(`\n${pipeline.name} ${pipeline.version}  (${config.gateway.mode} gateway)\n`);
      const outcomes = await runExamples(runtime.orchestrator, pipeline);
      for (const o of outcomes) process.stdout.write(`${formatOutcome(o)}\n`);
      const passed = outcomes.filter((o) => o.ok).length;
      const rules = outcomes.filter((o) => o.decidedBy === 'RULES').length;
      const tokens = outcomes.reduce((t, o) => t + o.tokens, 0);
      process.stdout.write(
        `  ${passed}/${outcomes.length} examples match, ${rules} decided by rules, ${tokens} tokens\n`,
      );
      failed += outcomes.length - passed;
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

function formatOutcome(o: ExampleOutcome): string {
  const mark = o.ok ? 'ok  ' : 'MISS';
  const text = o.text.length > 48 ? `${o.text.slice(0, 47)}…` : o.text;
  const who = o.error ? `error ${o.error}` : o.decidedBy === 'RULES' ? `rules (${o.rule})` : 'model';
  const head = `  ${mark} #${o.index + 1} ${JSON.stringify(text)}  ${who}, ${o.tokens} tokens, ${o.latencyMs} ms`;
  const fields = o.checks.map(
    (c) =>
      `      ${c.ok ? '✓' : '✗'} ${c.field} = ${JSON.stringify(c.expected)}${c.ok ? '' : ` (got ${JSON.stringify(c.actual) ?? 'nothing'})`}`,
  );
  return [head, ...fields].join('\n');
}

function describe(p: CompiledPipeline, width: number, defaultName: string): string {
  const { extraction, specialization } = p.definition;
  return [
    p.name.padEnd(width),
    p.version,
    `${plural(p.rules.length, 'rule')}, ${plural(p.examples.length, 'example')}`,
    `models ${extraction.model} -> ${specialization.model}${p.name === defaultName ? '  (default)' : ''}`,
  ].join('  ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(HELP);
    return 2;
  }
  if (name === '-h' || name === '--help' || rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  // An entry point, like src/cli.ts, but it does not parse the server's configuration:
  // checking files must not demand gateway credentials.
  return command(rest, process.env);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    if (usage) process.stderr.write('Run "npm run pipelines -- --help" for the commands.\n');
    process.exitCode = usage ? 2 : 1;
  },
);
