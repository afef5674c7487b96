import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import type { Reporter } from 'vitest/reporters';

const require = createRequire(import.meta.url);

/**
 * Suites that start a system program of their own. Where one is missing they
 * run all the same and fail, naming the package to install: a green `npm test`
 * means everything ran. ALLOW_MISSING_SYSTEM_DEPS=1 leaves them out instead,
 * and the run's summary says which. `.ci/run` installs both.
 */
const SYSTEM_SUITES = [
  {
    program: 'redis-server',
    present: () => !spawnSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']).error,
    files: ['test/store/redis-*.test.ts', 'test/events/redis-*.test.ts', 'test/scale/**'],
  },
  {
    program: 'chromium',
    present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    files: ['test/browser/**'],
  },
];

const allowMissing = process.env.ALLOW_MISSING_SYSTEM_DEPS === '1';
const missing = SYSTEM_SUITES.filter((suite) => !suite.present());
const leftOut = allowMissing ? missing.flatMap((suite) => suite.files) : [];
const notice = missing.map((suite) =>
  allowMissing
    ? `LEFT OUT (ALLOW_MISSING_SYSTEM_DEPS=1): ${suite.program} is not installed: ${suite.files.join(', ')}`
    : `${suite.program} is not installed: ${suite.files.join(', ')} will fail (apt-get install ${suite.program}, or ALLOW_MISSING_SYSTEM_DEPS=1 to leave them out)`,
);
for (const line of notice) process.stderr.write(`NOTE: ${line}\n`);

/** Says again, under the summary, what was left out: a line at the top scrolls away. */
const leftOutReporter: Reporter = {
  onTestRunEnd() {
    for (const line of notice) process.stderr.write(`\n${line}\n`);
  },
};

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM builds without an exports map: Node (and the
    // libraries vitest leaves external) load the CJS one, vite would load the
    // ESM one for our sources, and two GraphQLError classes break instanceof.
    // Pin the one Node uses, as in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...leftOut],
    // a stray .only would quietly run one test and pass: refuse it here as well as in CI
    allowOnly: false,
    ...(missing.length > 0 && { reporters: ['default', leftOutReporter] }),
    // native modules (better-sqlite3) and real sockets: processes, not threads
    pool: 'forks',
    // generous: on a loaded 2-core machine a wait that is quick alone can take seconds (nothing is timed with these)
    testTimeout: 30_000,
    // hooks start servers, Redis and a browser
    hookTimeout: 60_000,
    // expect.poll's own default (1 s) turns a busy machine's slow answer into a failure
    expect: { poll: { timeout: 15_000 } },
  },
});
