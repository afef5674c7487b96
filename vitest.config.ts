import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Suites that start a system program of their own. On a machine without it,
 * `npm test` leaves them out and says so; `.ci/run` installs both and sets
 * REQUIRE_SYSTEM_DEPS=1, so there nothing is ever left out.
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

const leftOut: string[] = [];
if (process.env.REQUIRE_SYSTEM_DEPS !== '1') {
  for (const suite of SYSTEM_SUITES) {
    if (suite.present()) continue;
    leftOut.push(...suite.files);
    process.stderr.write(
      `NOTE: ${suite.program} is not installed: ${suite.files.join(', ')} left out (apt-get install ${suite.program}; .ci/run installs it)\n`,
    );
  }
}

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
