import type { CodegenConfig } from '@graphql-codegen/cli';

const typesConfig = {
  useTypeImports: true,
  enumsAsTypes: true,
  scalars: { DateTime: 'string', JSON: 'unknown' },
};

/**
 * Typed documents, from the checked-in SDL: for the tests (and the
 * persisted-operations allow-list) and for the console. `npm test` runs
 * `codegen --check`, so the generated files can never be stale.
 */
const config: CodegenConfig = {
  // NodeNext resolution wants explicit .js extensions in the generated imports (vite resolves them too)
  importExtension: '.js',
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      documents: ['operations/**/*.graphql', 'test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      config: typesConfig,
      // persisted-documents.json: the allow-list of PERSISTED_OPERATIONS_FILE
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
    },
    'web/src/gql/': {
      documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
      preset: 'client',
      config: typesConfig,
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
