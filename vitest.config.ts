import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

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
    // native modules (better-sqlite3) and real sockets: processes, not threads
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
