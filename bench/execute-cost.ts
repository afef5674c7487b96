import { parseArgs } from 'node:util';
import pino from 'pino';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { simulatorEnv } from '../test/helpers/test-app.js';
import { ORCHESTRATE_MUTATION, TEXTS } from './drivers.js';
import { prepareRuntime, startSimulatorProcess } from './processes.js';

/**
 * Server CPU per `yoga.fetch`, in this process, for one operation at a time,
 * with compiled execution (GRAPHQL_JIT) off and on: two apps built as the
 * tests build them, the simulator in its own process (so its CPU is not
 * counted), alternate rounds (A B, B A, ...) so that drift and noise of the
 * shared machine fall on both. What counts is the ratio, not the absolute ms.
 *
 *   npx tsx bench/execute-cost.ts [--rounds 8] [--requests 200] [--only mutation|run|page]
 *   node --cpu-prof --cpu-prof-dir=bench/results --import tsx bench/execute-cost.ts --variants off
 */

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    requests: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '200' },
    only: { type: 'string' },
    variants: { type: 'string', default: 'off,on' },
  },
});
const ROUNDS = Number(args.rounds);
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);

const RUN_QUERY = `query($id: ID!) { run(id: $id) { id stage createdAt text pipeline { name }
  extraction { entities model latencyMs attempts cached usage { totalTokens } }
  specialization { isValid reason nextSteps decidedBy model usage { totalTokens } }
  usage { promptTokens completionTokens totalTokens } events { seq stage at } } }`;
const PAGE_QUERY = `query { runs(first: 20) { edges { cursor node { id stage createdAt
  extraction { entities model } specialization { isValid reason nextSteps } usage { totalTokens } } } } }`;

interface Operation {
  name: string;
  body(i: number): string;
}

async function main(): Promise<void> {
  const sim = await startSimulatorProcess(
    prepareRuntime('tsx', () => {}),
    0,
  );
  const variants = (args.variants as string).split(',') as Array<'off' | 'on'>;
  const apps = new Map<string, App>();
  try {
    for (const v of variants) {
      const config = loadConfig(simulatorEnv(sim, { GRAPHQL_JIT: v === 'on' ? 'true' : 'false' }));
      apps.set(v, await createApp(config, { logger: pino({ level: 'silent' }) }));
    }

    // each app stores runs of its own to read back
    const runIds = new Map<string, string[]>();
    for (const [v, app] of apps) {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await call(app, JSON.stringify({ query: ORCHESTRATE_MUTATION, variables: { t: TEXTS[i % 4] } }));
        ids.push((r.data as { orchestrate: { id: string } }).orchestrate.id);
      }
      runIds.set(v, ids);
    }
    const ops = (v: string): Operation[] => [
      {
        name: 'mutation',
        body: (i) => JSON.stringify({ query: ORCHESTRATE_MUTATION, variables: { t: TEXTS[i % TEXTS.length] } }),
      },
      {
        name: 'run',
        body: (i) => {
          const ids = runIds.get(v) as string[];
          return JSON.stringify({ query: RUN_QUERY, variables: { id: ids[i % ids.length] } });
        },
      },
      { name: 'page', body: () => JSON.stringify({ query: PAGE_QUERY }) },
    ];

    const names = ops('off')
      .map((o) => o.name)
      .filter((n) => !args.only || n === args.only);
    for (const name of names) {
      for (const [v, app] of apps) {
        const op = ops(v).find((o) => o.name === name) as Operation;
        for (let i = 0; i < WARMUP; i++) await call(app, op.body(i));
      }
      const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const v of order) {
          const app = apps.get(v) as App;
          const op = ops(v).find((o) => o.name === name) as Operation;
          const bodies = Array.from({ length: REQUESTS }, (_, i) => op.body(i));
          const start = process.cpuUsage();
          for (const body of bodies) await call(app, body);
          const used = process.cpuUsage(start);
          cpu.get(v)?.push((used.user + used.system) / 1000 / REQUESTS);
        }
      }
      report(name, cpu);
    }
  } finally {
    for (const app of apps.values()) await app.shutdown(0);
    await sim.stop();
  }
}

async function call(app: App, body: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  const res = await app.yoga.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body,
  });
  const json = (await res.json()) as { data?: unknown; errors?: unknown[] };
  if (res.status !== 200 || json.errors) throw new Error(`HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function report(name: string, cpu: Map<string, number[]>): void {
  const line = [...cpu].map(([v, xs]) => `${v} ${median(xs).toFixed(3)} ms [${xs.map((x) => x.toFixed(3)).join(' ')}]`);
  const off = cpu.get('off');
  const on = cpu.get('on');
  let ratio = '';
  if (off?.length && on?.length) {
    // per round, on/off of the pair measured next to each other
    const ratios = on.map((x, i) => x / (off[i] as number));
    ratio = `  on/off median ${median(ratios).toFixed(3)} [${ratios.map((r) => r.toFixed(2)).join(' ')}]`;
  }
  console.log(`${name}: CPU per request  ${line.join('  ')}${ratio}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
