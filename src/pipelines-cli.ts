import { parseArgs } from 'node:util';
import { checkPipelineDir } from './pipeline/definition/load.js';
import { formatProblem } from './pipeline/definition/problems.js';
import type { CompiledPipeline } from './pipeline/definition/types.js';

const HELP = `Usage: npm run pipelines -- <command> [options]

Commands:
  check [DIR]   check every pipeline file in DIR: the file format, the JSON
                Schemas, the rules, the \${VAR} in model ids (read from this
                environment) and the examples. Prints each pipeline with its
                version; each problem as "<file>: <JSON pointer>: <problem>".

Options:
  -h, --help    this text

Exit status: 0 when every file passes, 1 when any has a problem, 2 on a usage error.

Environment:
  PIPELINES_DIR      DIR when none is given (default ./pipelines)
  DEFAULT_PIPELINE   the pipeline DIR must define (default travel)
  PRIMARY_MODEL_ID, SECONDARY_MODEL_ID, ...
                     any variable a model id names as \${VAR}

The file format is described in docs/pipelines.md.
`;

type Command = (args: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = { check };

class UsageError extends Error {}

async function check(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError('check takes one directory at most');
  const dir = positionals[0] ?? blankToUndefined(env.PIPELINES_DIR) ?? './pipelines';
  const defaultName = blankToUndefined(env.DEFAULT_PIPELINE) ?? 'travel';
  // `${VAR}` may name any variable, so the whole environment is what model ids resolve from
  const { pipelines, problems } = await checkPipelineDir(dir, { env, defaultName });

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
